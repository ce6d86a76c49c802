/* TEST DOUBLE of libcuda.so.1 (the CUDA driver API), for tests only.
 *
 * Built by tests/gpu/test_checks.py into a temporary directory and put first on
 * LD_LIBRARY_PATH, so the production CUDA probe (jupyter_workbench.gpu.checks) loads it
 * with ctypes exactly as it loads the real driver. "Device memory" is host memory.
 * FAKE_CUDA_INIT_ERROR=<code>: cuInit fails with that CUresult (e.g. 100, 803, 999).
 * FAKE_CUDA_DEVICES=<n>: device count (default 1). FAKE_CUDA_CORRUPT=1: DtoH flips a byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int env_int(const char *name, int fallback) {
    const char *v = getenv(name);
    return v ? atoi(v) : fallback;
}

int cuInit(unsigned flags) { (void)flags; return env_int("FAKE_CUDA_INIT_ERROR", 0); }
int cuDriverGetVersion(int *v) { *v = 13010; return 0; }
int cuDeviceGetCount(int *n) { *n = env_int("FAKE_CUDA_DEVICES", 1); return 0; }
int cuDeviceGet(int *dev, int ordinal) { *dev = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int dev) {
    (void)dev;
    strncpy(name, "Fake CUDA device (test double)", (size_t)len - 1);
    name[len - 1] = 0;
    return 0;
}
int cuCtxCreate_v2(void **ctx, unsigned flags, int dev) {
    (void)flags; (void)dev; *ctx = (void *)0x1; return 0;
}
int cuCtxDestroy_v2(void *ctx) { (void)ctx; return 0; }
int cuMemAlloc_v2(uint64_t *ptr, size_t size) {
    void *p = malloc(size);
    if (!p) return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
    *ptr = (uint64_t)(uintptr_t)p;
    return 0;
}
int cuMemFree_v2(uint64_t ptr) { free((void *)(uintptr_t)ptr); return 0; }
int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t n) {
    memcpy((void *)(uintptr_t)dst, src, n); return 0;
}
int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t n) {
    memcpy(dst, (void *)(uintptr_t)src, n);
    if (env_int("FAKE_CUDA_CORRUPT", 0) && n) ((unsigned char *)dst)[n / 2] ^= 0xff;
    return 0;
}
int cuGetErrorName(int code, const char **name) {
    switch (code) {
    case 3: *name = "CUDA_ERROR_NOT_INITIALIZED"; return 0;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 801: *name = "CUDA_ERROR_NOT_SUPPORTED"; return 0;
    case 803: *name = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"; return 0;
    case 999: *name = "CUDA_ERROR_UNKNOWN"; return 0;
    default: *name = 0; return 1;
    }
}
