// Shared pieces of the CPU elementwise kernels (unary, binary, select, copy).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "kiln/array.h"
#include "kiln/backend/cpu/stream_store.h"
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

template <typename T, typename... Us>
constexpr bool is_one_of = (std::is_same_v<T, Us> || ...);

// The vectorizer refuses some operations on vectors of bool (negation, bit-precision
// arithmetic) that it does on bytes: the SIMD loops read bools as bytes compared with 0 and
// store them as bytes.
template <typename T>
inline auto simd_load(const T* p, int64_t i) {
  if constexpr (std::is_same_v<T, bool>) {
    return reinterpret_cast<const uint8_t*>(p)[i] != 0;
  } else {
    return p[i];
  }
}
template <typename T, typename V>
inline void simd_store(T* p, int64_t i, V v) {
  if constexpr (std::is_same_v<T, bool>) {
    reinterpret_cast<uint8_t*>(p)[i] = uint8_t(v);
  } else {
    p[i] = v;
  }
}

// Elements below which an elementwise kernel stays on one thread (waking the pool costs
// more than it saves).
constexpr int64_t kElementwiseGrain = int64_t(1) << 16;

// Elements per block when a dense loop runs in two passes through stack buffers (16-bit
// floats through the float loop, sin/cos with their fix-up pass).
constexpr int64_t kBufferBlock = 512;

// Outputs of at least this many bytes are written with streaming stores (write_streamed)
// by the kernels whose speed is the memory's (cheap ops, not computed in place): such an
// output cannot stay in the cache anyway, and skipping the read-for-ownership saves a third
// of the memory traffic of `x + y`. Ops that compute (exp, pow, ...) lose more to the
// blocking than they gain, and in-place outputs have no read-for-ownership to save.
constexpr size_t kStreamBytes = size_t(16) << 20;
inline bool use_streaming(const array& out, std::initializer_list<const array*> inputs) {
  if (out.nbytes() < kStreamBytes) return false;
  for (const array* in : inputs) {
    if (in->data_shared_ptr() == out.data_shared_ptr()) return false;
  }
  return true;
}

// Writes out[0, n) through fill(begin, count, dst), which computes elements
// [begin, begin + count) into dst: directly for the unaligned head and the tail, and in
// between into a small stack block that is then streamed out. The block stays in L1; larger
// blocks were slower (4K aliasing between the block and the streams).
template <typename Out, typename F>
void write_streamed(Out* out, int64_t n, F&& fill) {
  constexpr int64_t block = 1024 / int64_t(sizeof(Out));
  auto misalign = int64_t(reinterpret_cast<uintptr_t>(out) % 64);
  int64_t i = std::min<int64_t>(n, misalign ? (64 - misalign) / int64_t(sizeof(Out)) : 0);
  if (i > 0) fill(0, i, out);
  alignas(64) Out buf[block];
  for (; i + block <= n; i += block) {
    fill(i, block, buf);
    stream_store(out + i, buf, sizeof(buf));
  }
  if (i < n) fill(i, n - i, out + i);
  stream_fence();
}

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
