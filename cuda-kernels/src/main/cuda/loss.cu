// Fused softmax cross-entropy, forward and backward, in three launches:
//  1. wick_count_not_ignored: one block counts the rows whose target is not ignored (the gradient's
//     divisor, needed before any row's gradient can be written);
//  2. wick_softmax_ce_rows: one block per row (grid-stride over rows): max-subtracted log-sum-exp,
//     the row's loss into row_loss[r] and its gradient (softmax - onehot) / count into d_logits;
//  3. wick_softmax_ce_loss: one block sums row_loss in a fixed order, in double, and writes the mean
//     (NaN when every row is ignored, as PyTorch does).
#include "wick.cuh"

// One block of 256 threads; writes the count (no atomics: the block reduction is exact for ints).
extern "C" __global__ void wick_count_not_ignored(const int* targets, int rows, int ignore_index, int* count) {
    int c = 0;
    WICK_STRIDE(r, threadIdx.x, rows, blockDim.x) c += targets[r] != ignore_index ? 1 : 0;
    c = wick_block_reduce(c, WickSum(), 0);
    if (threadIdx.x == 0) *count = c;
}

// Blocks of min(256, cols rounded up to 32) threads. The exponentials are recomputed in the
// gradient pass rather than stored: the row is re-read from cache, which is cheaper than a scratch
// buffer of rows x cols. The row loss is (max - x[t]) + log(sum exp(x - max)): both terms are
// well conditioned, where lse - x[t] would cancel for a confident row.
template <typename T>
__device__ void softmax_ce_rows_impl(const T* logits, const int* targets, int rows, int cols, int ignore_index,
                                     const int* count, T* row_loss, T* d_logits) {
    const T divisor = (T)(*count);
    WICK_STRIDE(r, blockIdx.x, rows, gridDim.x) {
        const T* x = logits + (size_t)r * cols;
        T* g = d_logits + (size_t)r * cols;
        const int target = targets[r];
        if (target == ignore_index) {  // uniform across the block
            WICK_STRIDE(j, threadIdx.x, cols, blockDim.x) g[j] = (T)0;
            if (threadIdx.x == 0) row_loss[r] = (T)0;
            continue;
        }
        T m = wick_negative_infinity<T>();
        WICK_STRIDE(j, threadIdx.x, cols, blockDim.x) m = wick_max(m, x[j]);
        m = wick_block_reduce(m, WickMax(), wick_negative_infinity<T>());
        T s = (T)0;
        WICK_STRIDE(j, threadIdx.x, cols, blockDim.x) s += wick_exp(x[j] - m);
        s = wick_block_reduce(s, WickSum(), (T)0);
        if (threadIdx.x == 0) row_loss[r] = (m - x[target]) + wick_log(s);
        WICK_STRIDE(j, threadIdx.x, cols, blockDim.x) {
            T p = wick_exp(x[j] - m) / s;
            g[j] = (p - (j == (unsigned int)target ? (T)1 : (T)0)) / divisor;
        }
    }
}

// One block of 256 threads.
template <typename T>
__device__ void softmax_ce_loss_impl(const T* row_loss, int rows, const int* count, T* loss) {
    double acc = 0.0;
    WICK_STRIDE(r, threadIdx.x, rows, blockDim.x) acc += (double)row_loss[r];
    acc = wick_block_reduce(acc, WickSum(), 0.0);
    if (threadIdx.x == 0) {
        const int c = *count;
        loss[0] = c == 0 ? (T)nan("") : (T)(acc / (double)c);
    }
}

extern "C" __global__ void wick_softmax_ce_rows_f32(const float* logits, const int* targets, int rows, int cols,
                                                    int ignore_index, const int* count, float* row_loss,
                                                    float* d_logits) {
    softmax_ce_rows_impl<float>(logits, targets, rows, cols, ignore_index, count, row_loss, d_logits);
}
extern "C" __global__ void wick_softmax_ce_rows_f64(const double* logits, const int* targets, int rows, int cols,
                                                    int ignore_index, const int* count, double* row_loss,
                                                    double* d_logits) {
    softmax_ce_rows_impl<double>(logits, targets, rows, cols, ignore_index, count, row_loss, d_logits);
}
extern "C" __global__ void wick_softmax_ce_loss_f32(const float* row_loss, int rows, const int* count, float* loss) {
    softmax_ce_loss_impl<float>(row_loss, rows, count, loss);
}
extern "C" __global__ void wick_softmax_ce_loss_f64(const double* row_loss, int rows, const int* count, double* loss) {
    softmax_ce_loss_impl<double>(row_loss, rows, count, loss);
}
