// Shared pieces of the CPU elementwise kernels (unary, binary, select, copy).
#pragma once

#include <cstdint>

#include "kiln/array.h"
#include "kiln/backend/cpu/thread_pool.h"

// Hot contiguous loops get AVX-512 and AVX2 versions next to the baseline one; the loader
// picks the best the CPU has.
#if defined(__x86_64__) && !defined(__clang__)
#define KILN_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KILN_SIMD_CLONES
#endif

namespace kiln::cpu {

// Elements below which an elementwise kernel stays on one thread (waking the pool costs
// more than it saves).
constexpr int64_t kElementwiseGrain = int64_t(1) << 16;

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
