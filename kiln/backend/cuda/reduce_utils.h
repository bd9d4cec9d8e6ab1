// Host helpers shared by the launch code of the reduction family (reduce.cpp, softmax.cpp,
// scan.cpp): launch shapes. The generic launch vocabulary (block sizes, grids, pack_dims,
// scratch) is in launch.h.
#pragma once

#include <algorithm>
#include <bit>
#include <unordered_map>
#include <utility>

#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/backend/cuda/kernels/reduce_params.cuh"
#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

// The reduction kernels' block size: kernels/reduce_params.cuh, as the kernels size shared
// memory by it.
using cu::kReduceThreads;

// Threads working on one output: a block for long reductions, a warp for medium ones, one
// thread for short ones.
inline int group_size(int64_t per_output) {
  return per_output >= 2048 ? kReduceThreads : per_output >= 64 ? 32 : 1;
}

// Block shape of the kernels that run across columns: up to a warp of adjacent columns (x)
// and, for the rest of the 256 threads, chunks of the `n` positions each column combines (y).
inline dim3 column_block(int64_t cols, int64_t n) {
  int bx = int(std::min<uint64_t>(32, std::bit_ceil(uint64_t(std::max<int64_t>(cols, 1)))));
  int by = int(std::clamp<int64_t>(n, 1, kReduceThreads / bx));
  return dim3(bx, by);
}

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

}  // namespace kiln::cuda
