// Wick's own GEMM, used where cuBLAS cannot load (a machine with only CUDA 13's libcublas.so.13)
// or where -Dwick.gemm=ptx asks for it: C = alpha * op(A) * op(B) + beta * C, all row-major, with
// op(A) m x k (A stored m x k, or k x m when transposed) and op(B) k x n (B stored k x n, or n x k).
// When beta == 0, C is not read (NaN in C stays out of the result), as in BLAS.
//
// Launch: blocks of 16 x 16 threads, grid ceil(n / 64) x min(ceil(m / 64), 65535). Block (bx, by)
// computes the 64 x 64 tile of C at rows tm * 64 (tm = by, by + gridDim.y, ...) and columns bx * 64.
// Each step stages a 64 x 16 slice of op(A) and a 16 x 64 slice of op(B) in shared memory (zero
// padded at the edges), loaded so that consecutive threads read consecutive addresses for every
// transpose case; then thread (tx, ty) accumulates the 4 x 4 outputs at rows ty + 16 a and columns
// tx + 16 b (a, b < 4) in registers.
#include "wick.cuh"

#define WICK_GEMM_TILE 64
#define WICK_GEMM_STEP 16
#define WICK_GEMM_THREADS 256

// Stages a 64 x 16 panel into shared memory: panel[kk][o] = element (outer0 + o, k0 + kk) of a
// matrix with outer_count rows along "outer" and k along the inner dimension, zero outside it. With
// K_CONTIGUOUS the element (o, kk) is at src[o * k + kk], otherwise at src[kk * outer_count + o];
// either way consecutive threads read consecutive addresses. 256 threads, 4 elements each.
// op(A) is the panel of rows i (outer = m): contiguous in k unless A is transposed.
// op(B) is the panel of columns j (outer = n): contiguous in k only when B is transposed.
template <typename T, bool K_CONTIGUOUS>
__device__ __forceinline__ void stage_panel(T (*panel)[WICK_GEMM_TILE + 1], const T* __restrict__ src,
                                            int outer_count, int k, int outer0, int k0, int tid) {
#pragma unroll
    for (int q = 0; q < 4; q++) {
        const int e = tid + q * WICK_GEMM_THREADS;
        const int o = K_CONTIGUOUS ? e / WICK_GEMM_STEP : e % WICK_GEMM_TILE;
        const int kk = K_CONTIGUOUS ? e % WICK_GEMM_STEP : e / WICK_GEMM_TILE;
        const int go = outer0 + o;
        const int gk = k0 + kk;
        T v = (T)0;
        if (go < outer_count && gk < k) v = K_CONTIGUOUS ? src[(size_t)go * k + gk] : src[(size_t)gk * outer_count + go];
        panel[kk][o] = v;
    }
}

template <typename T, bool TRANS_A, bool TRANS_B>
__device__ void gemm_impl(int m, int n, int k, T alpha, const T* __restrict__ a, const T* __restrict__ b, T beta,
                          T* __restrict__ c) {
    // +1 column: the transposed-store patterns below then hit distinct banks.
    __shared__ T as[WICK_GEMM_STEP][WICK_GEMM_TILE + 1];  // as[kk][i] = op(A)[row0 + i, k0 + kk]
    __shared__ T bs[WICK_GEMM_STEP][WICK_GEMM_TILE + 1];  // bs[kk][j] = op(B)[k0 + kk, col0 + j]
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int tid = ty * 16 + tx;
    const int col0 = blockIdx.x * WICK_GEMM_TILE;
    const int tiles_m = (m + WICK_GEMM_TILE - 1) / WICK_GEMM_TILE;

    for (int tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
        const int row0 = tm * WICK_GEMM_TILE;
        T acc[4][4];
#pragma unroll
        for (int x = 0; x < 4; x++)
#pragma unroll
            for (int y = 0; y < 4; y++) acc[x][y] = (T)0;

        for (int k0 = 0; k0 < k; k0 += WICK_GEMM_STEP) {
            stage_panel<T, !TRANS_A>(as, a, m, k, row0, k0, tid);
            stage_panel<T, TRANS_B>(bs, b, n, k, col0, k0, tid);
            __syncthreads();
#pragma unroll
            for (int kk = 0; kk < WICK_GEMM_STEP; kk++) {
                T av[4], bv[4];
#pragma unroll
                for (int x = 0; x < 4; x++) av[x] = as[kk][ty + 16 * x];
#pragma unroll
                for (int y = 0; y < 4; y++) bv[y] = bs[kk][tx + 16 * y];
#pragma unroll
                for (int x = 0; x < 4; x++)
#pragma unroll
                    for (int y = 0; y < 4; y++) acc[x][y] += av[x] * bv[y];
            }
            __syncthreads();
        }

#pragma unroll
        for (int x = 0; x < 4; x++) {
            const int gi = row0 + ty + 16 * x;
            if (gi >= m) continue;
#pragma unroll
            for (int y = 0; y < 4; y++) {
                const int gj = col0 + tx + 16 * y;
                if (gj >= n) continue;
                T* out = c + (size_t)gi * n + gj;
                T r = alpha * acc[x][y];
                if (beta != (T)0) r += beta * *out;
                *out = r;
            }
        }
    }
}

// Parameters, all variants: (int m, int n, int k, T alpha, const T* A, const T* B, T beta, T* C).
#define WICK_GEMM_KERNEL(name, T, TA, TB)                                                                     \
    extern "C" __global__ void __launch_bounds__(WICK_GEMM_THREADS)                                          \
        name(int m, int n, int k, T alpha, const T* a, const T* b, T beta, T* c) {                          \
        gemm_impl<T, TA, TB>(m, n, k, alpha, a, b, beta, c);                                                \
    }

WICK_GEMM_KERNEL(wick_gemm_nn_f32, float, false, false)
WICK_GEMM_KERNEL(wick_gemm_nt_f32, float, false, true)
WICK_GEMM_KERNEL(wick_gemm_tn_f32, float, true, false)
WICK_GEMM_KERNEL(wick_gemm_tt_f32, float, true, true)
WICK_GEMM_KERNEL(wick_gemm_nn_f64, double, false, false)
WICK_GEMM_KERNEL(wick_gemm_nt_f64, double, false, true)
WICK_GEMM_KERNEL(wick_gemm_tn_f64, double, true, false)
WICK_GEMM_KERNEL(wick_gemm_tt_f64, double, true, true)
