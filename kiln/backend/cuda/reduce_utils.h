// Host helpers shared by the launch code of the reduction family (reduce.cpp, softmax.cpp,
// scan.cpp): accumulator dtypes, parameter packing, launch shapes and row-major views.
#pragma once

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/kernels/reduce_params.cuh"
#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

// Threads per block of the reduction kernels.
constexpr int kReduceThreads = 256;

// The accumulator of sums and products into `out` (backend/cpu/reduce_ops.h: sum_acc):
// float for 16-bit floats, unsigned (wrapping) for signed integers.
inline Dtype sum_accumulator(Dtype out) {
  if (out == float16 || out == bfloat16) return float32;
  if (out == int8) return uint8;
  if (out == int16) return uint16;
  if (out == int32) return uint32;
  if (out == int64) return uint64;
  return out;
}

// Max, min, arg-reductions and logsumexp compare 16-bit floats as float.
inline Dtype compare_dtype(Dtype d) { return d == float16 || d == bfloat16 ? float32 : d; }

inline int64_t pow2_at_least(int64_t n) {
  int64_t p = 1;
  while (p < n) p *= 2;
  return p;
}

// Threads working on one output: a block for long reductions, a warp for medium ones, one
// thread for short ones.
inline int group_size(int64_t per_output) {
  return per_output >= 2048 ? kReduceThreads : per_output >= 64 ? 32 : 1;
}

// Block shape of the kernels that run across columns: up to a warp of adjacent columns (x)
// and, for the rest of the 256 threads, chunks of the `n` positions each column combines (y).
inline dim3 column_block(int64_t cols, int64_t n) {
  int bx = int(std::min<int64_t>(32, pow2_at_least(cols)));
  int by = int(std::clamp<int64_t>(n, 1, kReduceThreads / bx));
  return dim3(bx, by);
}

// Blocks for `work` items, capped (the kernels loop over the rest).
inline unsigned capped_grid(int64_t work, int device) {
  int64_t cap = int64_t(device_properties(device).sm_count) * 64;
  return unsigned(std::clamp<int64_t>(work, 1, cap));
}

inline int sm_count(const Stream& s) { return device_properties(stream_device(s)).sm_count; }

// How many blocks each of `tasks` long reductions splits across so that all of them fill one
// wave of kernel k launched with `threads` threads per block (every SM busy, none left to run
// a second round alone): from 1 to `most`.
inline int64_t wave_splits(cudaKernel_t k, int threads, int64_t tasks, int64_t most,
                           const Stream& s) {
  thread_local std::unordered_map<const void*, std::pair<int, int>> resident;  // per kernel
  auto& [block, per_sm] = resident[reinterpret_cast<const void*>(k)];
  if (block != threads) {
    KILN_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &per_sm, reinterpret_cast<const void*>(k), threads, 0));
    block = threads;
  }
  int64_t wave = int64_t(std::max(per_sm, 1)) * sm_count(s);
  return std::clamp<int64_t>(wave / std::max<int64_t>(tasks, 1), 1, std::max<int64_t>(most, 1));
}

inline bool aligned(const void* p, size_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

// Packs dimensions and K stride lists into a kernel index space; throws when there are more
// than the kernels handle.
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

// Kernel instance names without repeats (instance lists built from tables of combinations).
class InstanceList {
 public:
  void add(std::string name) {
    if (seen_.insert(name).second) names_.push_back(std::move(name));
  }
  std::vector<std::string> take() { return std::move(names_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> names_;
};

// A fresh device array of n elements of `dtype` (scratch space, freed safely when dropped).
inline array scratch(int64_t n, Dtype dtype, const Stream& s) {
  array a(Shape{n}, dtype, nullptr, {});
  allocate(a, s);
  return a;
}

// `in` as a row-major array (a device copy when its layout is anything else).
inline array row_major(const array& in, const Stream& s) {
  return in.flags().row_contiguous ? in : row_major_copy(in, s);
}

}  // namespace kiln::cuda
