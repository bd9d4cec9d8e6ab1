// Shared pieces of the CPU elementwise kernels (unary, binary, select, copy).
#pragma once

#include <cstdint>

#include "kiln/array.h"
#include "kiln/backend/cpu/thread_pool.h"

// Hot contiguous loops get AVX-512 and AVX2+FMA versions (the x86-64-v4 and -v3 levels)
// next to the baseline one; the loader picks the best the CPU has.
#if defined(__x86_64__) && !defined(__clang__)
#define KILN_SIMD_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KILN_SIMD_CLONES
#endif

namespace kiln::cpu {

// Elements below which an elementwise kernel stays on one thread (waking the pool costs
// more than it saves).
constexpr int64_t kElementwiseGrain = int64_t(1) << 16;

// Elements per block when a dense loop runs in two passes through stack buffers (16-bit
// floats through the float loop, sin/cos with their fix-up pass).
constexpr int64_t kHalfBlock = 512;

// Gives `out` the same layout as `in` (an elementwise op on dense data keeps its order),
// taking over in's memory when nothing else uses it and the element sizes match.
inline void set_output_like(const array& in, array& out) {
  if (in.is_donatable() && in.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(in);
    return;
  }
  out.set_data(std::make_shared<Data>(in.data_size() * out.itemsize()), in.data_size(),
               in.strides(), in.flags());
}

}  // namespace kiln::cpu
