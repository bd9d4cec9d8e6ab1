#include "kiln/backend/cpu/reduce_layout.h"

#include "kiln/backend/cpu/copy.h"

namespace kiln::cpu {

Odometer::Odometer(const Shape& shape, const Strides& s0, const Strides& s1)
    : shape_(shape), s0_(s0), s1_(s1), idx_(shape.size(), 0) {}

void Odometer::seek(int64_t flat) {
  off_[0] = off_[1] = 0;
  for (int d = int(shape_.size()) - 1; d >= 0; --d) {
    idx_[d] = flat % shape_[d];
    flat /= shape_[d];
    off_[0] += idx_[d] * s0_[d];
    off_[1] += idx_[d] * s1_[d];
  }
}

void Odometer::next() {
  for (int d = int(shape_.size()) - 1; d >= 0; --d) {
    if (++idx_[d] < shape_[d]) {
      off_[0] += s0_[d];
      off_[1] += s1_[d];
      return;
    }
    off_[0] -= (shape_[d] - 1) * s0_[d];
    off_[1] -= (shape_[d] - 1) * s1_[d];
    idx_[d] = 0;
  }
}

array row_major_copy(const array& in) {
  array tmp(in.shape(), in.dtype(), nullptr, {});
  copy_to_new(in, tmp, /*row_major=*/true);
  return tmp;
}

AxisBlocks::AxisBlocks(const array& in, int axis) : donatable(in.is_donatable()), src(in) {
  if (!in.flags().row_contiguous) {
    src = row_major_copy(in);
    donatable = true;
  }
  for (int i = 0; i < in.ndim(); ++i) (i < axis ? pre : i == axis ? n : post) *= in.shape()[i];
}

}  // namespace kiln::cpu
