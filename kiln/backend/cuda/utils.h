// Small helpers shared by the CUDA backend's host code.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kiln/allocator.h"

namespace kiln::cuda {

// Throws a std::runtime_error naming the failed call (out_of_memory for allocation failures).
inline void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  std::string msg = std::string("[cuda] ") + what + ": " + cudaGetErrorString(err);
  if (err == cudaErrorMemoryAllocation) throw out_of_memory(msg);
  throw std::runtime_error(msg);
}
#define KILN_CUDA_CHECK(call) ::kiln::cuda::check((call), #call)

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace kiln::cuda
