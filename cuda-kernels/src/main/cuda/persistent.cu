// Persistent recurrences: one cooperative launch runs every timestep of a recurrent layer's
// recurrence (Backend's rnnTanhSequence, lstmSequence and gruSequence methods, forward and
// backward), where the step-by-step path launches a GEMM and a cell kernel per timestep. The input
// projection and the weight gradients are large GEMMs and stay outside.
//
// Launch (CudaBackend.recurrencePlan): cuLaunchCooperativeKernel with ceil(hidden / cols) blocks of
// 32 * warps threads and hidden * G * cols * sizeof(T) bytes of dynamic shared memory, G the cell's
// gates (1 tanh, 4 LSTM, 3 GRU). Block j owns the hidden units [j * cols, j * cols + cols) (fewer in
// the last block): it keeps the recurrent weight's columns for those units in shared memory for the
// whole sequence (forward: the G gate columns of each unit in whh^T; backward: the unit's column of
// whh, over all G * hidden rows), and it is the only writer of those units' elements of every state
// and gate buffer. A timestep needs the whole previous state (forward) or the whole gate gradient
// (backward), written by every block, hence one grid-wide barrier per step; a cooperative launch
// guarantees that all blocks are resident, without which the barrier could wait forever on a
// block that never started.
//
// Each warp takes batch rows (warp, warp + warps, ...); its lanes split the dot products over k
// (lane, lane + 32, ...), every lane keeping one partial sum per column, then an exchange of partial
// sums leaves lane q with column q's total, which it adds to its element of the row, and lane u
// finishes unit u with cells.cuh's code, the cell kernels' own. The sums run in a different order
// from the GEMM's, so results agree with the step-by-step path to rounding, not bit for bit; each
// total is added to its pre-activation (or gradient) as the GEMM with beta = 1 adds it.
//
// Kernels here use dynamic shared memory only (wick_dynamic_shared): the host emulator runs a
// cooperative grid's blocks at the same time, and a static __shared__ there would be one variable
// shared by all of them.
#include "cells.cuh"

// Dynamic shared memory (the launch's sharedBytes), as bytes; the kernels cast it to their type. The
// host emulator defines the name itself, one allocation per block.
#ifndef WICK_HOST_EMULATION
extern __shared__ __align__(16) unsigned char wick_dynamic_shared[];
#endif

// The most weight columns a block holds (gates x units): one partial sum each per lane, in
// registers. The Java planner falls back to the step-by-step path beyond it.
#define WICK_PERSISTENT_MAX_COLUMNS 32

// Grid-wide barrier over a cooperative launch. barrier[0] counts the blocks that have arrived,
// barrier[1] is the generation, which the last block to arrive advances after resetting the count
// (so the count is zero again when the kernel ends). Both words start at zero (the launcher fills
// them). Thread 0 of each block does the arriving; the fences around it publish this block's writes
// before its arrival and order the reads after the barrier behind every other block's writes. The
// reads of other blocks' data go through wick_load_shared_state (L2, never a stale L1 line).
__device__ __forceinline__ void wick_grid_sync(unsigned int* barrier) {
    __syncthreads();
    if (threadIdx.x == 0 && threadIdx.y == 0) {
        const unsigned int generation = atomicAdd(&barrier[1], 0u);
        __threadfence();
        if (atomicAdd(&barrier[0], 1u) == gridDim.x * gridDim.y - 1) {
            atomicExch(&barrier[0], 0u);
            __threadfence();
            atomicAdd(&barrier[1], 1u);
        } else {
            while (atomicAdd(&barrier[1], 0u) == generation) __nanosleep(32);
        }
        __threadfence();
    }
    __syncthreads();
}

// A value another block wrote before the last barrier: loaded through L2 (ld.global.cg).
template <typename T>
__device__ __forceinline__ T wick_load_shared_state(const T* p) {
    return __ldcg(p);
}

// Copies the block's weight columns into shared memory, transposed, so that the lanes' reads along
// k below are consecutive: column q (q < G * own) is gate q % G of unit j0 + q / G, which is column
// (q % G) * hidden + j0 + q / G of m, a row-major length x width matrix; ws[q * length + k] = m[k][that].
// Forward: m = whh^T, length = hidden, width = G * hidden. Backward (G = 1): m = whh, length =
// gates * hidden, width = hidden.
template <int G, typename T>
__device__ void stage_columns(T* ws, const T* m, int length, int width, int hidden, int j0, int own) {
    const unsigned int n = (unsigned int)(G * own) * (unsigned int)length;
    for (unsigned int e = threadIdx.x; e < n; e += blockDim.x) {
        const unsigned int q = e / length, k = e % length;
        ws[e] = m[(size_t)k * width + (q % G) * hidden + j0 + q / G];
    }
    __syncthreads();
}

// One round of warp_transpose_sum: lanes with the bit HALF set keep the upper HALF entries (columns
// i + HALF) and hand the partner lane the lower ones, which the partner keeps, and the other way
// round.
template <int HALF, typename T>
__device__ __forceinline__ void transpose_round(T (&sums)[WICK_PERSISTENT_MAX_COLUMNS], bool upper) {
#pragma unroll
    for (int i = 0; i < HALF; i++) {
        const T give = upper ? sums[i] : sums[i + HALF];
        const T keep = upper ? sums[i + HALF] : sums[i];
        sums[i] = keep + wick_shfl_xor(give, HALF);
    }
}

// Column lane's total over the warp of sums[0 .. 31]: recursive halving, five rounds each handing
// the partner lane half of what a lane still holds (31 shuffles in all, where a butterfly per column
// would take 160). After the round of width HALF, entry i holds column i + (lane's bits from HALF
// up), so entry 0 ends as column lane. The rounds are spelled out (not a loop) so that every index
// is a constant and the sums stay in registers, float64 included.
template <typename T>
__device__ __forceinline__ T warp_transpose_sum(T (&sums)[WICK_PERSISTENT_MAX_COLUMNS]) {
    const int lane = threadIdx.x & 31;
    transpose_round<16>(sums, (lane & 16) != 0);
    transpose_round<8>(sums, (lane & 8) != 0);
    transpose_round<4>(sums, (lane & 4) != 0);
    transpose_round<2>(sums, (lane & 2) != 0);
    transpose_round<1>(sums, (lane & 1) != 0);
    return sums[0];
}

// The sum over k < length of row[k] * ws[lane * length + k]: column lane's product with one batch
// row (0 for lanes at or past columns). The lanes split k, then swap partial sums.
template <typename T>
__device__ __forceinline__ T row_times_columns(const T* row, const T* ws, int length, int columns) {
    T sums[WICK_PERSISTENT_MAX_COLUMNS];
#pragma unroll
    for (int q = 0; q < WICK_PERSISTENT_MAX_COLUMNS; q++) sums[q] = (T)0;
    for (int k = threadIdx.x & 31; k < length; k += 32) {
        const T v = wick_load_shared_state(row + k);
#pragma unroll
        for (int q = 0; q < WICK_PERSISTENT_MAX_COLUMNS; q++) {
            if (q < columns) sums[q] += v * ws[q * length + k];
        }
    }
    return warp_transpose_sum(sums);
}

// Adds each lane's column total into its element of one batch row (gate q % G of unit j0 + q / G,
// q the lane), then syncs the warp, so that lane u's cell below sees its unit's every gate.
template <int G, typename T>
__device__ __forceinline__ void add_column_sum(T* row, int hidden, int j0, int own, T total) {
    const int q = threadIdx.x & 31;
    if (q < G * own) {
        T* x = row + (q % G) * hidden + j0 + q / G;
        *x = *x + total;
    }
    __syncwarp();
}

// What a block of every persistent kernel starts from: its units [j0, j0 + own), its lane and the
// warps that share the batch rows, the elements of one state; take_units also stages the units'
// weight columns (stage_columns' arguments) before returning.
struct Units {
    int j0, own, lane, warps;
    size_t state;
};

template <int G, typename T>
__device__ __forceinline__ Units take_units(T* ws, const T* m, int length, int width, int batch, int hidden, int cols) {
    const int j0 = blockIdx.x * cols;
    const Units u{j0, min(cols, hidden - j0), (int)(threadIdx.x & 31), (int)(blockDim.x >> 5), (size_t)batch * hidden};
    stage_columns<G>(ws, m, length, width, hidden, j0, u.own);
    return u;
}

// dy (1 - y)(1 + y): wick_tanh_backward's expression.
template <typename T>
__device__ __forceinline__ T tanh_gradient(T y, T dy) {
    return dy * (((T)1 - y) * ((T)1 + y));
}

// ---- tanh RNN ------------------------------------------------------------------------------------

// h [steps, batch, hidden]: pre-activations on entry, hidden states on return; h_t = tanh(h_t +
// h_{t-1} whh_t), h_{-1} = h_init when has_init (else the first step has no product and h_init is
// not read).
template <typename T>
__device__ void rnn_tanh_forward_persistent_impl(T* h, const T* whh_t, const T* h_init, int has_init, int steps,
                                                 int batch, int hidden, int cols, unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<1>(ws, whh_t, hidden, hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = 0; t < steps; t++) {
        T* now = h + t * state;
        const T* before = t > 0 ? now - state : h_init;
        const bool product = t > 0 || has_init;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            T* row = now + (size_t)b * hidden;
            if (product) {
                const T total = row_times_columns(before + (size_t)b * hidden, ws, hidden, own);
                add_column_sum<1>(row, hidden, j0, own, total);
            }
            if (lane < own) row[j0 + lane] = wick_tanh(row[j0 + lane]);
        }
        if (t + 1 < steps) wick_grid_sync(barrier);
    }
}

// h [steps, batch, hidden] the saved states; dh the gradients reaching each state on entry, the
// pre-activation gradients on return: for t = steps - 1 .. 0, dh_t = dh_t (1 - h_t^2), then
// dh_{t-1} += dh_t whh.
template <typename T>
__device__ void rnn_tanh_backward_persistent_impl(const T* h, const T* whh, T* dh, int steps, int batch, int hidden,
                                                  int cols, unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<1>(ws, whh, hidden, hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = steps - 1; t >= 0; t--) {
        T* d = dh + t * state;
        const T* y = h + t * state;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            T* row = d + (size_t)b * hidden;
            if (t + 1 < steps) {
                add_column_sum<1>(row, hidden, j0, own, row_times_columns(row + state, ws, hidden, own));
            }
            if (lane < own) {
                const size_t i = (size_t)b * hidden + j0 + lane;
                d[i] = tanh_gradient(y[i], d[i]);
            }
        }
        if (t > 0) wick_grid_sync(barrier);
    }
}

// ---- LSTM ----------------------------------------------------------------------------------------

// Backend.lstmSequenceForward: gates [steps, batch, 4H] (pre-activations in, activations out), c and
// h [steps, batch, H] written; gates_t += h_{t-1} whh_t unless t == 0 and not has_init, then the cell.
template <typename T>
__device__ void lstm_forward_persistent_impl(T* gates, const T* whh_t, const T* h_init, int has_init, const T* c_init,
                                             T* c, T* h, int steps, int batch, int hidden, int cols,
                                             unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<4>(ws, whh_t, hidden, 4 * hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = 0; t < steps; t++) {
        const T* h_before = t > 0 ? h + (t - 1) * state : h_init;
        const T* c_before = t > 0 ? c + (t - 1) * state : c_init;
        const bool product = t > 0 || has_init;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            T* row = gates + t * 4 * state + (size_t)b * 4 * hidden;
            if (product) {
                const T total = row_times_columns(h_before + (size_t)b * hidden, ws, hidden, 4 * own);
                add_column_sum<4>(row, hidden, j0, own, total);
            }
            if (lane < own) {
                const size_t k = (size_t)b * hidden + j0 + lane;
                lstm_unit_forward(row, hidden, j0 + lane, c_before[k], c + t * state + k, h + t * state + k);
            }
        }
        if (t + 1 < steps) wick_grid_sync(barrier);
    }
}

// Backend.lstmSequenceBackward: for t = steps - 1 .. 0 the cell's backward (dc carried in place),
// then dh_{t-1} += d_gates_t whh; d_gates may be gates itself.
template <typename T>
__device__ void lstm_backward_persistent_impl(const T* gates, const T* whh, const T* c_init, const T* c, T* dh, T* dc,
                                              T* d_gates, int steps, int batch, int hidden, int cols,
                                              unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<1>(ws, whh, 4 * hidden, hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = steps - 1; t >= 0; t--) {
        const T* c_before = t > 0 ? c + (t - 1) * state : c_init;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            const size_t row = t * 4 * state + (size_t)b * 4 * hidden;
            if (t + 1 < steps) {
                add_column_sum<1>(dh + t * state + (size_t)b * hidden, hidden, j0, own,
                                  row_times_columns(d_gates + row + 4 * state, ws, 4 * hidden, own));
            }
            if (lane < own) {
                const size_t k = (size_t)b * hidden + j0 + lane;
                lstm_unit_backward(gates + row, hidden, j0 + lane, c_before[k], c[t * state + k], dh[t * state + k],
                                   dc + k, d_gates + row);
            }
        }
        if (t > 0) wick_grid_sync(barrier);
    }
}

// ---- GRU -----------------------------------------------------------------------------------------

// Backend.gruSequenceForward: gh_t += h_{t-1} whh_t unless t == 0 and not has_init, then the cell
// (gi_t becomes r, z, n; h_t written); h_init is h_{-1} for the cell either way.
template <typename T>
__device__ void gru_forward_persistent_impl(T* gi, T* gh, const T* whh_t, const T* h_init, int has_init, T* h,
                                            int steps, int batch, int hidden, int cols, unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<3>(ws, whh_t, hidden, 3 * hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = 0; t < steps; t++) {
        const T* h_before = t > 0 ? h + (t - 1) * state : h_init;
        const bool product = t > 0 || has_init;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            const size_t row = t * 3 * state + (size_t)b * 3 * hidden;
            if (product) {
                const T total = row_times_columns(h_before + (size_t)b * hidden, ws, hidden, 3 * own);
                add_column_sum<3>(gh + row, hidden, j0, own, total);
            }
            if (lane < own) {
                const size_t k = (size_t)b * hidden + j0 + lane;
                h[t * state + k] = gru_unit_forward(gi + row, gh + row, hidden, j0 + lane, h_before[k]);
            }
        }
        if (t + 1 < steps) wick_grid_sync(barrier);
    }
}

// Backend.gruSequenceBackward: for t = steps - 1 .. 0 the cell's backward, which adds its direct
// part into dh_{t-1} (dh_init at t = 0), then dh_{t-1} += d_gh_t whh; d_gi may be gates itself.
template <typename T>
__device__ void gru_backward_persistent_impl(const T* gates, const T* gh, const T* whh, const T* h_init, const T* h,
                                             T* dh, T* d_gi, T* d_gh, T* dh_init, int steps, int batch, int hidden,
                                             int cols, unsigned int* barrier) {
    T* ws = reinterpret_cast<T*>(wick_dynamic_shared);
    const Units u = take_units<1>(ws, whh, 3 * hidden, hidden, batch, hidden, cols);
    const int j0 = u.j0, own = u.own, lane = u.lane, warps = u.warps;
    const size_t state = u.state;
    for (int t = steps - 1; t >= 0; t--) {
        const T* h_before = t > 0 ? h + (t - 1) * state : h_init;
        T* d_before = t > 0 ? dh + (t - 1) * state : dh_init;
        for (int b = threadIdx.x >> 5; b < batch; b += warps) {
            const size_t row = t * 3 * state + (size_t)b * 3 * hidden;
            if (t + 1 < steps) {
                add_column_sum<1>(dh + t * state + (size_t)b * hidden, hidden, j0, own,
                                  row_times_columns(d_gh + row + 3 * state, ws, 3 * hidden, own));
            }
            if (lane < own) {
                const size_t k = (size_t)b * hidden + j0 + lane;
                gru_unit_backward(gates + row, gh + row, hidden, j0 + lane, h_before[k], dh[t * state + k], d_gi + row,
                                  d_gh + row, d_before + k);
            }
        }
        if (t > 0) wick_grid_sync(barrier);
    }
}

// ---- entry points --------------------------------------------------------------------------------

#define WICK_PERSISTENT_KERNELS(T, S)                                                                          \
    extern "C" __global__ void wick_rnn_tanh_forward_persistent_##S(T* h, const T* whh_t, const T* h_init,     \
                                                                    int has_init, int steps, int batch,         \
                                                                    int hidden, int cols, unsigned int* barrier) { \
        rnn_tanh_forward_persistent_impl<T>(h, whh_t, h_init, has_init, steps, batch, hidden, cols, barrier);   \
    }                                                                                                          \
    extern "C" __global__ void wick_rnn_tanh_backward_persistent_##S(const T* h, const T* whh, T* dh, int steps, \
                                                                     int batch, int hidden, int cols,           \
                                                                     unsigned int* barrier) {                   \
        rnn_tanh_backward_persistent_impl<T>(h, whh, dh, steps, batch, hidden, cols, barrier);                   \
    }                                                                                                          \
    extern "C" __global__ void wick_lstm_forward_persistent_##S(T* gates, const T* whh_t, const T* h_init,      \
                                                                int has_init, const T* c_init, T* c, T* h,      \
                                                                int steps, int batch, int hidden, int cols,     \
                                                                unsigned int* barrier) {                        \
        lstm_forward_persistent_impl<T>(gates, whh_t, h_init, has_init, c_init, c, h, steps, batch, hidden, cols, \
                                        barrier);                                                               \
    }                                                                                                          \
    extern "C" __global__ void wick_lstm_backward_persistent_##S(const T* gates, const T* whh, const T* c_init, \
                                                                 const T* c, T* dh, T* dc, T* d_gates,          \
                                                                 int steps, int batch, int hidden, int cols,    \
                                                                 unsigned int* barrier) {                       \
        lstm_backward_persistent_impl<T>(gates, whh, c_init, c, dh, dc, d_gates, steps, batch, hidden, cols,     \
                                         barrier);                                                              \
    }                                                                                                          \
    extern "C" __global__ void wick_gru_forward_persistent_##S(T* gi, T* gh, const T* whh_t, const T* h_init,   \
                                                               int has_init, T* h, int steps, int batch,        \
                                                               int hidden, int cols, unsigned int* barrier) {   \
        gru_forward_persistent_impl<T>(gi, gh, whh_t, h_init, has_init, h, steps, batch, hidden, cols, barrier); \
    }                                                                                                          \
    extern "C" __global__ void wick_gru_backward_persistent_##S(const T* gates, const T* gh, const T* whh,      \
                                                                const T* h_init, const T* h, T* dh, T* d_gi,    \
                                                                T* d_gh, T* dh_init, int steps, int batch,      \
                                                                int hidden, int cols, unsigned int* barrier) {  \
        gru_backward_persistent_impl<T>(gates, gh, whh, h_init, h, dh, d_gi, d_gh, dh_init, steps, batch, hidden, \
                                        cols, barrier);                                                         \
    }

// Parameters, in the order of each kernel above (CudaBackend lists them beside each launch).
WICK_PERSISTENT_KERNELS(float, f32)
WICK_PERSISTENT_KERNELS(double, f64)
