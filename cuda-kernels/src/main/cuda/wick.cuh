// Shared device helpers for Wick's kernels: grid-stride loops, precise math overloads for the
// float/double templates, warp and block reductions with a fixed (deterministic) order, and the
// counter-based random numbers of dev.wick.core.CounterRng.
//
// Conventions every kernel follows (the Java launchers rely on them):
//  - element counts are 32-bit ints (a Wick buffer never holds more than 2^31 - 1 elements);
//    element offsets that are multiplied by a row length are widened to size_t first;
//  - block sizes are multiples of 32 (the reductions shuffle over full warps);
//  - no pointer is declared __restrict__ where the Backend contract lets outputs alias inputs.
#ifndef WICK_CUH
#define WICK_CUH

typedef unsigned long long wick_u64;

// Grid-stride loop over [0, n). An unsigned index cannot overflow: i < n <= 2^31 - 1 and the
// stride (blocks * threads) stays far below 2^31.
#define WICK_FOR_EACH(i, n)                                                              \
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned int)(n); \
         i += blockDim.x * gridDim.x)

// A strided loop from start over [start, n): for the block-per-row and thread-per-column loops.
// Unsigned for the same reason as above (start + step may pass 2^31 - 1 on the last step).
#define WICK_STRIDE(i, start, n, step) \
    for (unsigned int i = (start); i < (unsigned int)(n); i += (step))

// ---- math overloads, so one template serves float and double -----------------------------------

__device__ __forceinline__ float wick_exp(float x) { return expf(x); }
__device__ __forceinline__ double wick_exp(double x) { return exp(x); }
__device__ __forceinline__ float wick_log(float x) { return logf(x); }
__device__ __forceinline__ double wick_log(double x) { return log(x); }
__device__ __forceinline__ float wick_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double wick_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float wick_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double wick_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float wick_max(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double wick_max(double a, double b) { return fmax(a, b); }
__device__ __forceinline__ float wick_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double wick_abs(double x) { return fabs(x); }

// The two branches of UnaryOp.SIGMOID: the exponential's argument is never positive, so it never
// overflows; NaN takes the second branch and stays NaN.
template <typename T>
__device__ __forceinline__ T wick_sigmoid(T x) {
    if (x >= (T)0) return (T)1 / ((T)1 + wick_exp(-x));
    const T e = wick_exp(x);
    return e / ((T)1 + e);
}

template <typename T> __device__ __forceinline__ T wick_negative_infinity();
template <> __device__ __forceinline__ float wick_negative_infinity<float>() { return -INFINITY; }
template <> __device__ __forceinline__ double wick_negative_infinity<double>() { return -(double)INFINITY; }

// ---- reductions ------------------------------------------------------------------------------
// Butterfly (xor) reductions: every lane ends with the same value, bit for bit (each step combines
// the same two operands in both lanes, and +, max and WickPick are symmetric), and the order depends
// only on the block size, so results are identical run to run.

struct WickSum {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct WickMax {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return wick_max(a, b); }
};

// A candidate of a selecting reduction (max, argmax, ...): a value and its position along the
// axis, WICK_NONE where a thread has seen no element yet.
#define WICK_NONE 0x7fffffff
template <typename T>
struct WickBest {
    T value;
    int index;
};

template <typename T>
__device__ __forceinline__ T wick_shfl_xor(T v, int lane_mask) {
    return __shfl_xor_sync(0xffffffffu, v, lane_mask);
}
template <typename T>
__device__ __forceinline__ WickBest<T> wick_shfl_xor(WickBest<T> v, int lane_mask) {
    return WickBest<T>{wick_shfl_xor(v.value, lane_mask), wick_shfl_xor(v.index, lane_mask)};
}

// Of two candidates, the one whose value beats the other's (Better: the op table's "x beats best"
// test, a strict order) and, where neither beats the other (equal values, -0 and +0, two NaNs), the
// earlier position. That is the element a scan in axis order keeps, in whatever grouping the
// candidates meet, and it is symmetric, as the butterfly below needs.
template <typename Better>
struct WickPick {
    template <typename T>
    __device__ __forceinline__ WickBest<T> operator()(WickBest<T> p, WickBest<T> q) const {
        if (q.index == WICK_NONE) return p;
        if (p.index == WICK_NONE) return q;
        if (Better()(q.value, p.value)) return q;
        if (Better()(p.value, q.value)) return p;
        return q.index < p.index ? q : p;
    }
};

template <typename T, typename Op>
__device__ __forceinline__ T wick_warp_reduce(T v, Op op) {
    for (int lane_mask = 16; lane_mask > 0; lane_mask >>= 1) {
        v = op(v, wick_shfl_xor(v, lane_mask));
    }
    return v;
}

// Reduces v over the whole block (blockDim.x a multiple of 32, blockDim.y == 1) and returns the
// result to every thread. Safe to call repeatedly: the leading barrier keeps a fast warp from
// overwriting the scratch while a slow one still reads the previous call's values.
template <typename T, typename Op>
__device__ T wick_block_reduce(T v, Op op, T identity) {
    __shared__ T warp_values[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = wick_warp_reduce(v, op);
    __syncthreads();
    if (lane == 0) warp_values[warp] = v;
    __syncthreads();
    T w = lane < warps ? warp_values[lane] : identity;
    return wick_warp_reduce(w, op);
}

// ---- counter-based random numbers (dev.wick.core.CounterRng, bit for bit) -----------------------

__device__ __forceinline__ wick_u64 wick_rng_bits(wick_u64 seed, wick_u64 counter) {
    wick_u64 z = seed + (counter + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// 2^-53: the top 53 bits of a draw scaled into [0, 1), exactly as Java's (bits >>> 11) * 0x1.0p-53.
#define WICK_TWO_POW_MINUS_53 (1.0 / 9007199254740992.0)

__device__ __forceinline__ double wick_rng_uniform(wick_u64 seed, wick_u64 i) {
    return (double)(wick_rng_bits(seed, i) >> 11) * WICK_TWO_POW_MINUS_53;
}

// Box-Muller over the counters 2i and 2i+1, in the same operation order as CounterRng.normal.
__device__ __forceinline__ double wick_rng_normal(wick_u64 seed, wick_u64 i) {
    double u1 = (double)((wick_rng_bits(seed, 2ULL * i) >> 11) + 1ULL) * WICK_TWO_POW_MINUS_53;
    double u2 = (double)(wick_rng_bits(seed, 2ULL * i + 1ULL) >> 11) * WICK_TWO_POW_MINUS_53;
    const double two_pi = 2.0 * 3.141592653589793;  // Java's 2.0 * Math.PI, exact
    return sqrt(-2.0 * log(u1)) * cos(__dmul_rn(two_pi, u2));
}

#endif  // WICK_CUH
