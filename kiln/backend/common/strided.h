// Layout helpers shared by the CPU kernels and the CUDA launch code: merging dimensions
// that are contiguous for every operand, walking an N-d index space row by row
// (for_each_row) or element by element (Odometer), and seeing an array as blocks around an
// axis.
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

// Walks a multi-dimensional index space in row-major order one element at a time, keeping
// the element offsets of up to two operands.
class Odometer {
 public:
  Odometer(const Shape& shape, const Strides& s0, const Strides& s1);
  Odometer(const Shape& shape, const Strides& s0) : Odometer(shape, s0, s0) {}
  void seek(int64_t flat);  // jump to a row-major position
  void next();
  int64_t off0() const { return off_[0]; }
  int64_t off1() const { return off_[1]; }

 private:
  const Shape& shape_;
  const Strides& s0_;
  const Strides& s1_;
  std::vector<int64_t> idx_;
  int64_t off_[2] = {0, 0};
};

// `in` seen as row-major (pre, n, post) blocks around `axis`, for kernels that run along one
// axis: `in` itself when row-contiguous, else row_major_copy(in) (the backend's copy).
struct AxisBlocks {
  bool donatable;  // nothing else needs src's memory (checked before src adds a reference)
  array src;
  int64_t pre = 1, n = 1, post = 1;
  template <typename RowMajorCopy>
  AxisBlocks(const array& in, int axis, RowMajorCopy&& row_major_copy)
      : donatable(in.is_donatable() || !in.flags().row_contiguous),
        src(in.flags().row_contiguous ? in : row_major_copy(in)) {
    for (int i = 0; i < in.ndim(); ++i) (i < axis ? pre : i == axis ? n : post) *= in.shape()[i];
  }
};

// Number of rows (product of all but the last dimension).
inline int64_t row_count(const Shape& shape) {
  int64_t n = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) n *= shape[i];
  return n;
}

}  // namespace kiln
