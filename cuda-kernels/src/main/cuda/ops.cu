// The op families of the Backend (unary, binary, binaryScalar, reduce, copyStrided). The ops
// themselves come from op_table.cuh, which OpTableSource renders from dev.wick.core.ops: every
// entry there becomes an _f32 and an _f64 kernel here, named
//   wick_unary_<op>, wick_binary_<op>, wick_binary_scalar_<op>, wick_reduce_<op>,
// and the strided copy is wick_copy_strided_b32 / _b64 (by element size, so INT32 copies too).
//
// Elementwise kernels are grid-stride loops (256 threads, min(ceil(n / 256), 8192) blocks). Outputs
// may alias inputs where the Backend contract allows it, so no pointer is __restrict__.
#include "wick.cuh"
#include "op_table.cuh"

// ---- strided walks (dev.wick.core.backend.Strides) ------------------------------------------------
// A launch passes the walk as scalars, outermost dimension first, padded to WICK_MAX_RANK with
// dimensions of 1 and strides of 0; "first" is a's (or the source's) stride, "second" b's (or the
// destination's).

#define WICK_MAX_RANK 6

struct WickWalk {
    int rank;
    int dims[WICK_MAX_RANK];
    int first[WICK_MAX_RANK];
    int second[WICK_MAX_RANK];
};

#define WICK_WALK_PARAMS                                                                      \
    int rank, int d0, int d1, int d2, int d3, int d4, int d5, int f0, int f1, int f2, int f3, \
        int f4, int f5, int s0, int s1, int s2, int s3, int s4, int s5
#define WICK_WALK \
    WickWalk{rank, {d0, d1, d2, d3, d4, d5}, {f0, f1, f2, f3, f4, f5}, {s0, s1, s2, s3, s4, s5}}

// The two operands' element offsets at position p. The loop runs over constant indices (and skips
// the padding by a uniform test) so that the walk stays in registers.
__device__ __forceinline__ void wick_walk_offsets(const WickWalk& w, unsigned int p, long long& first,
                                                  long long& second) {
    first = 0;
    second = 0;
#pragma unroll
    for (int k = WICK_MAX_RANK - 1; k >= 0; k--) {
        if (k < w.rank) {
            const unsigned int d = (unsigned int)w.dims[k];
            const unsigned int c = p % d;
            p /= d;
            first += (long long)c * w.first[k];
            second += (long long)c * w.second[k];
        }
    }
}

__device__ __forceinline__ bool wick_walk_is_flat(const WickWalk& w) {
    return w.rank == 0 || (w.rank == 1 && w.first[0] == 1 && w.second[0] == 1);
}

// ---- unary and binary -----------------------------------------------------------------------------

template <typename T, typename Op>
__device__ void unary_impl(const T* x, T* y, int n, Op op) {
    WICK_FOR_EACH(i, n) y[i] = op(x[i]);
}

// out is contiguous over the walk; a and b follow their strides (0 where broadcast).
template <typename T, typename Op>
__device__ void binary_impl(const T* a, const T* b, T* out, int n, const WickWalk& w, Op op) {
    if (wick_walk_is_flat(w)) {
        WICK_FOR_EACH(i, n) out[i] = op(a[i], b[i]);
        return;
    }
    WICK_FOR_EACH(i, n) {
        long long ia, ib;
        wick_walk_offsets(w, i, ia, ib);
        out[i] = op(a[ia], b[ib]);
    }
}

template <typename T, typename Op>
__device__ void binary_scalar_impl(const T* a, T s, T* out, int n, int scalar_first, Op op) {
    if (scalar_first) {
        WICK_FOR_EACH(i, n) out[i] = op(s, a[i]);
    } else {
        WICK_FOR_EACH(i, n) out[i] = op(a[i], s);
    }
}

#define WICK_UNARY_KERNEL(name, T, suffix)                                             \
    extern "C" __global__ void wick_unary_##name##_##suffix(const T* x, T* y, int n) { \
        unary_impl(x, y, n, WickUnary_##name());                                       \
    }
#define WICK_UNARY(name, expression)                                              \
    struct WickUnary_##name {                                                     \
        template <typename T>                                                     \
        __device__ __forceinline__ T operator()(T x) const { return expression; } \
    };                                                                            \
    WICK_UNARY_KERNEL(name, float, f32)                                           \
    WICK_UNARY_KERNEL(name, double, f64)
WICK_UNARY_OPS(WICK_UNARY)

#define WICK_BINARY_KERNELS(name, T, suffix)                                                        \
    extern "C" __global__ void wick_binary_##name##_##suffix(const T* a, const T* b, T* out, int n, \
                                                               WICK_WALK_PARAMS) {                  \
        binary_impl(a, b, out, n, WICK_WALK, WickBinary_##name());                                  \
    }                                                                                               \
    extern "C" __global__ void wick_binary_scalar_##name##_##suffix(const T* a, T s, T* out, int n, \
                                                                      int scalar_first) {           \
        binary_scalar_impl(a, s, out, n, scalar_first, WickBinary_##name());                        \
    }
#define WICK_BINARY(name, expression)                                                  \
    struct WickBinary_##name {                                                         \
        template <typename T>                                                          \
        __device__ __forceinline__ T operator()(T a, T b) const { return expression; } \
    };                                                                                 \
    WICK_BINARY_KERNELS(name, float, f32)                                              \
    WICK_BINARY_KERNELS(name, double, f64)
WICK_BINARY_OPS(WICK_BINARY)

// ---- strided copy ----------------------------------------------------------------------------------
// By element size: the bits move unchanged, so one kernel serves FLOAT32 and INT32.

template <typename E>
__device__ void copy_strided_impl(const E* src, E* dst, int n, const WickWalk& w) {
    WICK_FOR_EACH(i, n) {
        long long from, to;
        wick_walk_offsets(w, i, from, to);
        dst[to] = src[from];
    }
}

extern "C" __global__ void wick_copy_strided_b32(const unsigned int* src, unsigned int* dst, int n,
                                                 WICK_WALK_PARAMS) {
    copy_strided_impl(src, dst, n, WICK_WALK);
}
extern "C" __global__ void wick_copy_strided_b64(const unsigned long long* src, unsigned long long* dst, int n,
                                                 WICK_WALK_PARAMS) {
    copy_strided_impl(src, dst, n, WICK_WALK);
}

// ---- reductions along an axis ------------------------------------------------------------------------
// x is [outer, n, inner], out [outer, inner]. Two shapes of launch, told apart by inner (uniform):
//  - inner == 1: a block per output (grid-stride over outer) of min(256, roundup32(n)) threads;
//    thread t takes elements t, t + blockDim.x, ... in order, then the block combines them with the
//    butterfly of wick.cuh;
//  - inner > 1: blocks of 32 x 8 threads, grid-stride over (outer, 32-column tile): threadIdx.x is
//    the column (a warp reads 32 adjacent elements), threadIdx.y takes every 8th element of the
//    axis in order, and the 8 partials of a column are combined in threadIdx.y order.
// Either way the order depends on the sizes alone, so results repeat bit for bit. Accumulations are
// in double, rounded once into the output, as on the CPU. Selections compare in T and keep the
// element a scan in axis order keeps (see WickPick), so they match the CPU exactly.

#define WICK_COLUMNS 32
#define WICK_COLUMN_ROWS 8

// The threads that share one output with inner == 1: the whole block.
struct WickRowGroup {
    __device__ __forceinline__ unsigned int first() const { return threadIdx.x; }
    __device__ __forceinline__ unsigned int step() const { return blockDim.x; }
    template <typename V, typename Op>
    __device__ __forceinline__ V combine(V v, Op op, V identity) const {
        return wick_block_reduce(v, op, identity);
    }
};

// The threads that share one output with inner > 1: one column of the 32 x 8 block. Every thread of
// the column gets the result; the leading barrier lets the scratch be reused by the next call.
struct WickColumnGroup {
    __device__ __forceinline__ unsigned int first() const { return threadIdx.y; }
    __device__ __forceinline__ unsigned int step() const { return WICK_COLUMN_ROWS; }
    template <typename V, typename Op>
    __device__ V combine(V v, Op op, V) const {
        __shared__ V parts[WICK_COLUMN_ROWS][WICK_COLUMNS];
        __syncthreads();
        parts[threadIdx.y][threadIdx.x] = v;
        __syncthreads();
        V r = parts[0][threadIdx.x];
        for (int y = 1; y < WICK_COLUMN_ROWS; y++) r = op(r, parts[y][threadIdx.x]);
        return r;
    }
};

// The winning candidate along one axis: elements base[j * stride] for j < n (none where !live,
// a padding column; such threads still reach every barrier).
template <typename Better, typename T, typename Group>
__device__ WickBest<T> wick_axis_best(const T* base, int n, int stride, bool live, Group g) {
    WickBest<T> best = {(T)0, WICK_NONE};
    if (live) {
        WICK_STRIDE(j, g.first(), n, g.step()) {
            const T v = base[(size_t)j * stride];
            if (best.index == WICK_NONE || Better()(v, best.value)) best = WickBest<T>{v, (int)j};
        }
    }
    return g.combine(best, WickPick<Better>(), WickBest<T>{(T)0, WICK_NONE});
}

template <typename T>
__device__ __forceinline__ T wick_select_result(WickBest<T> b, T*) {
    return b.value;
}
template <typename T>
__device__ __forceinline__ int wick_select_result(WickBest<T> b, int*) {
    return b.index;
}

// Selecting ops write T or, for index results, int.
template <typename Better, typename T>
struct WickSelectAxis {
    template <typename R, typename Group>
    __device__ R operator()(const T* base, int n, int stride, bool live, Group g, R* kind) const {
        return wick_select_result(wick_axis_best<Better>(base, n, stride, live, g), kind);
    }
};

template <typename T, typename R, typename Axis>
__device__ void reduce_impl(const T* x, R* out, int outer, int n, int inner, Axis axis) {
    if (inner == 1) {
        WICK_STRIDE(o, blockIdx.x, outer, gridDim.x) {
            const R r = axis(x + (size_t)o * n, n, 1, true, WickRowGroup(), out);
            if (threadIdx.x == 0) out[o] = r;
        }
        return;
    }
    const unsigned long long tiles = (inner + WICK_COLUMNS - 1) / WICK_COLUMNS;
    for (unsigned long long u = blockIdx.x; u < (unsigned long long)outer * tiles; u += gridDim.x) {
        const size_t o = u / tiles;
        const unsigned int c = (unsigned int)(u % tiles) * WICK_COLUMNS + threadIdx.x;
        const bool live = c < (unsigned int)inner;
        const R r = axis(x + o * n * inner + (live ? c : 0), n, inner, live, WickColumnGroup(), out);
        if (live && threadIdx.y == 0) out[o * inner + c] = r;
    }
}

template <typename T, bool Index>
struct WickSelectOut {
    typedef T type;
};
template <typename T>
struct WickSelectOut<T, true> {
    typedef int type;
};

#define WICK_SELECT_KERNEL(name, T, suffix)                                                                      \
    extern "C" __global__ void wick_reduce_##name##_##suffix(                                                    \
        const T* x, WickSelectOut<T, WickSelect_##name::index_result>::type* out, int outer, int n, int inner) { \
        reduce_impl(x, out, outer, n, inner, WickSelectAxis<WickSelect_##name, T>());                            \
    }
#define WICK_SELECT(name, better_expression, is_index)                  \
    struct WickSelect_##name {                                          \
        static constexpr bool index_result = (is_index) != 0;           \
        template <typename T>                                           \
        __device__ __forceinline__ bool operator()(T x, T best) const { \
            return better_expression;                                   \
        }                                                               \
    };                                                                  \
    WICK_SELECT_KERNEL(name, float, f32)                                \
    WICK_SELECT_KERNEL(name, double, f64)

WICK_REDUCE_SELECT_OPS(WICK_SELECT)

// Accumulating ops come after the selecting ones: a shifted op finds its shift with one of them.
#define WICK_CONCAT_(a, b) a##b
#define WICK_CONCAT(a, b) WICK_CONCAT_(a, b)

template <typename Op, typename T, typename Group>
__device__ double wick_axis_accumulate(const T* base, int n, int stride, bool live, Group g) {
    double shift = 0.0;
    if (Op::shifted) {  // over an empty axis the maximum is -inf, as on the CPU
        const WickBest<T> m = wick_axis_best<WICK_CONCAT(WickSelect_, WICK_REDUCE_SHIFT_OP)>(base, n, stride, live, g);
        shift = m.index == WICK_NONE ? -(double)INFINITY : (double)m.value;
    }
    double acc = 0.0;
    if (live) {
        WICK_STRIDE(j, g.first(), n, g.step()) acc = Op::step(acc, (double)base[(size_t)j * stride], shift);
    }
    acc = g.combine(acc, WickSum(), 0.0);  // the table's steps are additive (OpTableSource checks)
    return Op::finish(acc, n, shift);
}

// Accumulating ops write T.
template <typename Op, typename T>
struct WickAccumulateAxis {
    template <typename R, typename Group>
    __device__ R operator()(const T* base, int n, int stride, bool live, Group g, R*) const {
        return (R)wick_axis_accumulate<Op>(base, n, stride, live, g);
    }
};
#define WICK_ACCUMULATE_KERNEL(name, T, suffix)                                                                 \
    extern "C" __global__ void wick_reduce_##name##_##suffix(const T* x, T* out, int outer, int n, int inner) { \
        reduce_impl(x, out, outer, n, inner, WickAccumulateAxis<WickAccumulate_##name, T>());                   \
    }
#define WICK_ACCUMULATE(name, step_expression, finish_expression, is_shifted)               \
    struct WickAccumulate_##name {                                                          \
        static constexpr bool shifted = (is_shifted) != 0;                                  \
        __device__ static __forceinline__ double step(double acc, double x, double shift) { \
            return step_expression;                                                         \
        }                                                                                   \
        __device__ static __forceinline__ double finish(double acc, int n, double shift) {  \
            return finish_expression;                                                       \
        }                                                                                   \
    };                                                                                      \
    WICK_ACCUMULATE_KERNEL(name, float, f32)                                                \
    WICK_ACCUMULATE_KERNEL(name, double, f64)

WICK_REDUCE_ACCUMULATE_OPS(WICK_ACCUMULATE)
