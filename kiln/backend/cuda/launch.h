// Helpers for the host side of kernel launches: naming instantiations, grid sizes, strided
// parameter blocks, and a typed launch that compiles the kernel on first use.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <unordered_map>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cuda/jit.h"
#include "kiln/backend/cuda/kernels/params.cuh"
#include "kiln/backend/cuda/runtime.h"

namespace kiln::cuda {

inline const char* type_name(Dtype d) { return kernel_type_name(d.index()); }

// "kiln::cu::name<arg0, arg1, ...>"
std::string instance(const char* name, std::initializer_list<std::string> args);

constexpr int kBlock = 256;

// Blocks for a grid-stride loop over `work` items: enough to fill the GPU, no more.
unsigned grid_blocks(int64_t work, int device);

// Collapses the layout and packs it for a kernel; throws std::invalid_argument when more than
// kMaxDims dimensions remain.
template <int K>
cu::Strided<K> make_strided(const Shape& shape, const std::vector<Strides>& strides) {
  CollapsedLayout l = collapse_contiguous_dims(shape, strides);
  if (int(l.shape.size()) > cu::kMaxDims) {
    throw std::invalid_argument("[cuda] arrays with more than " + std::to_string(cu::kMaxDims) +
                                " non-mergeable dimensions are not supported");
  }
  cu::Strided<K> p{};
  p.ndim = int(l.shape.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = l.shape[d];
    for (int k = 0; k < K; ++k) p.strides[k][d] = l.strides[k][d];
  }
  return p;
}

// The vector width the dense kernels use for these element sizes when aligned.
inline int dense_width(size_t a, size_t b = 1, size_t c = 1) {
  size_t w = std::max({a, b, c});
  return w >= 16 ? 1 : int(16 / w);
}

// Elements per 16-byte vector access for these element sizes, if every pointer is aligned
// to it; else 1.
int vector_width(std::initializer_list<std::pair<const void*, size_t>> ptrs_and_sizes);

// Launches kernel k on s's CUDA stream with the given arguments.
template <typename... Args>
void launch_kernel(const Stream& s, cudaKernel_t k, dim3 grid, dim3 block, size_t shared_mem,
                   Args... args) {
  void* ptrs[] = {static_cast<void*>(&args)...};
  launch(k, grid, block, ptrs, shared_mem, cuda_stream(s));
}

// Launches `inst` (a kernel instantiated from kernels/<file>).
template <typename... Args>
void launch_kernel(const Stream& s, const char* file, const std::string& inst, dim3 grid,
                   dim3 block, size_t shared_mem, Args... args) {
  launch_kernel(s, get_kernel(source_for(file), inst, stream_device(s)), grid, block, shared_mem,
                args...);
}

// The kernel for a small integer key that identifies the instantiation at one call site
// (e.g. op, dtype and variant packed together): per-op launches skip building the name.
// `make` returns the instance name on a miss. Each call site (lambda type) has its own table.
template <typename Make>
cudaKernel_t cached_kernel(const Stream& s, const char* file, uint64_t key, Make make) {
  thread_local std::unordered_map<uint64_t, cudaKernel_t> table;
  int device = stream_device(s);
  uint64_t k = key * 64 + uint64_t(device);
  auto it = table.find(k);
  if (it != table.end()) return it->second;
  cudaKernel_t kernel = get_kernel(source_for(file), make(), device);
  table.emplace(k, kernel);
  return kernel;
}

}  // namespace kiln::cuda
