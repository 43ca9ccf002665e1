// Just enough of CUDA's device environment to run Wick's kernels on the host, for tests on machines
// without a GPU. One kernel launch runs the blocks one after another; within a block every CUDA
// thread is an OS thread, so __syncthreads is a real barrier and warp shuffles exchange values
// through a per-warp barrier. Because blocks never overlap, __shared__ variables can be plain
// statics. Atomics take one global lock. This checks what the kernels compute (indexing, tiling,
// reductions, barriers placed where every thread reaches them), not how fast or how the hardware
// schedules them; built with AddressSanitizer it also catches out-of-bounds accesses.
#pragma once

#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace emu {

struct Warp {
    std::unique_ptr<std::barrier<>> barrier;
    std::uint64_t slots[32];
};

inline std::unique_ptr<std::barrier<>> block_barrier;
inline std::vector<Warp> warps;
inline thread_local int lane;
inline thread_local int warp;
inline std::mutex atomic_lock;

}  // namespace emu

inline void __syncthreads() { emu::block_barrier->arrive_and_wait(); }

template <typename T>
inline T __shfl_xor_sync(unsigned int mask, T value, int lane_mask) {
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "shuffle of a value wider than 8 bytes");
    if (mask != 0xffffffffu) std::abort();  // Wick's kernels only shuffle across full warps
    emu::Warp& w = emu::warps[emu::warp];
    std::uint64_t slot = 0;
    std::memcpy(&slot, &value, sizeof(T));
    w.slots[emu::lane] = slot;
    w.barrier->arrive_and_wait();
    T result;
    std::memcpy(&result, &w.slots[emu::lane ^ lane_mask], sizeof(T));
    w.barrier->arrive_and_wait();
    return result;
}

template <typename T>
inline T atomicAdd(T* address, T value) {
    std::lock_guard<std::mutex> guard(emu::atomic_lock);
    T old = *address;
    *address = old + value;
    return old;
}

inline int atomicMin(int* address, int value) {
    std::lock_guard<std::mutex> guard(emu::atomic_lock);
    int old = *address;
    if (value < old) *address = value;
    return old;
}

// Round-to-nearest intrinsics: on the host (built with -ffp-contract=off) the plain operators are.
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
