// Elementwise kernels outside the op table (ops.cu has those): fills and seeded random numbers,
// tanh's backward, axpy, and the in-place optimizer updates (SGD, Adam).
//
// Every kernel is a grid-stride loop over [0, n), launched with 256 threads per block and
// min(ceil(n / 256), 8192) blocks; outputs may alias inputs exactly where the Backend contract
// allows it, which is why no pointer is __restrict__. The _f32 and _f64 kernels share one template;
// their scalar parameters are float and double respectively, except where noted.
#include "wick.cuh"

// ---- fills and random numbers ---------------------------------------------------------------
// (32-bit fills use cuMemsetD32Async; only FLOAT64 needs a kernel.)

extern "C" __global__ void wick_fill_f64(double* dst, int n, double value) {
    WICK_FOR_EACH(i, n) dst[i] = value;
}

// Floating dtype conversion: widening is exact, narrowing rounds to nearest even (as Java's cast).
extern "C" __global__ void wick_convert_f32_f64(const float* src, double* dst, int n) {
    WICK_FOR_EACH(i, n) dst[i] = (double)src[i];
}
extern "C" __global__ void wick_convert_f64_f32(const double* src, float* dst, int n) {
    WICK_FOR_EACH(i, n) dst[i] = (float)src[i];
}

// dst[i] = low + span * u(seed, i), computed in double and rounded once to T, as the CPU does.
// __dadd_rn/__dmul_rn keep the compiler from fusing them into an FMA (which rounds differently).
template <typename T>
__device__ void uniform_impl(T* dst, int n, long long seed, double low, double span) {
    WICK_FOR_EACH(i, n) {
        double u = wick_rng_uniform((wick_u64)seed, (wick_u64)i);
        dst[i] = (T)__dadd_rn(low, __dmul_rn(span, u));
    }
}

template <typename T>
__device__ void normal_impl(T* dst, int n, long long seed, double mean, double std) {
    WICK_FOR_EACH(i, n) {
        double z = wick_rng_normal((wick_u64)seed, (wick_u64)i);
        dst[i] = (T)__dadd_rn(mean, __dmul_rn(std, z));
    }
}

// The random kernels take double scalars in both variants (the arithmetic is in double).
extern "C" __global__ void wick_uniform_f32(float* dst, int n, long long seed, double low, double span) {
    uniform_impl<float>(dst, n, seed, low, span);
}
extern "C" __global__ void wick_uniform_f64(double* dst, int n, long long seed, double low, double span) {
    uniform_impl<double>(dst, n, seed, low, span);
}
// The seed read from device memory (low word first), then derived by `depth` counters, as
// dev.wick.core.Seed does: the host writes it before each step, so a captured step draws anew.
__device__ __forceinline__ long long wick_seed_in_device(const int* seed, int depth, long long c0, long long c1,
                                                         long long c2, long long c3) {
    wick_u64 s = ((wick_u64)(unsigned int)seed[1] << 32) | (wick_u64)(unsigned int)seed[0];
    if (depth > 0) s = wick_rng_bits(s, (wick_u64)c0);
    if (depth > 1) s = wick_rng_bits(s, (wick_u64)c1);
    if (depth > 2) s = wick_rng_bits(s, (wick_u64)c2);
    if (depth > 3) s = wick_rng_bits(s, (wick_u64)c3);
    return (long long)s;
}
extern "C" __global__ void wick_uniform_seeded_f32(float* dst, int n, const int* seed, int depth, long long c0,
                                                  long long c1, long long c2, long long c3, double low, double span) {
    uniform_impl<float>(dst, n, wick_seed_in_device(seed, depth, c0, c1, c2, c3), low, span);
}
extern "C" __global__ void wick_uniform_seeded_f64(double* dst, int n, const int* seed, int depth, long long c0,
                                                   long long c1, long long c2, long long c3, double low, double span) {
    uniform_impl<double>(dst, n, wick_seed_in_device(seed, depth, c0, c1, c2, c3), low, span);
}
extern "C" __global__ void wick_normal_f32(float* dst, int n, long long seed, double mean, double std) {
    normal_impl<float>(dst, n, seed, mean, std);
}
extern "C" __global__ void wick_normal_f64(double* dst, int n, long long seed, double mean, double std) {
    normal_impl<double>(dst, n, seed, mean, std);
}

// ---- activations -------------------------------------------------------------------------------

// dx = dy * (1 - y^2), written (1 - y)(1 + y): for |y| near 1 that keeps the relative error at a
// few roundings where 1 - y*y would lose digits to cancellation. dx may alias dy (read first).
template <typename T>
__device__ void tanh_backward_impl(const T* y, const T* dy, T* dx, int n, int accumulate) {
    const T one = (T)1;
    WICK_FOR_EACH(i, n) {
        T yv = y[i];
        T g = dy[i] * ((one - yv) * (one + yv));
        dx[i] = accumulate ? dx[i] + g : g;
    }
}

extern "C" __global__ void wick_tanh_backward_f32(const float* y, const float* dy, float* dx, int n, int accumulate) {
    tanh_backward_impl<float>(y, dy, dx, n, accumulate);
}
extern "C" __global__ void wick_tanh_backward_f64(const double* y, const double* dy, double* dx, int n, int accumulate) {
    tanh_backward_impl<double>(y, dy, dx, n, accumulate);
}

// ---- arithmetic --------------------------------------------------------------------------------

template <typename T>
__device__ void axpy_impl(T alpha, const T* x, T* y, int n) {
    WICK_FOR_EACH(i, n) y[i] = y[i] + alpha * x[i];
}

extern "C" __global__ void wick_axpy_f32(float alpha, const float* x, float* y, int n) { axpy_impl<float>(alpha, x, y, n); }
extern "C" __global__ void wick_axpy_f64(double alpha, const double* x, double* y, int n) { axpy_impl<double>(alpha, x, y, n); }

// ---- optimizers, in place ------------------------------------------------------------------------

// SGD without momentum: g = grad + wd * p; p -= lr * g.
template <typename T>
__device__ void sgd_impl(T* p, const T* grad, int n, T lr, T wd) {
    WICK_FOR_EACH(i, n) {
        T pv = p[i];
        T g = grad[i] + wd * pv;
        p[i] = pv - lr * g;
    }
}

// SGD with momentum: v = momentum * v + g; p -= lr * v.
template <typename T>
__device__ void sgd_momentum_impl(T* p, const T* grad, T* velocity, int n, T lr, T momentum, T wd) {
    WICK_FOR_EACH(i, n) {
        T pv = p[i];
        T g = grad[i] + wd * pv;
        T v = momentum * velocity[i] + g;
        velocity[i] = v;
        p[i] = pv - lr * v;
    }
}

// Adam with PyTorch's bias correction; 1 - beta and the corrections 1 - beta^step are computed on
// the host in double and rounded to T once.
template <typename T>
__device__ void adam_impl(T* p, const T* grad, T* m, T* v, int n, T lr, T beta1, T one_minus_beta1, T beta2,
                          T one_minus_beta2, T eps, T wd, T bias_correction1, T bias_correction2) {
    WICK_FOR_EACH(i, n) {
        T pv = p[i];
        T g = grad[i] + wd * pv;
        T mi = beta1 * m[i] + one_minus_beta1 * g;
        T vi = beta2 * v[i] + one_minus_beta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = pv - lr * (mi / bias_correction1) / (wick_sqrt(vi / bias_correction2) + eps);
    }
}

// The scalars that change from step to step (the learning rate; Adam's bias corrections) are read
// from device memory, written by the host before the step: a step captured once as a CUDA graph
// then replays with this step's values. They are doubles, rounded to T here exactly as a by-value
// argument would have been on the host.
extern "C" __global__ void wick_sgd_f32(float* p, const float* grad, int n, const double* lr, float wd) {
    sgd_impl<float>(p, grad, n, (float)lr[0], wd);
}
extern "C" __global__ void wick_sgd_f64(double* p, const double* grad, int n, const double* lr, double wd) {
    sgd_impl<double>(p, grad, n, lr[0], wd);
}
extern "C" __global__ void wick_sgd_momentum_f32(float* p, const float* grad, float* velocity, int n, const double* lr,
                                                 float momentum, float wd) {
    sgd_momentum_impl<float>(p, grad, velocity, n, (float)lr[0], momentum, wd);
}
extern "C" __global__ void wick_sgd_momentum_f64(double* p, const double* grad, double* velocity, int n,
                                                 const double* lr, double momentum, double wd) {
    sgd_momentum_impl<double>(p, grad, velocity, n, lr[0], momentum, wd);
}
// scalars: {lr, 1 - beta1^step, 1 - beta2^step}
extern "C" __global__ void wick_adam_f32(float* p, const float* grad, float* m, float* v, int n, const double* scalars,
                                         float beta1, float one_minus_beta1, float beta2, float one_minus_beta2,
                                         float eps, float wd) {
    adam_impl<float>(p, grad, m, v, n, (float)scalars[0], beta1, one_minus_beta1, beta2, one_minus_beta2, eps, wd,
                     (float)scalars[1], (float)scalars[2]);
}
extern "C" __global__ void wick_adam_f64(double* p, const double* grad, double* m, double* v, int n,
                                         const double* scalars, double beta1, double one_minus_beta1, double beta2,
                                         double one_minus_beta2, double eps, double wd) {
    adam_impl<double>(p, grad, m, v, n, scalars[0], beta1, one_minus_beta1, beta2, one_minus_beta2, eps, wd,
                      scalars[1], scalars[2]);
}
