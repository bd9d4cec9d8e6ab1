#include "kiln/backend/common/strided.h"

namespace kiln {

CollapsedLayout collapse_contiguous_dims(const Shape& shape,
                                         const std::vector<Strides>& strides) {
  CollapsedLayout out;
  out.strides.resize(strides.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !out.shape.empty();
    for (size_t k = 0; merge && k < strides.size(); ++k) {
      merge = out.strides[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      out.shape.back() *= shape[d];
      for (size_t k = 0; k < strides.size(); ++k) out.strides[k].back() = strides[k][d];
    } else {
      out.shape.push_back(shape[d]);
      for (size_t k = 0; k < strides.size(); ++k) out.strides[k].push_back(strides[k][d]);
    }
  }
  if (out.shape.empty()) {
    out.shape.push_back(1);
    for (auto& s : out.strides) s.push_back(0);
  }
  return out;
}

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

Strides broadcast_strides(const array& in, const Shape& shape) {
  Strides s(shape.size(), 0);
  int off = int(shape.size()) - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) {
    s[off + i] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  return s;
}

}  // namespace kiln
