// The pointwise part of one LSTM or GRU timestep (Backend's lstmCell and gruCell methods; the GEMMs
// that produce the gate pre-activations run outside), one unit at a time as cells.cuh computes it.
//
// One thread per (batch row, hidden unit), a grid-stride loop over batch * hidden, launched with 256
// threads per block and min(ceil(batch * hidden / 256), 8192) blocks. A thread reads and writes only
// its own unit's elements of every row (gate k of unit j is element k * hidden + j of the row), so
// the in-place forms the Backend contract allows (gates overwritten with the activations, dGates ==
// gates, dGi == gates) are safe: each thread reads all of its gates before writing any. No pointer
// is __restrict__ for that reason.
#include "cells.cuh"

template <typename T>
__device__ void lstm_cell_forward_impl(T* gates, const T* c_prev, T* c, T* h, int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        lstm_unit_forward(gates + (size_t)b * 4 * hidden, hidden, j, c_prev[k], c + k, h + k);
    }
}

template <typename T>
__device__ void lstm_cell_backward_impl(const T* gates, const T* c_prev, const T* c, const T* dh, T* dc, T* d_gates,
                                        int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 4 * hidden;
        lstm_unit_backward(gates + row, hidden, j, c_prev[k], c[k], dh[k], dc + k, d_gates + row);
    }
}

template <typename T>
__device__ void gru_cell_forward_impl(T* gi, const T* gh, const T* h_prev, T* h, int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 3 * hidden;
        h[k] = gru_unit_forward(gi + row, gh + row, hidden, j, h_prev[k]);
    }
}

template <typename T>
__device__ void gru_cell_backward_impl(const T* gates, const T* gh, const T* h_prev, const T* dh, T* d_gi, T* d_gh,
                                       T* dh_prev, int batch, int hidden) {
    WICK_FOR_EACH(k, batch * hidden) {
        const unsigned int b = k / hidden, j = k % hidden;
        const size_t row = (size_t)b * 3 * hidden;
        gru_unit_backward(gates + row, gh + row, hidden, j, h_prev[k], dh[k], d_gi + row, d_gh + row, dh_prev + k);
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
