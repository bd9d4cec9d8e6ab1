// Kernel parameter blocks shared by host launch code and device code (passed by value).
#pragma once

#include "kiln/types/host_device.h"

namespace kiln::cu {

constexpr int kMaxDims = 10;

// An N-d index space and the element strides of K operands over it (after merging
// dimensions that are contiguous for every operand).
template <int K>
struct Strided {
  int ndim;
  long long shape[kMaxDims];
  long long strides[K][kMaxDims];
};

// Element offsets of linear index `i` (row-major over shape) in each operand.
template <int K>
KILN_HD void strided_offsets(const Strided<K>& p, long long i, long long (&off)[K]) {
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (int d = p.ndim - 1; d >= 0; --d) {
    long long c = i % p.shape[d];
    i /= p.shape[d];
    for (int k = 0; k < K; ++k) off[k] += c * p.strides[k][d];
  }
}

// A scalar operand passed by value: its bytes, read back as the element type.
struct ScalarBits {
  unsigned long long words[2];
};
template <typename T>
KILN_HD T scalar_value(const ScalarBits& b) {
  return *reinterpret_cast<const T*>(b.words);
}

// A batched 2-d transposing copy (kernels/copy.cuh: copy_transpose).
struct TransposeParams {
  long long rows, cols, batch;
  long long src_row, src_col, src_batch;  // element strides (src_row is usually 1)
  long long dst_row, dst_col, dst_batch;  // (dst_col is usually 1)
};

}  // namespace kiln::cu
