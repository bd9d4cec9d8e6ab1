// Layout helpers shared by the CPU kernels and the CUDA launch code: merging dimensions
// that are contiguous for every operand, and walking an N-d index space row by row.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kiln/array.h"

namespace kiln {

// Shape and per-operand strides after dropping size-1 dimensions and merging each pair of
// neighbours that is contiguous in every operand. A 0-d or all-ones shape becomes {1}.
struct CollapsedLayout {
  Shape shape;
  std::vector<Strides> strides;  // one per operand
};
CollapsedLayout collapse_contiguous_dims(const Shape& shape,
                                         const std::vector<Strides>& strides);

// Strides of `in` seen through a broadcast to `shape` (0 on broadcast dimensions).
Strides broadcast_strides(const array& in, const Shape& shape);

// Calls inner(offsets, n, inner_strides) for each row (the last dimension) of `shape` with
// index in [row_begin, row_end), where offsets are the element offsets of the row's first
// element in each of the K operands.
template <size_t K, typename F>
void for_each_row(const Shape& shape, const std::array<const int64_t*, K>& strides,
                  int64_t row_begin, int64_t row_end, F&& inner) {
  int nd = int(shape.size());
  int64_t n = shape[nd - 1];
  std::array<int64_t, K> inner_strides;
  for (size_t k = 0; k < K; ++k) inner_strides[k] = strides[k][nd - 1];
  // Start position: decompose row_begin over the outer dimensions.
  std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
  std::array<int64_t, K> off{};
  int64_t r = row_begin;
  for (int d = nd - 2; d >= 0; --d) {
    idx[d] = r % shape[d];
    r /= shape[d];
    for (size_t k = 0; k < K; ++k) off[k] += idx[d] * strides[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    inner(off, n, inner_strides);
    // Advance the outer index like an odometer.
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        for (size_t k = 0; k < K; ++k) off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < K; ++k) off[k] -= (shape[d] - 1) * strides[k][d];
      idx[d] = 0;
    }
  }
}

// Number of rows (product of all but the last dimension).
inline int64_t row_count(const Shape& shape) {
  int64_t n = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) n *= shape[i];
  return n;
}

}  // namespace kiln
