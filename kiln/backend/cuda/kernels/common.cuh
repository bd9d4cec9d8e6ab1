// Device-side vocabulary shared by the kernel files: the vector type of 16-byte accesses, and
// (params.cuh) the strided index spaces and their offsets.
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"

namespace kiln::cu {

// N elements moved by one aligned vector access.
template <typename T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

}  // namespace kiln::cu
