// Reductions: sum and squared norm of a vector, and the column sums of a matrix (the bias
// gradient). All accumulate in double, in an order fixed by the sizes alone (never by timing or the
// device), so repeated runs give identical bits; each is two launches (partials, then a final pass)
// so that no grid-wide synchronisation or atomics are needed.
#include "wick.cuh"

// ---- sum and squared norm ------------------------------------------------------------------------
// Pass 1: grid of G blocks x 256 threads (G = min(ceil(n / 256), 1024), chosen from n alone);
// block b writes the double sum of its grid-stride share into partial[b].
template <typename T>
__device__ void reduce_partial_impl(const T* x, int n, int squared, double* partial) {
    double acc = 0.0;
    WICK_FOR_EACH(i, n) {
        double v = (double)x[i];
        acc += squared ? v * v : v;
    }
    acc = wick_block_reduce(acc, WickSum(), 0.0);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Pass 2: one block of 256 threads sums the G partials and rounds once into out[0].
template <typename T>
__device__ void reduce_final_impl(const double* partial, int parts, T* out) {
    double acc = 0.0;
    for (int i = threadIdx.x; i < parts; i += blockDim.x) acc += partial[i];
    acc = wick_block_reduce(acc, WickSum(), 0.0);
    if (threadIdx.x == 0) out[0] = (T)acc;
}

extern "C" __global__ void wick_reduce_partial_f32(const float* x, int n, int squared, double* partial) {
    reduce_partial_impl<float>(x, n, squared, partial);
}
extern "C" __global__ void wick_reduce_partial_f64(const double* x, int n, int squared, double* partial) {
    reduce_partial_impl<double>(x, n, squared, partial);
}
extern "C" __global__ void wick_reduce_final_f32(const double* partial, int parts, float* out) {
    reduce_final_impl<float>(partial, parts, out);
}
extern "C" __global__ void wick_reduce_final_f64(const double* partial, int parts, double* out) {
    reduce_final_impl<double>(partial, parts, out);
}

// ---- column sums of a rows x cols matrix -----------------------------------------------------------
// Pass 1: blocks of 32 x 8 threads on a grid of ceil(cols / 32) x chunks. Block (bx, by) covers 32
// columns and the rows [by * rowsPerChunk, (by + 1) * rowsPerChunk); thread (tx, ty) sums every 8th
// of those rows for column bx * 32 + tx (coalesced: a warp reads 32 adjacent columns of one row),
// then the 8 partial sums of a column are added in ty order and written to partial[by, column].
#define WICK_SUM_ROWS_TX 32
#define WICK_SUM_ROWS_TY 8

template <typename T>
__device__ void sum_rows_partial_impl(const T* x, double* partial, int rows, int cols, int rows_per_chunk) {
    __shared__ double sums[WICK_SUM_ROWS_TY][WICK_SUM_ROWS_TX + 1];
    const int col = blockIdx.x * WICK_SUM_ROWS_TX + threadIdx.x;
    const int first = blockIdx.y * rows_per_chunk;
    const int end = rows - first < rows_per_chunk ? rows : first + rows_per_chunk;  // no int overflow
    double acc = 0.0;
    if (col < cols) {
        WICK_STRIDE(r, first + threadIdx.y, end, WICK_SUM_ROWS_TY) acc += (double)x[(size_t)r * cols + col];
    }
    sums[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < cols) {
        double total = 0.0;
        for (int y = 0; y < WICK_SUM_ROWS_TY; y++) total += sums[y][threadIdx.x];
        partial[(size_t)blockIdx.y * cols + col] = total;
    }
}

// Pass 2: grid-stride over columns (256 threads per block); sums the chunks in order, then
// out[c] = sum, or out[c] + sum when accumulating (added in double and rounded once, as the CPU does).
template <typename T>
__device__ void sum_rows_final_impl(const double* partial, T* out, int chunks, int cols, int accumulate) {
    WICK_FOR_EACH(c, cols) {
        double total = 0.0;
        for (int q = 0; q < chunks; q++) total += partial[(size_t)q * cols + c];
        out[c] = accumulate ? (T)((double)out[c] + total) : (T)total;
    }
}

extern "C" __global__ void wick_sum_rows_partial_f32(const float* x, double* partial, int rows, int cols,
                                                     int rows_per_chunk) {
    sum_rows_partial_impl<float>(x, partial, rows, cols, rows_per_chunk);
}
extern "C" __global__ void wick_sum_rows_partial_f64(const double* x, double* partial, int rows, int cols,
                                                     int rows_per_chunk) {
    sum_rows_partial_impl<double>(x, partial, rows, cols, rows_per_chunk);
}
extern "C" __global__ void wick_sum_rows_final_f32(const double* partial, float* out, int chunks, int cols,
                                                   int accumulate) {
    sum_rows_final_impl<float>(partial, out, chunks, cols, accumulate);
}
extern "C" __global__ void wick_sum_rows_final_f64(const double* partial, double* out, int chunks, int cols,
                                                   int accumulate) {
    sum_rows_final_impl<double>(partial, out, chunks, cols, accumulate);
}
