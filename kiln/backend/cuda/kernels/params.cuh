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

// Element offsets of linear index `i` (row-major over shape) in each operand. With
// skip_last, `i` numbers the rows (every dimension but the last, which the caller walks).
template <int K>
KILN_HD void strided_offsets(const Strided<K>& p, long long i, long long (&off)[K],
                             bool skip_last = false) {
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (int d = p.ndim - 1 - int(skip_last); d >= 0; --d) {
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

// How binary_dense (kernels/elementwise.cuh) reads an operand, its SA/SB template arguments:
// element 0 of device memory, a dense vector, or the value passed in ScalarBits.
enum OperandRead { kReadElement0 = 0, kReadDense = 1, kReadByValue = 2 };

// Vectors per warp task of copy_rows (kernels/copy.cuh).
constexpr int kCopyRowSpan = 128;

// Warps per gemv_cols block (kernels/gemv.cuh): they split the block's rows of k and meet in
// shared memory.
constexpr int kGemvColWarps = 8;

// A transposing copy (kernels/copy.cuh: copy_transpose): dst[b, r, c] = src[b, r, c], where
// r is the source's contiguous axis and c the destination's; b runs over the remaining axes.
// It moves kTransposeTile x kTransposeTile tiles with blocks of kTransposeThreads.
constexpr int kTransposeTile = 64;
constexpr int kTransposeThreads = 256;
// Elements per access of copy_transpose's vectorized path: 16 bytes of the wider type, at
// most 4 elements (the host checks strides and alignment against the same width).
KILN_HD constexpr int transpose_width(int in_size, int out_size) {
  return (in_size > out_size ? in_size : out_size) >= 8 ? 2 : 4;
}
struct TransposeParams {
  long long rows, cols;
  long long src_row, src_col;  // element strides (src_row is 1)
  long long dst_row, dst_col;  // (dst_col is 1)
  int vectorized;              // unit inner strides and alignment allow 16-byte accesses
  int batch_ndim;
  long long batch;             // product of batch_shape
  long long batch_shape[kMaxDims];
  long long src_batch[kMaxDims], dst_batch[kMaxDims];
};

// Pad and Roll (kernels/pad.cuh): output element (i_0, ..., i_{n-1}) reads the input at
// sum_d index_map::source_index(i_d, low[d], in_shape[d], mode) * in_strides[d], or takes the
// fill value when some axis maps to -1. remap_rows gives each warp kRemapSpan columns of a row.
constexpr int kRemapSpan = 128;
struct RemapParams {
  int ndim, mode;
  long long rows, cols;  // cols: the last output axis; rows: the product of the others
  long long out_shape[kMaxDims], in_shape[kMaxDims], in_strides[kMaxDims], low[kMaxDims];
};

}  // namespace kiln::cu
