// Embedding kernels: the index check, gather (forward) and scatter-add (backward), the latter both
// with atomics (fast) and deterministically (sort the (row, position) pairs, then sum each row's
// contributions in position order, exactly as the CPU does).
#include "wick.cuh"

// ---- index check ---------------------------------------------------------------------------------
// Grid-stride, 256 threads per block. *first must hold INT_MAX before the launch (the launcher sets it
// with cuMemsetD32Async); afterwards it holds the smallest position whose index lies outside
// [0, bound) and differs from exempt, or still INT_MAX.
extern "C" __global__ void wick_first_index_out_of_range(const int* indices, int n, int bound, int exempt, int* first) {
    WICK_FOR_EACH(i, n) {
        int v = indices[i];
        if ((v < 0 || v >= bound) && v != exempt) atomicMin(first, (int)i);
    }
}

// ---- gather --------------------------------------------------------------------------------------
// One block per output row (grid-stride over rows), threads across the row: out[p, :] = table[idx[p], :].
// Blocks of min(256, rowLength rounded up to 32) threads.
template <typename T>
__device__ void gather_impl(const T* table, const int* indices, T* out, int count, int row_length) {
    WICK_STRIDE(p, blockIdx.x, count, gridDim.x) {
        const T* src = table + (size_t)indices[p] * row_length;
        T* dst = out + (size_t)p * row_length;
        WICK_STRIDE(j, threadIdx.x, row_length, blockDim.x) dst[j] = src[j];
    }
}

extern "C" __global__ void wick_gather_f32(const float* table, const int* indices, float* out, int count, int row_length) {
    gather_impl<float>(table, indices, out, count, row_length);
}
extern "C" __global__ void wick_gather_f64(const double* table, const int* indices, double* out, int count,
                                           int row_length) {
    gather_impl<double>(table, indices, out, count, row_length);
}

// ---- scatter-add with atomics ------------------------------------------------------------------------
// Same layout as gather; table[idx[p], :] += src[p, :] by atomicAdd, rows equal to skip_index skipped.
// Repeated rows accumulate in whatever order the threads arrive: right to rounding, not bit-stable.
template <typename T>
__device__ void scatter_add_atomic_impl(T* table, const int* indices, const T* src, int count, int row_length,
                                        int skip_index) {
    WICK_STRIDE(p, blockIdx.x, count, gridDim.x) {
        int row = indices[p];
        if (row == skip_index) continue;  // uniform across the block
        T* dst = table + (size_t)row * row_length;
        const T* s = src + (size_t)p * row_length;
        WICK_STRIDE(j, threadIdx.x, row_length, blockDim.x) atomicAdd(dst + j, s[j]);
    }
}

extern "C" __global__ void wick_scatter_add_atomic_f32(float* table, const int* indices, const float* src, int count,
                                                       int row_length, int skip_index) {
    scatter_add_atomic_impl<float>(table, indices, src, count, row_length, skip_index);
}
extern "C" __global__ void wick_scatter_add_atomic_f64(double* table, const int* indices, const double* src, int count,
                                                       int row_length, int skip_index) {
    scatter_add_atomic_impl<double>(table, indices, src, count, row_length, skip_index);
}

// ---- deterministic scatter-add: keys -------------------------------------------------------------------
// keys has n >= count slots (n a power of two >= 2). Slot p < count gets (row << 32) | p, a key that is
// unique and orders by row, then by position; skipped rows and the padding slots get the all-ones
// key, which sorts last (a real row is < 2^31, so its key never reaches it). 256 threads per block.
#define WICK_SORT_SENTINEL 0xFFFFFFFFFFFFFFFFULL

extern "C" __global__ void wick_scatter_keys(const int* indices, int count, int skip_index, int n, wick_u64* keys) {
    WICK_FOR_EACH(i, n) {
        wick_u64 key = WICK_SORT_SENTINEL;
        if (i < (unsigned int)count) {
            int row = indices[i];
            if (row != skip_index) key = ((wick_u64)(unsigned int)row << 32) | (wick_u64)i;
        }
        keys[i] = key;
    }
}

// ---- deterministic scatter-add: bitonic sort of the keys ---------------------------------------------
// The classic network over n = 2^m keys: for k = 2, 4, ..., n and j = k/2, ..., 1, each pair
// (i, i + j) with bit j of i clear is put in ascending order when bit k of i is clear, descending
// otherwise. Steps with j < TILE run inside shared memory on tiles of TILE keys (1024 threads, one
// pair each); steps with j >= TILE run one launch each over the whole array. The host runs:
//   sort_tile (all k <= TILE), then for k = 2 TILE .. n: merge_global for j = k/2 .. TILE, merge_tile.
#define WICK_SORT_TILE 2048
#define WICK_SORT_THREADS 1024

// Orders the pair (a, b) = (s[i], s[l]) ascending or descending.
__device__ __forceinline__ void wick_compare_exchange(wick_u64* s, unsigned int i, unsigned int l, bool ascending) {
    wick_u64 a = s[i];
    wick_u64 b = s[l];
    if ((a > b) == ascending) {
        s[i] = b;
        s[l] = a;
    }
}

// The pair index t (0 <= t < count / 2) of stride j maps to the lower element i: t's bits above j
// shift up by one, leaving bit j of i clear.
__device__ __forceinline__ unsigned int wick_pair_low(unsigned int t, unsigned int j) {
    return ((t & ~(j - 1u)) << 1) | (t & (j - 1u));
}

// Sorts each tile of min(n, TILE) keys with every step k <= tile; the direction uses the global index,
// so with k == tile the tiles come out alternately ascending and descending, as the network needs.
// Grid n / tile blocks of 1024 threads.
extern "C" __global__ void __launch_bounds__(WICK_SORT_THREADS) wick_bitonic_sort_tile(wick_u64* keys, int n) {
    __shared__ wick_u64 s[WICK_SORT_TILE];
    const unsigned int tile = n < WICK_SORT_TILE ? (unsigned int)n : WICK_SORT_TILE;
    const unsigned int base = blockIdx.x * tile;
    for (unsigned int t = threadIdx.x; t < tile; t += blockDim.x) s[t] = keys[base + t];
    __syncthreads();
    for (unsigned int k = 2; k <= tile; k <<= 1) {
        for (unsigned int j = k >> 1; j > 0; j >>= 1) {
            for (unsigned int t = threadIdx.x; t < tile / 2; t += blockDim.x) {
                unsigned int i = wick_pair_low(t, j);
                wick_compare_exchange(s, i, i + j, ((base + i) & k) == 0);
            }
            __syncthreads();
        }
    }
    for (unsigned int t = threadIdx.x; t < tile; t += blockDim.x) keys[base + t] = s[t];
}

// One step (k, j) with j >= TILE over all n keys: grid-stride over the n / 2 pairs, 256 threads per block.
extern "C" __global__ void wick_bitonic_merge_global(wick_u64* keys, int n, int j, int k) {
    WICK_FOR_EACH(t, n / 2) {
        unsigned int i = wick_pair_low(t, (unsigned int)j);
        wick_compare_exchange(keys, i, i + (unsigned int)j, (i & (unsigned int)k) == 0);
    }
}

// The steps j = TILE/2 .. 1 of stage k (k > TILE) inside each tile. Within a tile bit k of the global
// index is constant, so the whole tile merges in one direction. Grid n / TILE blocks of 1024 threads.
extern "C" __global__ void __launch_bounds__(WICK_SORT_THREADS) wick_bitonic_merge_tile(wick_u64* keys, int n, int k) {
    __shared__ wick_u64 s[WICK_SORT_TILE];
    const unsigned int base = blockIdx.x * WICK_SORT_TILE;
    const bool ascending = (base & (unsigned int)k) == 0;
    for (unsigned int t = threadIdx.x; t < WICK_SORT_TILE; t += blockDim.x) s[t] = keys[base + t];
    __syncthreads();
    for (unsigned int j = WICK_SORT_TILE / 2; j > 0; j >>= 1) {
        for (unsigned int t = threadIdx.x; t < WICK_SORT_TILE / 2; t += blockDim.x) {
            unsigned int i = wick_pair_low(t, j);
            wick_compare_exchange(s, i, i + j, ascending);
        }
        __syncthreads();
    }
    for (unsigned int t = threadIdx.x; t < WICK_SORT_TILE; t += blockDim.x) keys[base + t] = s[t];
}

// ---- deterministic scatter-add: segmented sum in position order -------------------------------------
// Grid-stride over the sorted slots q < count, one block per slot; only the block at the first slot
// of a row does work: each thread takes columns j and adds that row's contributions in ascending
// position order into table[row, j], the same sequence of roundings as the CPU's loop. Blocks of
// min(256, rowLength rounded up to 32) threads.
template <typename T>
__device__ void scatter_add_sorted_impl(T* table, const wick_u64* keys, const T* src, int count, int row_length) {
    WICK_STRIDE(q, blockIdx.x, count, gridDim.x) {
        const wick_u64 key = keys[q];
        if (key == WICK_SORT_SENTINEL) continue;  // skipped rows sort last: nothing more to add
        const unsigned int row = (unsigned int)(key >> 32);
        if (q > 0 && (unsigned int)(keys[q - 1] >> 32) == row) continue;  // not the first slot of its row
        T* dst = table + (size_t)row * row_length;
        WICK_STRIDE(j, threadIdx.x, row_length, blockDim.x) {
            T acc = dst[j];
            for (unsigned int r = q; r < (unsigned int)count; r++) {
                const wick_u64 kr = keys[r];
                if ((unsigned int)(kr >> 32) != row) break;
                acc = acc + src[(size_t)(unsigned int)kr * row_length + j];
            }
            dst[j] = acc;
        }
    }
}

extern "C" __global__ void wick_scatter_add_sorted_f32(float* table, const wick_u64* keys, const float* src, int count,
                                                       int row_length) {
    scatter_add_sorted_impl<float>(table, keys, src, count, row_length);
}
extern "C" __global__ void wick_scatter_add_sorted_f64(double* table, const wick_u64* keys, const double* src,
                                                       int count, int row_length) {
    scatter_add_sorted_impl<double>(table, keys, src, count, row_length);
}
