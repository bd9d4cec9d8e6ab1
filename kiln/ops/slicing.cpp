#include "kiln/ops/slicing.h"

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/primitives/slicing.h"

namespace kiln {

namespace {

std::pair<SliceSpec, Shape> make_spec(const array& a, const std::vector<SliceBound>& bounds,
                                      const char* op) {
  if (int(bounds.size()) > a.ndim()) {
    fail<std::out_of_range>(op, bounds.size(), " slices for an array of ", a.ndim(), " dimensions");
  }
  SliceSpec spec{Shape(a.ndim(), 0), Shape(a.ndim(), 1), a.shape()};
  for (size_t i = 0; i < bounds.size(); ++i) {
    auto r = resolve_slice(bounds[i], a.shape()[i]);
    spec.start[i] = r.start;
    spec.step[i] = r.step;
    spec.count[i] = r.count;
  }
  Shape shape = spec.count;
  return {std::move(spec), std::move(shape)};
}

std::vector<SliceBound> to_bounds(const Shape& start, const Shape& stop, const Shape* steps) {
  if (start.size() != stop.size() || (steps && steps->size() != start.size())) {
    throw std::invalid_argument("[slice] start, stop and steps must have the same length");
  }
  std::vector<SliceBound> b(start.size());
  for (size_t i = 0; i < start.size(); ++i) b[i] = {start[i], stop[i], steps ? (*steps)[i] : 1};
  return b;
}

}  // namespace

ResolvedSlice resolve_slice(const SliceBound& b, int64_t n) {
  int64_t step = b.step;
  if (step == 0) throw std::invalid_argument("[slice] slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    if (step > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  int64_t start = clamp(b.start, step > 0 ? 0 : n - 1);
  int64_t stop = clamp(b.stop, step > 0 ? n : -1);
  int64_t count;
  if (step > 0) {
    count = stop > start ? (stop - start + step - 1) / step : 0;
  } else {
    count = start > stop ? (start - stop - step - 1) / (-step) : 0;
  }
  if (count == 0) start = 0;
  return {start, step, count};
}

array slice(const array& a, const std::vector<SliceBound>& bounds, StreamOrDevice s) {
  auto [spec, shape] = make_spec(a, bounds, "slice");
  if (shape == a.shape()) {
    bool identity = true;
    for (int i = 0; i < a.ndim(); ++i) identity &= spec.step[i] == 1;
    if (identity) return a;
  }
  return array(std::move(shape), a.dtype(), std::make_shared<Slice>(to_stream(s), std::move(spec)),
               {a});
}

array slice(const array& a, const Shape& start, const Shape& stop, StreamOrDevice s) {
  return slice(a, to_bounds(start, stop, nullptr), s);
}

array slice(const array& a, const Shape& start, const Shape& stop, const Shape& steps,
            StreamOrDevice s) {
  return slice(a, to_bounds(start, stop, &steps), s);
}

array slice_update(const array& src, const array& update, const std::vector<SliceBound>& bounds,
                   StreamOrDevice s) {
  auto [spec, shape] = make_spec(src, bounds, "slice_update");
  array upd = astype(broadcast_to(update, shape, s), src.dtype(), s);
  return array(src.shape(), src.dtype(),
               std::make_shared<SliceUpdate>(to_stream(s), std::move(spec)), {src, upd});
}

array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop,
                   StreamOrDevice s) {
  return slice_update(src, update, to_bounds(start, stop, nullptr), s);
}

}  // namespace kiln
