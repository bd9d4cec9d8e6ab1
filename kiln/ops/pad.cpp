#include "kiln/ops/pad.h"

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/pad.h"

namespace kiln {

namespace {
PadMode parse_mode(const std::string& mode) {
  if (mode == "constant") return PadMode::constant;
  if (mode == "edge") return PadMode::edge;
  if (mode == "reflect") return PadMode::reflect;
  if (mode == "symmetric") return PadMode::symmetric;
  fail("pad", "unknown mode '", mode, "' (expected constant, edge, reflect or symmetric)");
}
}  // namespace

array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  if (int(pad_width.size()) != a.ndim()) {
    fail("pad", "expected ", a.ndim(), " (before, after) pairs, got ", pad_width.size());
  }
  PadMode m = parse_mode(mode);
  if (pad_value.size() != 1) {
    fail("pad", "the constant value must be a scalar, got shape ",
         shape_to_string(pad_value.shape()));
  }
  Shape low, high, shape = a.shape();
  bool any = false;
  for (int d = 0; d < a.ndim(); ++d) {
    auto [lo, hi] = pad_width[d];
    if (lo < 0 || hi < 0) {
      fail("pad", "negative pad width (", lo, ", ", hi, ") on axis ", d);
    }
    int64_t extra = checked_add(lo, hi, "pad");
    if (m != PadMode::constant && a.shape()[d] == 0 && extra > 0) {
      fail("pad", "cannot extend the empty axis ", d, " in mode '", mode, "'");
    }
    low.push_back(lo);
    high.push_back(hi);
    shape[d] = checked_add(shape[d], extra, "pad");
    any |= extra > 0;
  }
  if (!any) return a;
  checked_size(shape, a.dtype(), "pad");
  array value = astype(reshape(pad_value, {}, s), a.dtype(), s);
  auto p = std::make_shared<Pad>(to_stream(s), std::move(low), std::move(high), m);
  return array(std::move(shape), a.dtype(), std::move(p), {a, value});
}

array pad(const array& a, int64_t pad_width, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int64_t, int64_t>>(a.ndim(), {pad_width, pad_width}),
             pad_value, mode, s);
}

array roll(const array& a, int64_t shift, StreamOrDevice s) {
  return reshape(roll(reshape(a, {-1}, s), Shape{shift}, {0}, s), a.shape(), s);
}

array roll(const array& a, int64_t shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, {axis}, s);
}

array roll(const array& a, const Shape& shifts, const std::vector<int>& axes, StreamOrDevice s) {
  // Shifts and axes broadcast against each other, as in NumPy.
  size_t n = std::max(shifts.size(), axes.size());
  bool match = shifts.size() == axes.size() || shifts.size() == 1 || axes.size() == 1;
  if (shifts.empty() || !match) {
    fail("roll", shifts.size(), " shifts do not match ", axes.size(), " axes");
  }
  if (axes.empty()) return a;
  // Shifts for a repeated axis add up (NumPy's rule), modulo the axis length: each is reduced
  // before adding, so huge shifts cannot overflow.
  Shape per_axis(a.ndim(), 0);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    int ax = normalize_axis(axes[axes.size() == 1 ? 0 : i], a.ndim(), "roll");
    int64_t len = a.shape()[ax];
    if (len == 0) continue;
    int64_t shift = shifts[shifts.size() == 1 ? 0 : i] % len;
    if (shift < 0) shift += len;
    int64_t room = len - per_axis[ax];  // per_axis[ax] + shift, modulo len, without overflow
    per_axis[ax] = shift >= room ? shift - room : per_axis[ax] + shift;
  }
  for (auto shift : per_axis) any |= shift != 0;
  if (!any) return a;
  return array(a.shape(), a.dtype(), std::make_shared<Roll>(to_stream(s), std::move(per_axis)),
               {a});
}

}  // namespace kiln
