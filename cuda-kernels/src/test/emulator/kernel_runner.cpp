// Runs Wick's CUDA kernels on the host (see cuda_emulation.h) for the Java tests' emulated device.
// Built by EmulatedDevice with the kernel sources and a generated kernels.inc; speaks a binary
// protocol on stdin/stdout (little-endian), one launch per request:
//
//   request:  int32 magic 0x57494B4C, int32 name length, name bytes,
//             int32 gridX, gridY, blockX, blockY, sharedBytes (dynamic), cooperative (0 or 1),
//             int32 memory count, then per memory: int64 size, bytes,
//             int32 argument count, then per argument: int32 kind and its value:
//               0 pointer: int32 memory index, int64 byte offset;  1 int32;  2 int64;  3 float;  4 double
//   response: int32 status (0 ok), then the memories in request order (their new contents);
//             on failure int32 message length and the message instead.
//
// Each kernel's parameter types are deduced from its C++ declaration, and every argument must have
// exactly the matching kind (a pointer for T*, int for int, long long, float, double).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels.inc"  // #include of every .cu file, then WICK_KERNELS(X) listing every kernel

namespace {

struct Arg {
    int kind;
    int memory;
    long long offset;
    long long integer;
    double real;
};

struct Request {
    std::string name;
    dim3 grid, block;
    int shared_bytes = 0;
    bool cooperative = false;
    std::vector<std::vector<unsigned char>> memories;
    std::vector<Arg> args;
};

bool read_exact(void* dst, size_t n) { return std::fread(dst, 1, n, stdin) == n; }

template <typename T>
T read_value() {
    T v;
    if (!read_exact(&v, sizeof(T))) throw std::runtime_error("truncated request");
    return v;
}

template <typename T>
T argument(const Request& r, size_t i) {
    const Arg& a = r.args.at(i);
    if constexpr (std::is_pointer_v<T>) {
        if (a.kind != 0) throw std::runtime_error("argument " + std::to_string(i) + " must be a pointer");
        auto& m = const_cast<std::vector<unsigned char>&>(r.memories.at(a.memory));
        if (a.offset < 0 || (size_t)a.offset > m.size()) throw std::runtime_error("pointer offset outside its memory");
        return reinterpret_cast<T>(m.data() + a.offset);
    } else if constexpr (std::is_same_v<T, int>) {
        if (a.kind != 1) throw std::runtime_error("argument " + std::to_string(i) + " must be an int");
        return (int)a.integer;
    } else if constexpr (std::is_same_v<T, long long>) {
        if (a.kind != 2) throw std::runtime_error("argument " + std::to_string(i) + " must be a long long");
        return a.integer;
    } else if constexpr (std::is_same_v<T, float>) {
        if (a.kind != 3) throw std::runtime_error("argument " + std::to_string(i) + " must be a float");
        return (float)a.real;
    } else if constexpr (std::is_same_v<T, double>) {
        if (a.kind != 4) throw std::runtime_error("argument " + std::to_string(i) + " must be a double");
        return a.real;
    } else {
        static_assert(sizeof(T) == 0, "unsupported kernel parameter type");
    }
}

// The OS threads that play a block's CUDA threads, kept from launch to launch: starting hundreds of
// threads per launch (under AddressSanitizer) would cost far more than most kernels' work. Worker t
// runs the body with t, for t below the launch's thread count; only those are woken (each worker
// waits on its own semaphore), so the thousands a cooperative grid needed once do not all wake for
// every later launch of a few hundred.
class Workers {
public:
    // Runs body(t) for t in [0, threads) concurrently; false if they do not all finish in time.
    bool run(unsigned threads, const std::function<void(unsigned)>& body, std::chrono::seconds timeout) {
        std::unique_lock<std::mutex> g(lock_);
        while (pool_.size() < threads) {
            const unsigned id = (unsigned)pool_.size();
            go_.push_back(std::make_unique<std::binary_semaphore>(0));
            pool_.emplace_back([this, id] { serve(id); });
        }
        body_ = &body;
        active_ = threads;
        finished_ = 0;
        for (unsigned t = 0; t < threads; t++) go_[t]->release();  // publishes body_ and active_ to t
        return done_.wait_for(g, timeout, [&] { return finished_ == active_; });
    }

private:
    void serve(unsigned id) {
        std::binary_semaphore* go;
        {
            std::lock_guard<std::mutex> g(lock_);
            go = go_[id].get();
        }
        for (;;) {
            go->acquire();
            (*body_)(id);
            std::lock_guard<std::mutex> g(lock_);
            if (++finished_ == active_) done_.notify_all();
        }
    }

    std::mutex lock_;
    std::condition_variable done_;
    std::vector<std::unique_ptr<std::binary_semaphore>> go_;  // one per worker, in pool order
    std::vector<std::thread> pool_;  // never joined: they serve until the process exits
    const std::function<void(unsigned)>* body_ = nullptr;
    unsigned active_ = 0, finished_ = 0;
};

Workers& workers() {
    static Workers* w = new Workers();  // never destroyed: its threads outlive main
    return *w;
}

// A plain launch runs the blocks of the grid in turn, the block's threads concurrently as OS
// threads; a cooperative one runs every thread of the grid at once, each block with its own state.
template <typename... P, size_t... I>
void run(void (*kernel)(P...), const Request& r, std::index_sequence<I...>) {
    if (sizeof...(P) != r.args.size()) {
        throw std::runtime_error(r.name + " takes " + std::to_string(sizeof...(P)) + " arguments, got " +
                                 std::to_string(r.args.size()));
    }
    std::tuple<P...> params{argument<P>(r, I)...};
    const unsigned threads = r.block.x * r.block.y;
    if (threads % 32 != 0) throw std::runtime_error("block of " + std::to_string(threads) + " threads: not whole warps");
    blockDim = r.block;
    gridDim = r.grid;
    const unsigned blocks = r.grid.x * r.grid.y;
    // a cooperative grid's blocks each have their own state; a plain launch's blocks take turns with one
    const unsigned states_needed = r.cooperative ? blocks : 1;
    std::vector<emu::Block> states;
    states.reserve(states_needed);
    for (unsigned b = 0; b < states_needed; b++) states.emplace_back(threads, (size_t)r.shared_bytes);

    const std::function<void(unsigned)> plain = [&](unsigned t) {
        threadIdx = uint3{t % r.block.x, t / r.block.x, 0};
        emu::lane = (int)(t % 32);
        emu::warp = (int)(t / 32);
        emu::block = &states[0];
        for (unsigned by = 0; by < r.grid.y; by++) {
            for (unsigned bx = 0; bx < r.grid.x; bx++) {
                blockIdx = uint3{bx, by, 0};
                std::apply(kernel, params);
                emu::block->barrier->arrive_and_wait();  // the next block may reuse __shared__ statics
            }
        }
    };
    const std::function<void(unsigned)> cooperative = [&](unsigned g) {
        const unsigned b = g / threads, t = g % threads;
        threadIdx = uint3{t % r.block.x, t / r.block.x, 0};
        blockIdx = uint3{b % r.grid.x, b / r.grid.x, 0};
        emu::lane = (int)(t % 32);
        emu::warp = (int)(t / 32);
        emu::block = &states[b];
        std::apply(kernel, params);
    };
    if (!workers().run(r.cooperative ? blocks * threads : threads, r.cooperative ? cooperative : plain,
                       std::chrono::seconds(120))) {
        std::fprintf(stderr, "kernel %s did not finish in 120 s (a barrier not reached by every thread?)\n",
                     r.name.c_str());
        std::fflush(stderr);
        std::_Exit(4);
    }
}

template <typename... P>
void launch(void (*kernel)(P...), const Request& r) {
    run(kernel, r, std::index_sequence_for<P...>{});
}

const std::map<std::string, std::function<void(const Request&)>>& registry() {
    static const std::map<std::string, std::function<void(const Request&)>> kernels = {
#define WICK_ENTRY(name) {#name, [](const Request& r) { launch(name, r); }},
        WICK_KERNELS(WICK_ENTRY)
#undef WICK_ENTRY
    };
    return kernels;
}

void write_all(const void* p, size_t n) {
    if (std::fwrite(p, 1, n, stdout) != n) std::_Exit(5);
}

void write_error(const std::string& message) {
    int status = 1, length = (int)message.size();
    write_all(&status, 4);
    write_all(&length, 4);
    write_all(message.data(), message.size());
    std::fflush(stdout);
}

}  // namespace

int main() {
    for (;;) {
        int magic;
        if (!read_exact(&magic, 4)) return 0;  // the JVM closed the pipe
        if (magic != 0x57494B4C) {
            std::fprintf(stderr, "bad request magic %x\n", magic);
            return 2;
        }
        Request r;
        try {
            int name_length = read_value<int>();
            r.name.resize(name_length);
            if (!read_exact(r.name.data(), name_length)) throw std::runtime_error("truncated name");
            r.grid.x = read_value<int>();
            r.grid.y = read_value<int>();
            r.block.x = read_value<int>();
            r.block.y = read_value<int>();
            r.shared_bytes = read_value<int>();
            if (r.shared_bytes < 0) throw std::runtime_error("negative dynamic shared memory");
            r.cooperative = read_value<int>() != 0;
            int memories = read_value<int>();
            r.memories.resize(memories);
            for (auto& m : r.memories) {
                long long size = read_value<long long>();
                m.resize(size);
                if (size > 0 && !read_exact(m.data(), size)) throw std::runtime_error("truncated memory");
            }
            int args = read_value<int>();
            for (int i = 0; i < args; i++) {
                Arg a{};
                a.kind = read_value<int>();
                switch (a.kind) {
                    case 0: a.memory = read_value<int>(); a.offset = read_value<long long>(); break;
                    case 1: a.integer = read_value<int>(); break;
                    case 2: a.integer = read_value<long long>(); break;
                    case 3: a.real = read_value<float>(); break;
                    case 4: a.real = read_value<double>(); break;
                    default: throw std::runtime_error("bad argument kind " + std::to_string(a.kind));
                }
                r.args.push_back(a);
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "kernel runner: %s\n", e.what());
            return 3;
        }
        try {
            auto it = registry().find(r.name);
            if (it == registry().end()) throw std::runtime_error("no kernel named " + r.name);
            it->second(r);
        } catch (const std::exception& e) {
            write_error(e.what());
            continue;
        }
        int ok = 0;
        write_all(&ok, 4);
        for (auto& m : r.memories) write_all(m.data(), m.size());
        std::fflush(stdout);
    }
}
