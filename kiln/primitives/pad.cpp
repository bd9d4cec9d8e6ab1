#include "kiln/primitives/pad.h"

#include "kiln/backend/common/index_map.h"

namespace kiln {

static_assert(int(PadMode::constant) == index_map::constant &&
              int(PadMode::edge) == index_map::edge &&
              int(PadMode::reflect) == index_map::reflect &&
              int(PadMode::symmetric) == index_map::symmetric);

std::vector<AxisMap> Pad::axis_maps(const Shape& in_shape) const {
  std::vector<AxisMap> maps(in_shape.size());
  for (size_t d = 0; d < in_shape.size(); ++d) {
    AxisMap& m = maps[d];
    m.resize(size_t(low_[d] + in_shape[d] + high_[d]));
    for (int64_t i = 0; i < int64_t(m.size()); ++i) {
      m[i] = index_map::source_index(i, low_[d], in_shape[d], int(mode_));
    }
  }
  return maps;
}

bool Pad::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Pad*>(&other);
  return o && o->low_ == low_ && o->high_ == high_ && o->mode_ == mode_;
}

std::vector<Shape> Pad::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  for (size_t d = 0; d < s.size(); ++d) s[d] += low_[d] + high_[d];
  return {s};
}

std::vector<AxisMap> Roll::axis_maps(const Shape& in_shape) const {
  std::vector<AxisMap> maps(in_shape.size());
  for (size_t d = 0; d < in_shape.size(); ++d) {
    int64_t n = in_shape[d];
    maps[d].resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) {
      maps[d][i] = index_map::source_index(i, shifts_[d], n, index_map::wrap);
    }
  }
  return maps;
}

bool Roll::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Roll*>(&other);
  return o && o->shifts_ == shifts_;
}

}  // namespace kiln
