// The host side of kernel launches, one vocabulary for every kernel family:
//
// - Naming a kernel. A KernelSpec is {kernel file, kernel template, template arguments}. Each
//   family has one spec function per kernel, built from what its launcher knows, e.g.
//   `unary_dense_spec(op, tin, tout, vw)`. The launcher calls `kernel(s, spec)` (or
//   `launch_kernel(s, spec, ...)`), which caches the compiled kernel by the spec's fields: no
//   hand-packed integer keys, no string built on a cache hit. The family's instance list for
//   the NVRTC check and the cache warm-up (instances.h) loops over the inputs the launcher can
//   meet, filtered by the validity functions the launcher itself uses, and calls the same spec
//   functions, so the launcher and the list cannot drift.
// - Launch shapes: named block sizes, grid sizing, vector widths, alignment.
// - Parameter blocks: pack_dims and make_strided (collapse, then pack).
//
// A family's spec function, launcher and list (reduce.cpp):
//   KernelSpec row_reduce_spec(Reduce::Op op, Dtype acc, Dtype tin, Dtype tout) {
//     return {"reduce.cuh", "row_reduce", {rule(op, acc), tin, tout}};
//   }
//   launcher:  cudaKernel_t k = kernel(s, row_reduce_spec(op_, acc, in.dtype(), out.dtype()));
//   list:      for (op ...) for (Dtype in : all_dtypes) for (Dtype out : all_dtypes)
//                if (auto acc = accumulator(op, in, out)) v.push_back(row_reduce_spec(...));
// and the family's list is named in instances.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cuda/jit.h"
#include "kiln/backend/cuda/kernels/params.cuh"
#include "kiln/backend/cuda/runtime.h"

namespace kiln::cuda {

// ---------------------------------------------------------------- naming kernels

inline const char* type_name(Dtype d) { return kernel_type_name(d.index()); }

// One template argument of a kernel, kept as two words (the kernel cache hashes and compares
// them) and spelled out only when the kernel is compiled. Text arguments must have static
// storage (string literals, the op-name tables): the cache compares them by address.
class KernelArg {
 public:
  KernelArg() = default;
  KernelArg(Dtype d) : bits_(pack(Kind::type, d.index())) {}  // "float", "int64_t"
  KernelArg(int v) : bits_(pack(Kind::integer, v)) {}         // "4"
  KernelArg(bool b) : bits_(pack(Kind::boolean, b)) {}        // "true"
  KernelArg(const char* code) : bits_(pack(Kind::code, 0)), text_(code) {}  // "unsigned int"
  // An elementwise functor: ew("Exp") is "kiln::ew::Exp".
  static KernelArg ew(const char* name) {
    KernelArg a(name);
    a.bits_ = pack(Kind::ew, 0);
    return a;
  }
  // A class template of one dtype: of("kiln::cu::SumOp", float32) is "kiln::cu::SumOp<float>".
  static KernelArg of(const char* tmpl, Dtype d) {
    KernelArg a(tmpl);
    a.bits_ = pack(Kind::of_type, d.index());
    return a;
  }

  std::string str() const;
  uint64_t bits() const { return bits_; }
  uint64_t text_bits() const { return reinterpret_cast<uintptr_t>(text_); }

 private:
  enum class Kind : uint8_t { integer, type, boolean, code, ew, of_type };
  static uint64_t pack(Kind k, int v) { return uint64_t(k) | uint64_t(uint32_t(v)) << 32; }
  Kind kind() const { return Kind(bits_ & 0xff); }
  int value() const { return int(int32_t(bits_ >> 32)); }

  uint64_t bits_ = 0;
  const char* text_ = nullptr;
};
static_assert(sizeof(KernelArg) == 16, "two words, no padding: specs compare bytewise");

constexpr int kMaxKernelArgs = 6;

// A kernel instantiation: kiln::cu::<name><args...> from kernels/<file>. `file` and `name`
// must have static storage, as text arguments do.
struct KernelSpec {
  const char* file;
  const char* name;
  int nargs = 0;
  std::array<KernelArg, kMaxKernelArgs> args;

  KernelSpec(const char* file, const char* name, std::initializer_list<KernelArg> list = {})
      : file(file), name(name), nargs(int(list.size())) {
    if (list.size() > size_t(kMaxKernelArgs)) {
      throw std::logic_error(std::string("[cuda] kernel ") + name +
                             ": too many template arguments");
    }
    std::copy(list.begin(), list.end(), args.begin());
  }

  // "kiln::cu::unary_dense<kiln::ew::Exp, float, float, 4>" ("kiln::cu::mask_scan" without
  // arguments): the name expression NVRTC instantiates.
  std::string instance() const;

  // Independent multiplies (no chain through every word): a hit stays a few nanoseconds.
  uint64_t hash() const {
    constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = reinterpret_cast<uintptr_t>(file) * k + reinterpret_cast<uintptr_t>(name);
    for (int i = 0; i < nargs; ++i) {
      h += (args[i].bits() + uint64_t(i)) * (k + 2 * uint64_t(i)) ^ args[i].text_bits() * 31;
    }
    h *= k;
    return h ^ (h >> 32);
  }
  bool operator==(const KernelSpec& o) const {
    return file == o.file && name == o.name && nargs == o.nargs &&
           std::memcmp(args.data(), o.args.data(), size_t(nargs) * sizeof(KernelArg)) == 0;
  }
};

// The kernel for `spec` on s's device, compiled or loaded on first use. A hit costs a hash of
// the spec's fields and one table lookup (per thread, no lock).
cudaKernel_t kernel(const Stream& s, const KernelSpec& spec);

// ---------------------------------------------------------------- launch shapes

// Threads per block of the grid-stride kernels (elementwise, copy, pad, random, ...).
constexpr int kBlockThreads = 256;

// Resident blocks per SM that a grid-stride loop asks for: enough to fill the GPU, no more.
constexpr int kBlocksPerSm = 16;

inline int sm_count(int device) { return device_properties(device).sm_count; }
inline int sm_count(const Stream& s) { return sm_count(stream_device(s)); }

// Blocks of kBlockThreads for a grid-stride loop over `work` items: enough to fill the GPU,
// no more.
unsigned grid_blocks(int64_t work, int device);

// `work` blocks (one per item), capped at 64 per SM (the kernels loop over the rest).
inline unsigned capped_grid(int64_t work, int device) {
  int64_t cap = int64_t(sm_count(device)) * 64;
  return unsigned(std::clamp<int64_t>(work, 1, cap));
}

inline bool aligned(const void* p, size_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

// Elements per 16-byte vector access for operands of these element sizes (1 when an element
// is 16 bytes wide): the widest vector the dense kernels are instantiated with.
inline int dense_width(size_t a, size_t b = 1, size_t c = 1) {
  size_t w = std::max({a, b, c});
  return w >= 16 ? 1 : int(16 / w);
}

// The vector widths a launcher may pick for these element sizes: dense_width when every
// pointer is aligned to it, else 1. (Instance lists loop over these.)
inline std::vector<int> vector_widths(size_t a, size_t b = 1, size_t c = 1) {
  int w = dense_width(a, b, c);
  return w == 1 ? std::vector<int>{1} : std::vector<int>{w, 1};
}

// dense_width of these element sizes if every pointer is aligned to its vector, else 1.
int vector_width(std::initializer_list<std::pair<const void*, size_t>> ptrs_and_sizes);

// ---------------------------------------------------------------- parameter blocks

// Packs dimensions and K stride lists into a kernel index space; throws std::invalid_argument
// naming `op` when there are more than the kernels handle.
template <int K>
cu::Strided<K> pack_dims(const Shape& shape, const std::array<const Strides*, K>& strides,
                         const char* op) {
  if (int(shape.size()) > cu::kMaxDims) {
    throw std::invalid_argument(std::string("[") + op + "] arrays with more than " +
                                std::to_string(cu::kMaxDims) +
                                " non-mergeable dimensions are not supported on the GPU");
  }
  cu::Strided<K> p{};
  p.ndim = int(shape.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = shape[d];
    for (int k = 0; k < K; ++k) p.strides[k][d] = (*strides[k])[d];
  }
  return p;
}

// pack_dims of the layout with the dimensions contiguous for every operand merged.
template <int K>
cu::Strided<K> make_strided(const Shape& shape, const std::vector<Strides>& strides,
                            const char* op = "cuda") {
  CollapsedLayout l = collapse_contiguous_dims(shape, strides);
  std::array<const Strides*, K> ptrs;
  for (int k = 0; k < K; ++k) ptrs[k] = &l.strides[k];
  return pack_dims<K>(l.shape, ptrs, op);
}

// A fresh device array of n elements of `dtype` (scratch space, freed safely when dropped).
inline array scratch(int64_t n, Dtype dtype, const Stream& s) {
  array a(Shape{n}, dtype, nullptr, {});
  allocate(a, s);
  return a;
}

// ---------------------------------------------------------------- launching

// Launches kernel k on s's CUDA stream with the given arguments.
template <typename... Args>
void launch_kernel(const Stream& s, cudaKernel_t k, dim3 grid, dim3 block, size_t shared_mem,
                   Args... args) {
  void* ptrs[] = {static_cast<void*>(&args)...};
  launch(k, grid, block, ptrs, shared_mem, cuda_stream(s));
}

template <typename... Args>
void launch_kernel(const Stream& s, const KernelSpec& spec, dim3 grid, dim3 block,
                   size_t shared_mem, Args... args) {
  launch_kernel(s, kernel(s, spec), grid, block, shared_mem, args...);
}

}  // namespace kiln::cuda
