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
            // 64 x 16 = 1024 elements of op(A), 4 per thread.
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int e = tid + q * WICK_GEMM_THREADS;
                int i, kk;
                if (TRANS_A) {  // A stored k x m: consecutive threads walk along m
                    i = e % WICK_GEMM_TILE;
                    kk = e / WICK_GEMM_TILE;
                } else {  // A stored m x k: consecutive threads walk along k
                    kk = e % WICK_GEMM_STEP;
                    i = e / WICK_GEMM_STEP;
                }
                const int gi = row0 + i;
                const int gk = k0 + kk;
                T v = (T)0;
                if (gi < m && gk < k) v = TRANS_A ? a[(size_t)gk * m + gi] : a[(size_t)gi * k + gk];
                as[kk][i] = v;
            }
            // 16 x 64 = 1024 elements of op(B), 4 per thread.
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int e = tid + q * WICK_GEMM_THREADS;
                int j, kk;
                if (TRANS_B) {  // B stored n x k: consecutive threads walk along k
                    kk = e % WICK_GEMM_STEP;
                    j = e / WICK_GEMM_STEP;
                } else {  // B stored k x n: consecutive threads walk along n
                    j = e % WICK_GEMM_TILE;
                    kk = e / WICK_GEMM_TILE;
                }
                const int gj = col0 + j;
                const int gk = k0 + kk;
                T v = (T)0;
                if (gj < n && gk < k) v = TRANS_B ? b[(size_t)gj * k + gk] : b[(size_t)gk * n + gj];
                bs[kk][j] = v;
            }
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
