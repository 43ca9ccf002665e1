// Just enough of CUDA's device environment to run Wick's kernels on the host, for tests on machines
// without a GPU. Within a block every CUDA thread is an OS thread, so __syncthreads is a real barrier
// and warp shuffles exchange values through a per-warp barrier. A plain launch runs the blocks one
// after another, so __shared__ variables can be plain statics; a cooperative launch runs every block
// of the grid at once (its kernels may wait for each other, see persistent.cu), and such kernels use
// only dynamic shared memory, which each block gets its own of (filled with 0xff bytes, NaN in
// either float type, so that reading what no thread wrote shows). Atomics take one global lock.
// This checks what the kernels compute (indexing, tiling, reductions, barriers placed where every
// thread reaches them), not how fast or how the hardware schedules them; built with
// AddressSanitizer it also catches out-of-bounds accesses.
#pragma once

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define WICK_HOST_EMULATION 1

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

// One block's own state: its barrier, its warps' exchange slots and its dynamic shared memory.
struct Block {
    std::unique_ptr<std::barrier<>> barrier;
    std::vector<Warp> warps;
    std::vector<unsigned char> shared;

    Block(unsigned threads, size_t shared_bytes)
        : barrier(std::make_unique<std::barrier<>>(threads)), warps(threads / 32), shared(shared_bytes, 0xff) {
        for (auto& w : warps) w.barrier = std::make_unique<std::barrier<>>(32);
    }
};

inline thread_local Block* block;
inline thread_local int lane;
inline thread_local int warp;
inline std::mutex atomic_lock;

}  // namespace emu

// The calling thread's block's dynamic shared memory (on the device: extern __shared__, persistent.cu).
#define wick_dynamic_shared (emu::block->shared.data())

inline void __syncthreads() { emu::block->barrier->arrive_and_wait(); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
// A spinning thread gives its core to the others: the host has far fewer cores than a grid has threads.
inline void __nanosleep(unsigned int) { std::this_thread::yield(); }

// The host's caches are coherent; what orders the load after other blocks' stores is the grid
// barrier's atomics (one mutex) and the block barrier after it.
template <typename T>
inline T __ldcg(const T* p) { return *p; }

inline void __syncwarp(unsigned int mask = 0xffffffffu) {
    if (mask != 0xffffffffu) std::abort();  // Wick's kernels only sync full warps
    emu::block->warps[emu::warp].barrier->arrive_and_wait();
}

template <typename T>
inline T __shfl_xor_sync(unsigned int mask, T value, int lane_mask) {
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "shuffle of a value wider than 8 bytes");
    if (mask != 0xffffffffu) std::abort();  // Wick's kernels only shuffle across full warps
    emu::Warp& w = emu::block->warps[emu::warp];
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

template <typename T>
inline T atomicExch(T* address, T value) {
    std::lock_guard<std::mutex> guard(emu::atomic_lock);
    T old = *address;
    *address = value;
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
