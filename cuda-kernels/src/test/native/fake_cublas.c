/*
 * A stand-in for libcublas.so.13 on machines without CUDA, for the tests of Wick's FFM cuBLAS
 * binding (src/test/java22): the functions Wick binds, under cuBLAS's exported names and C
 * signatures (cublas_api.h), working on host memory. "Device pointers" are host addresses and a
 * "stream" is any address, recorded but not used. GEMM is the BLAS definition, column-major, with
 * cuBLAS's argument checks, so a wrong transpose, leading dimension or scalar type in the binding
 * shows up as a wrong result or CUBLAS_STATUS_INVALID_VALUE. Test hooks (fake_cublas_*) make the
 * next call of a chosen function fail and report what the binding set on its handle.
 *
 * Built by the tests with: cc -std=c11 -shared -fPIC -o libfakecublas.so fake_cublas.c
 * (-DFAKE_CUBLAS_NO_DGEMM leaves cublasDgemm_v2 out, for the missing-symbol test).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int cublasStatus_t;
enum { SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7 };
enum { OP_N = 0, OP_T = 1 };
#define FAKE_VERSION 130100 /* reported as cuBLAS 13.1.0 */
#define MAGIC 0x5eedc0de

struct handle {
    int magic;
    void *stream;
    void *workspace;
    size_t workspace_bytes;
    int pointer_mode;
    int math_mode;
};
typedef struct handle *cublasHandle_t;

static int live_handles;
static struct handle *last_handle;
static void *gemm_stream;
static long long gemm_calls;
static char fail_function[64];
static int fail_status;

/* The next call of fail_function returns fail_status (once). */
static int should_fail(const char *function) {
    if (fail_status == 0 || strcmp(function, fail_function) != 0) return 0;
    return 1;
}

static cublasStatus_t failure(void) {
    int s = fail_status;
    fail_status = 0;
    fail_function[0] = 0;
    return s;
}

static int valid(cublasHandle_t h) {
    return h != NULL && h->magic == MAGIC;
}

void fake_cublas_fail_next(const char *function, int status) {
    strncpy(fail_function, function, sizeof fail_function - 1);
    fail_function[sizeof fail_function - 1] = 0;
    fail_status = status;
}

/* What the binding did: live_handles, gemm_calls, gemm_stream, and the last handle's settings. */
long long fake_cublas_state(const char *key) {
    if (strcmp(key, "live_handles") == 0) return live_handles;
    if (strcmp(key, "gemm_calls") == 0) return gemm_calls;
    if (strcmp(key, "gemm_stream") == 0) return (long long) (intptr_t) gemm_stream;
    if (last_handle == NULL) return -1;
    if (strcmp(key, "stream") == 0) return (long long) (intptr_t) last_handle->stream;
    if (strcmp(key, "workspace") == 0) return (long long) (intptr_t) last_handle->workspace;
    if (strcmp(key, "workspace_bytes") == 0) return (long long) last_handle->workspace_bytes;
    if (strcmp(key, "pointer_mode") == 0) return last_handle->pointer_mode;
    if (strcmp(key, "math_mode") == 0) return last_handle->math_mode;
    return -2;
}

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    if (should_fail("cublasCreate_v2")) return failure();
    if (handle == NULL) return INVALID_VALUE;
    struct handle *h = calloc(1, sizeof *h);
    if (h == NULL) return 3; /* CUBLAS_STATUS_ALLOC_FAILED */
    h->magic = MAGIC;
    h->math_mode = -1;     /* "never set", so the test sees that the binding set it */
    h->pointer_mode = -1;
    live_handles++;
    last_handle = h;
    *handle = h;
    return SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    if (should_fail("cublasDestroy_v2")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    handle->magic = 0; /* kept (not freed), so that state queries after destroy stay defined */
    live_handles--;
    return SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, void *stream) {
    if (should_fail("cublasSetStream_v2")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    handle->stream = stream;
    /* as cuBLAS does: a new stream puts the handle back on cuBLAS's own workspace */
    handle->workspace = NULL;
    handle->workspace_bytes = 0;
    return SUCCESS;
}

cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, size_t bytes) {
    if (should_fail("cublasSetWorkspace_v2")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    if (workspace == NULL && bytes != 0) return INVALID_VALUE;
    if (((uintptr_t) workspace) % 256 != 0) return INVALID_VALUE; /* cuBLAS wants 256-byte alignment */
    handle->workspace = workspace;
    handle->workspace_bytes = bytes;
    return SUCCESS;
}

cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, int mode) {
    if (should_fail("cublasSetPointerMode_v2")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    if (mode != 0 && mode != 1) return INVALID_VALUE;
    handle->pointer_mode = mode;
    return SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, int mode) {
    if (should_fail("cublasSetMathMode")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    handle->math_mode = mode;
    return SUCCESS;
}

cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version) {
    if (should_fail("cublasGetVersion_v2")) return failure();
    if (!valid(handle)) return NOT_INITIALIZED;
    if (version == NULL) return INVALID_VALUE;
    *version = FAKE_VERSION;
    return SUCCESS;
}

static cublasStatus_t check_gemm(cublasHandle_t h, int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc) {
    if (!valid(h)) return NOT_INITIALIZED;
    if (h->pointer_mode != 0) return INVALID_VALUE; /* this fake reads alpha and beta from the host only */
    if ((ta != OP_N && ta != OP_T) || (tb != OP_N && tb != OP_T) || m < 0 || n < 0 || k < 0) return INVALID_VALUE;
    int rows_a = ta == OP_N ? m : k, rows_b = tb == OP_N ? k : n;
    if (lda < (rows_a > 1 ? rows_a : 1) || ldb < (rows_b > 1 ? rows_b : 1) || ldc < (m > 1 ? m : 1)) {
        return INVALID_VALUE;
    }
    gemm_stream = h->stream;
    gemm_calls++;
    return SUCCESS;
}

/* C = alpha op(A) op(B) + beta C, column-major; beta == 0 does not read C. */
#define GEMM_BODY(T)                                                                  \
    for (int j = 0; j < n; j++) {                                                     \
        for (int i = 0; i < m; i++) {                                                 \
            T sum = 0;                                                                \
            for (int l = 0; l < k; l++) {                                             \
                T x = ta == OP_N ? a[i + (size_t) l * lda] : a[l + (size_t) i * lda]; \
                T y = tb == OP_N ? b[l + (size_t) j * ldb] : b[j + (size_t) l * ldb]; \
                sum += x * y;                                                         \
            }                                                                         \
            T *out = &c[i + (size_t) j * ldc];                                        \
            *out = *beta == 0 ? *alpha * sum : *alpha * sum + *beta * *out;           \
        }                                                                             \
    }

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, int ta, int tb, int m, int n, int k, const float *alpha,
                              const float *a, int lda, const float *b, int ldb, const float *beta, float *c,
                              int ldc) {
    if (should_fail("cublasSgemm_v2")) return failure();
    cublasStatus_t s = check_gemm(handle, ta, tb, m, n, k, lda, ldb, ldc);
    if (s != SUCCESS) return s;
    GEMM_BODY(float)
    return SUCCESS;
}

#ifndef FAKE_CUBLAS_NO_DGEMM
cublasStatus_t cublasDgemm_v2(cublasHandle_t handle, int ta, int tb, int m, int n, int k, const double *alpha,
                              const double *a, int lda, const double *b, int ldb, const double *beta, double *c,
                              int ldc) {
    if (should_fail("cublasDgemm_v2")) return failure();
    cublasStatus_t s = check_gemm(handle, ta, tb, m, n, k, lda, ldb, ldc);
    if (s != SUCCESS) return s;
    GEMM_BODY(double)
    return SUCCESS;
}
#endif
