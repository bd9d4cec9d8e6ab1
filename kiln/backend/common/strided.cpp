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

Strides broadcast_strides(const array& in, const Shape& shape) {
  Strides s(shape.size(), 0);
  int off = int(shape.size()) - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) {
    s[off + i] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  return s;
}

}  // namespace kiln
