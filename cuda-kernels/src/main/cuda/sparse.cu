// Row-sparse gradients: the coalesce of an embedding backward into (rows, values, nnz), padded to the
// number of lookups so that no launch depends on how many rows a batch touched, and the SGD and lazy
// Adam updates of the touched rows. CudaBackend runs the coalesce as: embedding.cu's keys and
// bitonic sort ((row << 32) | position, skipped lookups last), then wick_sparse_run_starts (numbers
// the runs of equal rows: a scan, one block), then wick_sparse_sum_runs (one block per output slot
// sums its run in position order, or writes the padding). No atomics: the same bits every run.
#include "wick.cuh"

// The sort's key for a skipped lookup or a slot past the lookups (embedding.cu): sorts last, and its
// row bits (0xFFFFFFFF) match no real row (< 2^31).
#define WICK_SPARSE_NO_KEY 0xFFFFFFFFFFFFFFFFULL
#define WICK_SPARSE_SCAN_THREADS 1024

// Whether sorted slot q starts a run: it holds a lookup and its row differs from the slot before.
__device__ __forceinline__ int wick_sparse_starts_run(const wick_u64* keys, unsigned int q) {
    const wick_u64 key = keys[q];
    if (key == WICK_SPARSE_NO_KEY) return 0;
    return q == 0 || (keys[q - 1] >> 32) != (key >> 32);
}

// One block of 1024 threads over the count sorted keys. Thread t takes the slots [t * chunk, (t + 1) *
// chunk) and counts the runs starting there; an inclusive scan of those counts across the block gives
// each run its output slot, in row order. Writes starts[slot] = the sorted position where run `slot`
// begins, and *nnz = the number of runs (left on the device: nothing waits for it).
extern "C" __global__ void __launch_bounds__(WICK_SPARSE_SCAN_THREADS)
    wick_sparse_run_starts(const wick_u64* keys, int count, int* starts, int* nnz) {
    __shared__ int runs[WICK_SPARSE_SCAN_THREADS];
    const unsigned int t = threadIdx.x, n = (unsigned int)count;
    const unsigned int chunk = (n + blockDim.x - 1) / blockDim.x;
    unsigned int begin = t * chunk;
    if (begin > n) begin = n;
    const unsigned int end = begin + chunk < n ? begin + chunk : n;
    int mine = 0;
    for (unsigned int q = begin; q < end; q++) mine += wick_sparse_starts_run(keys, q);
    runs[t] = mine;
    __syncthreads();
    for (unsigned int offset = 1; offset < blockDim.x; offset <<= 1) {  // Hillis-Steele
        const int before = t >= offset ? runs[t - offset] : 0;
        __syncthreads();
        runs[t] += before;
        __syncthreads();
    }
    int slot = runs[t] - mine;
    for (unsigned int q = begin; q < end; q++) {
        if (wick_sparse_starts_run(keys, q)) starts[slot++] = (int)q;
    }
    if (t == blockDim.x - 1) *nnz = runs[t];
}

// Grid-stride over the output slots p < count, one block each, threads across the row. A slot below
// *nnz gets its run's row and the sum of the run's source rows, added in ascending position onto +0
// (the CPU's order, so the bits match it); the others are padding (row -1, zeros). Blocks of
// min(256, rowLength rounded up to 32) threads.
template <typename T>
__device__ void sparse_sum_runs_impl(const wick_u64* keys, const int* starts, const int* nnz, const T* src, int count,
                                     int row_length, int* rows, T* values) {
    const unsigned int runs = (unsigned int)*nnz;
    WICK_STRIDE(p, blockIdx.x, count, gridDim.x) {
        T* out = values + (size_t)p * row_length;
        if (p >= runs) {
            if (threadIdx.x == 0) rows[p] = -1;
            WICK_STRIDE(j, threadIdx.x, row_length, blockDim.x) out[j] = (T)0;
            continue;
        }
        const unsigned int first = (unsigned int)starts[p];
        const unsigned int row = (unsigned int)(keys[first] >> 32);
        if (threadIdx.x == 0) rows[p] = (int)row;
        WICK_STRIDE(j, threadIdx.x, row_length, blockDim.x) {
            T acc = (T)0;
            for (unsigned int r = first; r < (unsigned int)count; r++) {
                const wick_u64 key = keys[r];
                if ((unsigned int)(key >> 32) != row) break;
                acc = acc + src[(size_t)(unsigned int)key * row_length + j];
            }
            out[j] = acc;
        }
    }
}

extern "C" __global__ void wick_sparse_sum_runs_f32(const wick_u64* keys, const int* starts, const int* nnz,
                                                    const float* src, int count, int row_length, int* rows,
                                                    float* values) {
    sparse_sum_runs_impl<float>(keys, starts, nnz, src, count, row_length, rows, values);
}
extern "C" __global__ void wick_sparse_sum_runs_f64(const wick_u64* keys, const int* starts, const int* nnz,
                                                    const double* src, int count, int row_length, int* rows,
                                                    double* values) {
    sparse_sum_runs_impl<double>(keys, starts, nnz, src, count, row_length, rows, values);
}

// ---- updates of the touched rows ---------------------------------------------------------------------
// Grid-stride over the n = capacity * row_length gradient elements, 256 threads per block; element i
// belongs to slot i / row_length, whose row is skipped when it is padding (-1). Rows are distinct, so
// no two threads write one parameter.

// SGD: g = values + wd * p; p -= lr * g.
template <typename T>
__device__ void sparse_sgd_impl(T* p, const int* rows, const T* values, int n, int row_length, T lr, T wd) {
    WICK_FOR_EACH(i, n) {
        const int row = rows[i / (unsigned int)row_length];
        if (row < 0) continue;
        T* w = p + (size_t)row * row_length + i % (unsigned int)row_length;
        const T pv = *w;
        const T g = values[i] + wd * pv;
        *w = pv - lr * g;
    }
}

// Adam without weight decay on the touched rows (PyTorch's SparseAdam): the moments of other rows keep
// their values. 1 - beta and the bias corrections are computed by the host in double, as for wick_adam.
template <typename T>
__device__ void sparse_adam_impl(T* p, const int* rows, const T* grad, T* m, T* v, int n, int row_length, T lr,
                                 T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T eps, T bias_correction1,
                                 T bias_correction2) {
    WICK_FOR_EACH(i, n) {
        const int row = rows[i / (unsigned int)row_length];
        if (row < 0) continue;
        const size_t at = (size_t)row * row_length + i % (unsigned int)row_length;
        const T g = grad[i];
        const T mi = beta1 * m[at] + one_minus_beta1 * g;
        const T vi = beta2 * v[at] + one_minus_beta2 * g * g;
        m[at] = mi;
        v[at] = vi;
        p[at] = p[at] - lr * (mi / bias_correction1) / (wick_sqrt(vi / bias_correction2) + eps);
    }
}

// lr (and Adam's bias corrections) are read from device memory, as for wick_sgd and wick_adam.
extern "C" __global__ void wick_sparse_sgd_f32(float* p, const int* rows, const float* values, int n, int row_length,
                                               const double* lr, float wd) {
    sparse_sgd_impl<float>(p, rows, values, n, row_length, (float)lr[0], wd);
}
extern "C" __global__ void wick_sparse_sgd_f64(double* p, const int* rows, const double* values, int n,
                                               int row_length, const double* lr, double wd) {
    sparse_sgd_impl<double>(p, rows, values, n, row_length, lr[0], wd);
}
// scalars: {lr, 1 - beta1^step, 1 - beta2^step}
extern "C" __global__ void wick_sparse_adam_f32(float* p, const int* rows, const float* grad, float* m, float* v,
                                                int n, int row_length, const double* scalars, float beta1,
                                                float one_minus_beta1, float beta2, float one_minus_beta2, float eps) {
    sparse_adam_impl<float>(p, rows, grad, m, v, n, row_length, (float)scalars[0], beta1, one_minus_beta1, beta2,
                            one_minus_beta2, eps, (float)scalars[1], (float)scalars[2]);
}
extern "C" __global__ void wick_sparse_adam_f64(double* p, const int* rows, const double* grad, double* m, double* v,
                                                int n, int row_length, const double* scalars, double beta1,
                                                double one_minus_beta1, double beta2, double one_minus_beta2,
                                                double eps) {
    sparse_adam_impl<double>(p, rows, grad, m, v, n, row_length, scalars[0], beta1, one_minus_beta1, beta2,
                             one_minus_beta2, eps, scalars[1], scalars[2]);
}
