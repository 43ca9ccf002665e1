// The squared norm of a vector (global-norm gradient clipping), the one whole-buffer reduction
// outside the op table (ops.cu reduces along an axis). It accumulates in double in an order fixed
// by the length alone, so repeated runs give identical bits, in two launches (partials, then a final
// pass) so that no grid-wide synchronisation or atomics are needed.
#include "wick.cuh"

// Pass 1: grid of G blocks x 256 threads (G = min(ceil(n / 256), 1024), chosen from n alone);
// block b writes the double sum of squares of its grid-stride share into partial[b].
template <typename T>
__device__ void squared_norm_partial_impl(const T* x, int n, double* partial) {
    double acc = 0.0;
    WICK_FOR_EACH(i, n) {
        const double v = (double)x[i];
        acc += v * v;
    }
    acc = wick_block_reduce(acc, WickSum(), 0.0);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Pass 2: one block of 256 threads sums the G partials and rounds once into out[0].
template <typename T>
__device__ void sum_partials_impl(const double* partial, int parts, T* out) {
    double acc = 0.0;
    for (int i = threadIdx.x; i < parts; i += blockDim.x) acc += partial[i];
    acc = wick_block_reduce(acc, WickSum(), 0.0);
    if (threadIdx.x == 0) out[0] = (T)acc;
}

extern "C" __global__ void wick_squared_norm_partial_f32(const float* x, int n, double* partial) {
    squared_norm_partial_impl<float>(x, n, partial);
}
extern "C" __global__ void wick_squared_norm_partial_f64(const double* x, int n, double* partial) {
    squared_norm_partial_impl<double>(x, n, partial);
}
extern "C" __global__ void wick_sum_partials_f32(const double* partial, int parts, float* out) {
    sum_partials_impl<float>(partial, parts, out);
}
extern "C" __global__ void wick_sum_partials_f64(const double* partial, int parts, double* out) {
    sum_partials_impl<double>(partial, parts, out);
}
