// Host pieces shared by the launchers of kernels/elementwise.cuh (unary.cpp, binary.cpp).
#pragma once

#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

inline constexpr const char kElementwiseFile[] = "elementwise.cuh";

// Gives `out` the layout of dense `in`, taking in's memory when nothing else uses it (not a
// host scalar's: the kernel takes that by value, and its memory is on the host).
inline void set_output_like(const array& in, array& out, const Stream& s) {
  if (in.is_donatable() && in.itemsize() == out.itemsize() && !is_host_scalar(in)) {
    out.copy_shared_buffer(in);
  } else {
    allocate(out, s, in.data_size(), in.strides(), in.flags());
  }
}

}  // namespace kiln::cuda
