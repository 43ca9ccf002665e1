// The pointwise part of one LSTM or GRU timestep (Backend's lstmCell and gruCell methods; the GEMMs
// that produce the gate pre-activations run outside), PyTorch's gate orders i, f, g, o and r, z, n.
//
// One thread per (batch row, hidden unit), a grid-stride loop over batch * hidden, launched with 256
// threads per block and min(ceil(batch * hidden / 256), 8192) blocks. A thread reads and writes only
// its own unit's elements of every row (gate k of unit j is element k * hidden + j of the row), so
// the in-place forms the Backend contract allows (gates overwritten with the activations, dGates ==
// gates, dGi == gates) are safe: each thread reads all of its gates before writing any. No pointer
// is __restrict__ for that reason.
//
// Every formula is the CPU's (core's RecurrentKernels) in the same order, with fma exactly where it
// uses Math.fma and no other product next to a sum (so nvcc has nothing to contract), which leaves
// exp and tanh as the only difference between the backends.
#include "wick.cuh"

// A fused multiply-add rounded once in T: fmaf for float (the double fma would round twice), fma for
// double, as Java's Math.fma does for each.
__device__ __forceinline__ float wick_fma(float a, float b, float c) { return fmaf(a, b, c); }
__device__ __forceinline__ double wick_fma(double a, double b, double c) { return fma(a, b, c); }

// ---- LSTM --------------------------------------------------------------------------------------

// gates [batch, 4H] pre-activations in, activations out; c = f cPrev + i g; h = o tanh(c).
template <typename T>
__device__ void lstm_cell_forward_impl(T* gates, const T* c_prev, T* c, T* h, int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        T* row = gates + (size_t)b * 4 * hidden;
        const T i = wick_sigmoid(row[j]);
        const T f = wick_sigmoid(row[hidden + j]);
        const T g = wick_tanh(row[2 * hidden + j]);
        const T o = wick_sigmoid(row[3 * hidden + j]);
        row[j] = i;
        row[hidden + j] = f;
        row[2 * hidden + j] = g;
        row[3 * hidden + j] = o;
        const T cell = wick_fma(f, c_prev[k], i * g);
        c[k] = cell;
        h[k] = wick_tanh(cell) * o;
    }
}

// The CPU's dcTotal = dc + dh o (1 - tanh(c)^2) and the four pre-activation gradients; dc becomes
// the gradient of cPrev, dcTotal f.
template <typename T>
__device__ void lstm_cell_backward_impl(const T* gates, const T* c_prev, const T* c, const T* dh, T* dc, T* d_gates,
                                        int batch, int hidden) {
    const T one = (T)1;
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 4 * hidden;
        const T i = gates[row + j], f = gates[row + hidden + j];
        const T g = gates[row + 2 * hidden + j], o = gates[row + 3 * hidden + j];
        const T t = wick_tanh(c[k]), dhk = dh[k];
        const T total = wick_fma(dhk * o, wick_fma(-t, t, one), dc[k]);
        d_gates[row + j] = total * g * (i * (one - i));
        d_gates[row + hidden + j] = total * c_prev[k] * (f * (one - f));
        d_gates[row + 2 * hidden + j] = total * i * wick_fma(-g, g, one);
        d_gates[row + 3 * hidden + j] = dhk * t * (o * (one - o));
        dc[k] = total * f;
    }
}

// ---- GRU ---------------------------------------------------------------------------------------

// gi [batch, 3H] = x W_ih^T + b_ih in, r, z, n out; gh [batch, 3H] = hPrev W_hh^T + b_hh, read only.
// h = n + z (hPrev - n), which is (1 - z) n + z hPrev with one rounding fewer.
template <typename T>
__device__ void gru_cell_forward_impl(T* gi, const T* gh, const T* h_prev, T* h, int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 3 * hidden;
        const T r = wick_sigmoid(gi[row + j] + gh[row + j]);
        const T z = wick_sigmoid(gi[row + hidden + j] + gh[row + hidden + j]);
        const T n = wick_tanh(wick_fma(r, gh[row + 2 * hidden + j], gi[row + 2 * hidden + j]));
        gi[row + j] = r;
        gi[row + hidden + j] = z;
        gi[row + 2 * hidden + j] = n;
        h[k] = wick_fma(z, h_prev[k] - n, n);
    }
}

// dn' = dh (1 - z)(1 - n^2), dz' = dh (hPrev - n) z (1 - z), dr' = dn' gh_n r (1 - r);
// dGi = [dr', dz', dn'], dGh = [dr', dz', dn' r], dhPrev += dh z.
template <typename T>
__device__ void gru_cell_backward_impl(const T* gates, const T* gh, const T* h_prev, const T* dh, T* d_gi, T* d_gh,
                                       T* dh_prev, int batch, int hidden) {
    const T one = (T)1;
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 3 * hidden;
        const T r = gates[row + j], z = gates[row + hidden + j], n = gates[row + 2 * hidden + j];
        const T dhk = dh[k];
        const T dn = dhk * (one - z) * wick_fma(-n, n, one);
        const T dz = dhk * (h_prev[k] - n) * (z * (one - z));
        const T dr = dn * gh[row + 2 * hidden + j] * (r * (one - r));
        d_gi[row + j] = dr;
        d_gi[row + hidden + j] = dz;
        d_gi[row + 2 * hidden + j] = dn;
        d_gh[row + j] = dr;
        d_gh[row + hidden + j] = dz;
        d_gh[row + 2 * hidden + j] = dn * r;
        dh_prev[k] = wick_fma(dhk, z, dh_prev[k]);
    }
}

// ---- entry points --------------------------------------------------------------------------------

extern "C" __global__ void wick_lstm_cell_forward_f32(float* gates, const float* c_prev, float* c, float* h, int batch,
                                                      int hidden) {
    lstm_cell_forward_impl<float>(gates, c_prev, c, h, batch, hidden);
}
extern "C" __global__ void wick_lstm_cell_forward_f64(double* gates, const double* c_prev, double* c, double* h,
                                                      int batch, int hidden) {
    lstm_cell_forward_impl<double>(gates, c_prev, c, h, batch, hidden);
}
extern "C" __global__ void wick_lstm_cell_backward_f32(const float* gates, const float* c_prev, const float* c,
                                                       const float* dh, float* dc, float* d_gates, int batch,
                                                       int hidden) {
    lstm_cell_backward_impl<float>(gates, c_prev, c, dh, dc, d_gates, batch, hidden);
}
extern "C" __global__ void wick_lstm_cell_backward_f64(const double* gates, const double* c_prev, const double* c,
                                                       const double* dh, double* dc, double* d_gates, int batch,
                                                       int hidden) {
    lstm_cell_backward_impl<double>(gates, c_prev, c, dh, dc, d_gates, batch, hidden);
}
extern "C" __global__ void wick_gru_cell_forward_f32(float* gi, const float* gh, const float* h_prev, float* h,
                                                     int batch, int hidden) {
    gru_cell_forward_impl<float>(gi, gh, h_prev, h, batch, hidden);
}
extern "C" __global__ void wick_gru_cell_forward_f64(double* gi, const double* gh, const double* h_prev, double* h,
                                                     int batch, int hidden) {
    gru_cell_forward_impl<double>(gi, gh, h_prev, h, batch, hidden);
}
extern "C" __global__ void wick_gru_cell_backward_f32(const float* gates, const float* gh, const float* h_prev,
                                                      const float* dh, float* d_gi, float* d_gh, float* dh_prev,
                                                      int batch, int hidden) {
    gru_cell_backward_impl<float>(gates, gh, h_prev, dh, d_gi, d_gh, dh_prev, batch, hidden);
}
extern "C" __global__ void wick_gru_cell_backward_f64(const double* gates, const double* gh, const double* h_prev,
                                                      const double* dh, double* d_gi, double* d_gh, double* dh_prev,
                                                      int batch, int hidden) {
    gru_cell_backward_impl<double>(gates, gh, h_prev, dh, d_gi, d_gh, dh_prev, batch, hidden);
}
