#include "kiln/ops/creation.h"

#include <cmath>
#include <cstdint>
#include <numbers>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/creation.h"

namespace kiln {

namespace {
// full, zeros and ones: `op` names the caller in errors.
array fill(Shape shape, const array& value, std::optional<Dtype> dtype, const char* op,
           StreamOrDevice s) {
  Dtype dt = dtype.value_or(value.dtype());
  checked_size(shape, dt, op);
  array v = astype(value, dt, s);
  if (v.ndim() > 0) {
    // An array value broadcasts to the shape (then is copied, so the result is dense).
    return contiguous(broadcast_to(v, shape, s), false, s);
  }
  auto p = std::make_shared<Full>(to_stream(s), shape);
  return array(std::move(shape), dt, std::move(p), {v});
}
}  // namespace

array full(Shape shape, const array& value, std::optional<Dtype> dtype, StreamOrDevice s) {
  return fill(std::move(shape), value, dtype, "full", s);
}
array zeros(Shape shape, Dtype dtype, StreamOrDevice s) {
  return fill(std::move(shape), array(0, dtype), dtype, "zeros", s);
}
array ones(Shape shape, Dtype dtype, StreamOrDevice s) {
  return fill(std::move(shape), array(1, dtype), dtype, "ones", s);
}
array full_like(const array& a, const array& value, std::optional<Dtype> dtype,
                StreamOrDevice s) {
  Dtype dt = dtype.value_or(a.dtype());
  if (!detail::in_shapeless_trace()) return full(a.shape(), value, dt, s);
  // Shapeless compile replays the trace on other shapes: the result must follow a's shape,
  // so it is a select whose condition has that shape, not a fill of a's shape now.
  array v = astype(value, dt, s);
  if (broadcast_shapes(v.shape(), a.shape(), "full_like") != a.shape()) {
    fail("full_like", "cannot broadcast a value of shape ", shape_to_string(v.shape()),
         " to shape ", shape_to_string(a.shape()));
  }
  return where(astype(a, bool_, s), v, v, s);
}
array zeros_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  return full_like(a, array(0, dtype.value_or(a.dtype())), dtype, s);
}
array ones_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  return full_like(a, array(1, dtype.value_or(a.dtype())), dtype, s);
}

array arange(double start, double stop, double step, std::optional<Dtype> dtype,
             bool integral_bounds, StreamOrDevice s) {
  if (step == 0) throw std::invalid_argument("[arange] step must not be zero");
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    throw std::invalid_argument("[arange] start, stop and step must be finite");
  }
  auto fits_int32 = [](double v) { return v >= INT32_MIN && v <= INT32_MAX; };
  Dtype dt = dtype.value_or(!integral_bounds                          ? float32
                            : fits_int32(start) && fits_int32(stop) ? int32
                                                                      : int64);
  if (dt == bool_) throw std::invalid_argument("[arange] bool dtype is not supported");
  double n = std::ceil((stop - start) / step);
  if (n >= 0x1p62) {
    fail("arange", "the range has too many elements (", n, ")");
  }
  int64_t size = n > 0 ? int64_t(n) : 0;
  // Integer dtypes take the first two values as whole numbers: they must fit.
  if (is_integral(dt) && size > 0 &&
      (std::abs(start) >= 0x1p63 || std::abs(start + step) >= 0x1p63)) {
    fail("arange", "start ", start, " and step are out of range for ", dtype_name(dt));
  }
  checked_size(Shape{size}, dt, "arange");
  return array(Shape{size}, dt, std::make_shared<Arange>(to_stream(s), start, stop, step), {});
}

array arange(int64_t start, int64_t stop, int64_t step, std::optional<Dtype> dtype,
             StreamOrDevice s) {
  if (step == 0) throw std::invalid_argument("[arange] step must not be zero");
  auto fits_int32 = [](int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; };
  Dtype dt = dtype.value_or(fits_int32(start) && fits_int32(stop) ? int32 : int64);
  if (dt == bool_) throw std::invalid_argument("[arange] bool dtype is not supported");
  // ceil((stop - start) / step) in 128 bits: the difference of two int64 may not fit one.
  __int128 span = __int128(stop) - start, n = 0;
  if ((span > 0) == (step > 0) && span != 0) {
    __int128 mag = span < 0 ? -span : span, st = step < 0 ? -__int128(step) : step;
    n = (mag + st - 1) / st;
  }
  if (n > INT64_MAX) fail("arange", "the range has too many elements");
  Shape shape{int64_t(n)};
  checked_size(shape, dt, "arange");
  return array(std::move(shape), dt, std::make_shared<Arange>(to_stream(s), start, stop, step),
               {});
}

array arange(double stop, std::optional<Dtype> dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, std::floor(stop) == stop, s);
}

array linspace(double start, double stop, int64_t num, bool endpoint, Dtype dtype,
               StreamOrDevice s) {
  if (num < 0) {
    fail("linspace", "number of samples must be non-negative, got ", num);
  }
  if (!std::isfinite(start) || !std::isfinite(stop)) {
    throw std::invalid_argument("[linspace] start and stop must be finite");
  }
  checked_size(Shape{num}, dtype, "linspace");
  auto p = std::make_shared<Linspace>(to_stream(s), start, stop, endpoint);
  return array(Shape{num}, dtype, std::move(p), {});
}

namespace {
// Row and column indices of an n x m grid of `dtype`, as (n, 1) and (m,) int64 arrays.
std::pair<array, array> grid_indices(int64_t n, int64_t m, Dtype dtype, const char* op,
                                     StreamOrDevice s) {
  if (n < 0 || m < 0) {
    fail(op, "negative dimensions (", n, ", ", m, ")");
  }
  checked_size({n, m}, dtype, op);
  array rows = reshape(arange(0.0, double(n), 1.0, int64, true, s), {n, 1}, s);
  return {rows, arange(0.0, double(m), 1.0, int64, true, s)};
}
}  // namespace

array eye(int64_t n, int64_t m, int k, Dtype dtype, StreamOrDevice s) {
  auto [rows, cols] = grid_indices(n, m, dtype, "eye", s);
  return astype(equal(add(rows, array(int64_t(k)), s), cols, s), dtype, s);
}

array identity(int64_t n, Dtype dtype, StreamOrDevice s) { return eye(n, n, 0, dtype, s); }

array tri(int64_t n, int64_t m, int k, Dtype dtype, StreamOrDevice s) {
  auto [rows, cols] = grid_indices(n, m, dtype, "tri", s);
  return astype(greater_equal(add(rows, array(int64_t(k)), s), cols, s), dtype, s);
}

array tril(const array& x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw std::invalid_argument("[tril] the array must have at least 2 dimensions");
  }
  array mask = tri(x.shape(-2), x.shape(-1), k, bool_, s);
  return where(mask, x, array(0, x.dtype()), s);
}

array triu(const array& x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw std::invalid_argument("[triu] the array must have at least 2 dimensions");
  }
  array mask = tri(x.shape(-2), x.shape(-1), k - 1, bool_, s);
  return where(mask, array(0, x.dtype()), x, s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    fail("meshgrid", "indexing must be 'xy' or 'ij', got '", indexing, "'");
  }
  size_t n = arrays.size();
  // Cartesian indexing swaps the first two output axes.
  auto position = [&](size_t i) {
    return indexing == "xy" && n >= 2 && i < 2 ? 1 - i : i;
  };
  Shape full(n);
  for (size_t i = 0; i < n; ++i) full[position(i)] = arrays[i].size();
  std::vector<array> out;
  for (size_t i = 0; i < n; ++i) {
    Shape shape(n, 1);
    shape[position(i)] = arrays[i].size();
    array g = reshape(arrays[i], shape, s);
    out.push_back(sparse ? g : broadcast_to(g, full, s));
  }
  return out;
}

namespace {
// The window sample positions 1 - M, 3 - M, ..., M - 1 divided by M - 1 (float64), or
// nullopt when M < 2 (the window is then empty or a single one).
std::optional<array> window_positions(int64_t M, StreamOrDevice s) {
  if (M < 2) return std::nullopt;
  array n = arange(double(1 - M), double(M), 2.0, float64, true, s);
  return divide(n, array(double(M - 1)), s);
}

array small_window(int64_t M, StreamOrDevice s) {
  return M < 1 ? zeros({0}, float32, s) : ones({1}, float32, s);
}

// sum_j coeffs[j] * cos(j * pi * x), in float64, returned as float32.
array cosine_window(int64_t M, std::initializer_list<double> coeffs, StreamOrDevice s) {
  auto x = window_positions(M, s);
  if (!x) return small_window(M, s);
  array w = array(0.0);
  int j = 0;
  for (double c : coeffs) {
    array term = array(c);
    if (j > 0) term = multiply(term, cos(multiply(*x, array(j * std::numbers::pi), s), s), s);
    w = add(w, term, s);
    ++j;
  }
  return astype(w, float32, s);
}
}  // namespace

array bartlett(int64_t M, StreamOrDevice s) {
  auto x = window_positions(M, s);
  if (!x) return small_window(M, s);
  return astype(subtract(array(1.0), abs(*x, s), s), float32, s);
}

array blackman(int64_t M, StreamOrDevice s) { return cosine_window(M, {0.42, 0.5, 0.08}, s); }
array hamming(int64_t M, StreamOrDevice s) { return cosine_window(M, {0.54, 0.46}, s); }
array hanning(int64_t M, StreamOrDevice s) { return cosine_window(M, {0.5, 0.5}, s); }

}  // namespace kiln
