#include "kiln/ops/creation.h"

#include <cmath>

#include "kiln/ops/shape.h"
#include "kiln/primitives/creation.h"

namespace kiln {

array full(Shape shape, const array& value, std::optional<Dtype> dtype, StreamOrDevice s) {
  shape_size(shape);  // validates the dims
  Dtype dt = dtype.value_or(value.dtype());
  array v = astype(value, dt, s);
  if (v.ndim() > 0) {
    // An array value broadcasts to the shape (then is copied, so the result is dense).
    return contiguous(broadcast_to(v, shape, s), false, s);
  }
  return array(std::move(shape), dt, std::make_shared<Full>(to_stream(s)), {v});
}

array zeros(Shape shape, Dtype dtype, StreamOrDevice s) {
  return full(std::move(shape), array(0, dtype), dtype, s);
}
array ones(Shape shape, Dtype dtype, StreamOrDevice s) {
  return full(std::move(shape), array(1, dtype), dtype, s);
}
array zeros_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  return zeros(a.shape(), dtype.value_or(a.dtype()), s);
}
array ones_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  return ones(a.shape(), dtype.value_or(a.dtype()), s);
}
array full_like(const array& a, const array& value, std::optional<Dtype> dtype,
                StreamOrDevice s) {
  return full(a.shape(), value, dtype.value_or(a.dtype()), s);
}

array arange(double start, double stop, double step, std::optional<Dtype> dtype,
             bool integral_bounds, StreamOrDevice s) {
  if (step == 0) throw std::invalid_argument("[arange] step must not be zero");
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    throw std::invalid_argument("[arange] start, stop and step must be finite");
  }
  Dtype dt = dtype.value_or(integral_bounds ? int32 : float32);
  if (dt == bool_) throw std::invalid_argument("[arange] bool dtype is not supported");
  double n = std::ceil((stop - start) / step);
  int64_t size = n > 0 ? int64_t(n) : 0;
  if (is_integral(dt)) {
    // Integer ranges step by whole numbers, as NumPy's do for integer arguments.
    start = std::trunc(start);
    step = std::trunc(step);
    if (step == 0) throw std::invalid_argument("[arange] integer step rounds to zero");
  }
  return array(Shape{size}, dt, std::make_shared<Arange>(to_stream(s), start, stop, step), {});
}

array arange(double stop, std::optional<Dtype> dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, std::floor(stop) == stop, s);
}

}  // namespace kiln
