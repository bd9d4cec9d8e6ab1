#include "kiln/primitives/pad.h"

namespace kiln {

namespace {
int64_t floor_mod(int64_t a, int64_t m) {
  int64_t r = a % m;
  return r < 0 ? r + m : r;
}
}  // namespace

std::vector<AxisMap> Pad::axis_maps(const Shape& in_shape) const {
  std::vector<AxisMap> maps(in_shape.size());
  for (size_t d = 0; d < in_shape.size(); ++d) {
    int64_t n = in_shape[d], lo = low_[d];
    AxisMap& m = maps[d];
    m.resize(size_t(lo + n + high_[d]));
    for (int64_t i = 0; i < int64_t(m.size()); ++i) {
      int64_t k = i - lo;  // position relative to the input
      if (k >= 0 && k < n) {
        m[i] = k;
        continue;
      }
      switch (mode_) {
        case PadMode::constant:
          m[i] = -1;
          break;
        case PadMode::edge:
          m[i] = k < 0 ? 0 : n - 1;
          break;
        case PadMode::reflect: {  // period 2(n - 1): 0 1 .. n-1 n-2 .. 1
          int64_t p = 2 * (n - 1);
          int64_t t = p == 0 ? 0 : floor_mod(k, p);
          m[i] = t < n ? t : p - t;
          break;
        }
        case PadMode::symmetric: {  // period 2n: 0 1 .. n-1 n-1 .. 0
          int64_t t = floor_mod(k, 2 * n);
          m[i] = t < n ? t : 2 * n - 1 - t;
          break;
        }
      }
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
    for (int64_t i = 0; i < n; ++i) maps[d][i] = floor_mod(i - shifts_[d], n);
  }
  return maps;
}

bool Roll::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Roll*>(&other);
  return o && o->shifts_ == shifts_;
}

}  // namespace kiln
