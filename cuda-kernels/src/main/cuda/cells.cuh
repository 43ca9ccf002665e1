// One hidden unit of an LSTM or GRU timestep: the pointwise part that recurrent.cu's cell kernels
// run for every (batch row, unit) and persistent.cu's whole-sequence kernels for the units a block
// owns, so both compute each element the same way. Every formula is the CPU's (core's
// RecurrentKernels) in the same order, with fma exactly where it uses Math.fma and no other
// product next to a sum (so nvcc has nothing to contract), which leaves exp and tanh as the only
// difference between the backends. PyTorch's gate orders: i, f, g, o and r, z, n; gate q of unit j
// is element q * hidden + j of a batch row.
#ifndef WICK_CELLS_CUH
#define WICK_CELLS_CUH

#include "wick.cuh"

// A fused multiply-add rounded once in T: fmaf for float (the double fma would round twice), fma for
// double, as Java's Math.fma does for each.
__device__ __forceinline__ float wick_fma(float a, float b, float c) { return fmaf(a, b, c); }
__device__ __forceinline__ double wick_fma(double a, double b, double c) { return fma(a, b, c); }

// row: one batch row of gates, [4H], pre-activations in, activations out; c = f cPrev + i g,
// h = o tanh(c), written to *c and *h.
template <typename T>
__device__ __forceinline__ void lstm_unit_forward(T* row, int hidden, int j, T c_prev, T* c, T* h) {
    const T i = wick_sigmoid(row[j]);
    const T f = wick_sigmoid(row[hidden + j]);
    const T g = wick_tanh(row[2 * hidden + j]);
    const T o = wick_sigmoid(row[3 * hidden + j]);
    row[j] = i;
    row[hidden + j] = f;
    row[2 * hidden + j] = g;
    row[3 * hidden + j] = o;
    const T cell = wick_fma(f, c_prev, i * g);
    *c = cell;
    *h = wick_tanh(cell) * o;
}

// The CPU's dcTotal = dc + dh o (1 - tanh(c)^2) and the four pre-activation gradients into d_row
// (one batch row, [4H]; may be row itself); *dc becomes the gradient of cPrev, dcTotal f.
template <typename T>
__device__ __forceinline__ void lstm_unit_backward(const T* row, int hidden, int j, T c_prev, T c, T dh, T* dc,
                                                   T* d_row) {
    const T one = (T)1;
    const T i = row[j], f = row[hidden + j];
    const T g = row[2 * hidden + j], o = row[3 * hidden + j];
    const T t = wick_tanh(c);
    const T total = wick_fma(dh * o, wick_fma(-t, t, one), *dc);
    d_row[j] = total * g * (i * (one - i));
    d_row[hidden + j] = total * c_prev * (f * (one - f));
    d_row[2 * hidden + j] = total * i * wick_fma(-g, g, one);
    d_row[3 * hidden + j] = dh * t * (o * (one - o));
    *dc = total * f;
}

// gi_row [3H] = x W_ih^T + b_ih in, r, z, n out; gh_row [3H] = hPrev W_hh^T + b_hh, read only.
// Returns h = n + z (hPrev - n), which is (1 - z) n + z hPrev with one rounding fewer.
template <typename T>
__device__ __forceinline__ T gru_unit_forward(T* gi_row, const T* gh_row, int hidden, int j, T h_prev) {
    const T r = wick_sigmoid(gi_row[j] + gh_row[j]);
    const T z = wick_sigmoid(gi_row[hidden + j] + gh_row[hidden + j]);
    const T n = wick_tanh(wick_fma(r, gh_row[2 * hidden + j], gi_row[2 * hidden + j]));
    gi_row[j] = r;
    gi_row[hidden + j] = z;
    gi_row[2 * hidden + j] = n;
    return wick_fma(z, h_prev - n, n);
}

// dn' = dh (1 - z)(1 - n^2), dz' = dh (hPrev - n) z (1 - z), dr' = dn' gh_n r (1 - r);
// dGi = [dr', dz', dn'], dGh = [dr', dz', dn' r] into one batch row each (d_gi_row may be
// gates_row); *dh_prev += dh z.
template <typename T>
__device__ __forceinline__ void gru_unit_backward(const T* gates_row, const T* gh_row, int hidden, int j, T h_prev,
                                                  T dh, T* d_gi_row, T* d_gh_row, T* dh_prev) {
    const T one = (T)1;
    const T r = gates_row[j], z = gates_row[hidden + j], n = gates_row[2 * hidden + j];
    const T dn = dh * (one - z) * wick_fma(-n, n, one);
    const T dz = dh * (h_prev - n) * (z * (one - z));
    const T dr = dn * gh_row[2 * hidden + j] * (r * (one - r));
    d_gi_row[j] = dr;
    d_gi_row[hidden + j] = dz;
    d_gi_row[2 * hidden + j] = dn;
    d_gh_row[j] = dr;
    d_gh_row[hidden + j] = dz;
    d_gh_row[2 * hidden + j] = dn * r;
    *dh_prev = wick_fma(dh, z, *dh_prev);
}

#endif  // WICK_CELLS_CUH
