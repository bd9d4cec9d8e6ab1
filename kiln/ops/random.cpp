#include "kiln/ops/random.h"

#include <chrono>
#include <cmath>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <string>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/random.h"

namespace kiln::random {

namespace {

std::string describe(const array& a) {
  return std::string(dtype_name(a.dtype())) + " array of shape " + shape_to_string(a.shape());
}

const array& check_key(const array& key, const char* op) {
  if (key.dtype() != uint32 || key.shape() != Shape{2}) {
    fail(op, "a key must be a uint32 array of shape (2,); got a ", describe(key));
  }
  return key;
}

array resolve_key(const std::optional<array>& key, const char* op, StreamOrDevice s) {
  return key ? check_key(*key, op) : next_key(s);
}

void check_float(Dtype dtype, const char* op) {
  if (!is_floating_point(dtype)) {
    fail(op, "dtype must be a real floating-point type; got ", dtype_name(dtype));
  }
}

void check_real(const array& a, const char* op, const char* what) {
  if (is_complex(a.dtype())) {
    fail(op, what, " must be real; got a ", describe(a));
  }
}

// A parameter of the distribution must broadcast to the requested shape without growing it.
void check_fits(const array& a, const Shape& shape, const char* op, const char* what) {
  bool ok = size_t(a.ndim()) <= shape.size();
  for (int i = 1; ok && i <= a.ndim(); ++i) {
    int64_t d = a.shape()[a.ndim() - i];
    ok = d == 1 || d == shape[shape.size() - i];
  }
  if (!ok) {
    fail(op, what, " of shape ", shape_to_string(a.shape()),
         " does not broadcast to the requested shape ", shape_to_string(shape));
  }
}

// The float type the samples are computed in: float64 for float64, else float32 (16-bit
// results round once at the end).
Dtype compute_dtype(Dtype d) { return d == float64 ? float64 : float32; }

// Uniform on a grid in [0, 1) whose every value is exact: k * 2^-p, 0 <= k < 2^p, with
// p = 24 (float32) or 53 (float64). With `odd`, only odd k: never 0, and symmetric about 1/2,
// so 2v - 1 is exact too and never -1, 0 or 1.
array unit_grid(const Shape& shape, Dtype c, bool odd, const array& key, Stream s) {
  bool wide = c == float64;
  array k = right_shift(bits(shape, wide ? 8 : 4, key, s),
                        wide ? array(uint64_t(11)) : array(uint32_t(8)), s);
  if (odd) k = bitwise_or(k, array(1, k.dtype()), s);
  return multiply(astype(k, c, s), array(std::ldexp(1.0, wide ? -53 : -24), c), s);
}

array signed_odd_grid(const Shape& shape, Dtype c, const array& key, Stream s) {
  array v = unit_grid(shape, c, true, key, s);
  return subtract(add(v, v, s), array(1.0, c), s);
}

// The largest value of x's floating dtype below x (nextafter toward -inf), from its bits:
// a positive x steps its bit pattern down, a negative one (or a zero) steps its magnitude up.
array next_below(const array& x, Stream s) {
  Dtype it = x.itemsize() == 8 ? int64 : x.itemsize() == 4 ? int32 : int16;
  array v = view(x, it, s);
  array zero(0, it), one(1, it), sign_bit(iinfo(it).min, it);
  array neg = add(where(equal(v, zero, s), sign_bit, v, s), one, s);
  return view(where(greater(v, zero, s), subtract(v, one, s), neg, s), x.dtype(), s);
}

// floor(b * r / 2^64) for uint64 b and r, from 32-bit halves (no product overflows). With
// `small_range` r <= 2^32, and the high half of r is not needed.
array mul_high(const array& b, const array& r, bool small_range, Stream s) {
  array mask(uint64_t(0xffffffffu)), shift(uint64_t(32));
  array bh = right_shift(b, shift, s), bl = bitwise_and(b, mask, s);
  auto hi = [&](const array& x) { return right_shift(x, shift, s); };
  if (small_range) {
    // bh * r <= (2^32 - 1) 2^32 and (bl * r) >> 32 < 2^32: the sum fits.
    return hi(add(multiply(bh, r, s), hi(multiply(bl, r, s)), s));
  }
  array rh = hi(r), rl = bitwise_and(r, mask, s);
  array t = multiply(bl, rl, s);
  array u = add(multiply(bh, rl, s), hi(t), s);
  array v = add(multiply(bl, rh, s), bitwise_and(u, mask, s), s);
  return add(add(multiply(bh, rh, s), hi(u), s), hi(v), s);
}

// N(0, 1) samples in the real type c, by inverting the CDF on an exact grid (never infinite).
// For complex64 the real and imaginary parts are independent N(0, 1/2), so that E|z|^2 = 1
// (MLX's convention).
array standard_normal(const Shape& shape, Dtype c, const array& key, Stream s) {
  if (is_complex(c)) {
    Shape parts = shape;
    parts.push_back(2);
    array u = signed_odd_grid(parts, float32, key, s);
    array z = erfinv(u, s);  // sqrt(2) erfinv(u) is N(0, 1); erfinv(u) is N(0, 1/2)
    array re = astype(take(z, 0, -1, s), complex64, s);
    array im = astype(take(z, 1, -1, s), complex64, s);
    return add(re, multiply(im, array(complex64_t(0.0f, 1.0f)), s), s);
  }
  array u = signed_odd_grid(shape, c, key, s);
  return multiply(erfinv(u, s), array(std::numbers::sqrt2, c), s);
}

// The global key sequence of the C++ API (Python keeps its own, in mx.random.state).
class KeySequence {
 public:
  static KeySequence& global() {
    // Never destroyed: its key must not be freed after the allocator at exit.
    static KeySequence* seq = new KeySequence();
    return *seq;
  }
  void seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    key_ = key(seed);
  }
  array next(StreamOrDevice s) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [keep, out] = split(key_, s);
    key_ = keep;
    return out;
  }

 private:
  KeySequence()
      : key_(key(uint64_t(std::chrono::system_clock::now().time_since_epoch().count()))) {}
  std::mutex mutex_;
  array key_;
};

}  // namespace

array key(uint64_t seed) {
  return array({uint32_t(seed >> 32), uint32_t(seed)});
}

void seed(uint64_t seed) { KeySequence::global().seed(seed); }

array next_key(StreamOrDevice s) { return KeySequence::global().next(s); }

array bits(const Shape& shape, int width, const std::optional<array>& key, StreamOrDevice s) {
  if (width != 4 && width != 8) {
    fail("bits", "width must be 4 (uint32) or 8 (uint64) bytes; got ", width);
  }
  shape_size(shape);  // rejects negative dimensions
  array k = resolve_key(key, "bits", s);
  auto p = std::make_shared<RandomBits>(to_stream(s), shape, width);
  return array(shape, p->dtype(), p, {k});
}

array split(const array& key, int num, StreamOrDevice s) {
  check_key(key, "split");
  if (num < 0) {
    fail("split", "num must be non-negative; got ", num);
  }
  return bits({num, 2}, 4, key, s);
}

std::pair<array, array> split(const array& key, StreamOrDevice s) {
  array keys = split(key, 2, s);
  return {take(keys, 0, 0, s), take(keys, 1, 0, s)};
}

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "uniform");
  check_real(low, "uniform", "low");
  check_real(high, "uniform", "high");
  shape_size(shape);
  array lo = astype(low, dtype, s), hi = astype(high, dtype, s);
  check_fits(lo, shape, "uniform", "low");
  check_fits(hi, shape, "uniform", "high");
  Stream st = to_stream(s);
  Dtype c = compute_dtype(dtype);
  array u = unit_grid(shape, c, false, resolve_key(key, "uniform", s), st);
  array lo_c = astype(lo, c, s);
  array r = astype(add(lo_c, multiply(subtract(astype(hi, c, s), lo_c, s), u, s), s), dtype, s);
  // Rounding (in the compute type, then to dtype) can reach high: step back below it.
  r = minimum(r, stop_gradient(next_below(hi, st), s), s);
  return maximum(r, lo, s);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key,
              StreamOrDevice s) {
  return uniform(array(0.0, dtype), array(1.0, dtype), shape, dtype, key, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key,
             StreamOrDevice s) {
  if (!is_inexact(dtype)) {
    fail("normal", "dtype must be a floating-point or complex type; got ", dtype_name(dtype));
  }
  shape_size(shape);
  for (auto [param, what] : {std::pair{&loc, "loc"}, std::pair{&scale, "scale"}}) {
    if (*param) {
      // A complex distribution may have a complex mean; a scale is always real.
      if (!(is_complex(dtype) && param == &loc)) check_real(**param, "normal", what);
      check_fits(**param, shape, "normal", what);
    }
  }
  Dtype c = is_complex(dtype) ? complex64 : compute_dtype(dtype);
  array z = standard_normal(shape, c, resolve_key(key, "normal", s), to_stream(s));
  if (scale) z = multiply(astype(*scale, c, s), z, s);
  if (loc) z = add(astype(*loc, c, s), z, s);
  return astype(z, dtype, s);
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_integral(dtype) && dtype != bool_) {
    fail("randint", "dtype must be an integer type or bool; got ", dtype_name(dtype));
  }
  for (const array* b : {&low, &high}) {
    if (!is_integral(b->dtype()) && b->dtype() != bool_) {
      fail("randint", "low and high must be integers; got a ", describe(*b));
    }
  }
  shape_size(shape);
  check_fits(low, shape, "randint", "low");
  check_fits(high, shape, "randint", "high");
  Stream st = to_stream(s);
  // Bounds in 64-bit arithmetic (unsigned when one is uint64), where high - low cannot
  // overflow as an unsigned range.
  Dtype wide = low.dtype() == uint64 || high.dtype() == uint64 ? uint64 : int64;
  array lo = astype(low, wide, s), hi = astype(high, wide, s);
  array range = where(greater(hi, lo, s), astype(subtract(hi, lo, s), uint64, s),
                      array(uint64_t(0)), s);
  bool small = dtype.size <= 4;
  // A narrower dtype spans at most 2^32 values; wider bounds wrap into it anyway.
  if (small) range = minimum(range, array(uint64_t(1) << 32), s);
  array b = bits(shape, 8, resolve_key(key, "randint", s), s);
  array offset = mul_high(b, range, small, st);
  return astype(add(lo, astype(offset, wide, s), s), dtype, s);
}

array bernoulli(const array& p, const std::optional<Shape>& shape,
                const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    fail("bernoulli", "p must be a real floating-point array; got a ", describe(p));
  }
  Shape out = shape ? *shape : p.shape();
  shape_size(out);
  check_fits(p, out, "bernoulli", "p");
  Dtype c = compute_dtype(p.dtype());
  array u = unit_grid(out, c, false, resolve_key(key, "bernoulli", s), to_stream(s));
  return less(u, astype(p, c, s), s);
}

array truncated_normal(const array& lower, const array& upper, const std::optional<Shape>& shape,
                       Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "truncated_normal");
  check_real(lower, "truncated_normal", "lower");
  check_real(upper, "truncated_normal", "upper");
  array lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  Shape out = shape ? *shape : broadcast_shapes(lo.shape(), hi.shape(), "truncated_normal");
  shape_size(out);
  check_fits(lo, out, "truncated_normal", "lower");
  check_fits(hi, out, "truncated_normal", "upper");
  // Inverse CDF in float64, where erf of the bounds keeps the tails apart.
  array lo64 = astype(lo, float64, s), hi64 = astype(hi, float64, s);
  array rt2(std::numbers::sqrt2);
  array a = erf(divide(lo64, rt2, s), s), b = erf(divide(hi64, rt2, s), s);
  array v = unit_grid(out, float64, true, resolve_key(key, "truncated_normal", s), to_stream(s));
  array u = add(a, multiply(subtract(b, a, s), v, s), s);
  // An infinite bound puts erf(bound) at +-1, which rounding may reach: stay inside.
  array edge(1.0 - std::ldexp(1.0, -53));
  u = maximum(minimum(u, edge, s), negative(edge, s), s);
  array z = multiply(erfinv(u, s), rt2, s);
  // The bounds are values of dtype, so rounding the clipped samples keeps them inside.
  z = maximum(minimum(z, hi64, s), lo64, s);
  return astype(z, dtype, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key,
             StreamOrDevice s) {
  check_float(dtype, "gumbel");
  shape_size(shape);
  Dtype c = compute_dtype(dtype);
  array v = unit_grid(shape, c, true, resolve_key(key, "gumbel", s), to_stream(s));
  return astype(negative(log(negative(log(v, s), s), s), s), dtype, s);
}

array categorical(const array& logits, int axis, const std::optional<Shape>& shape,
                  const std::optional<int64_t>& num_samples, const std::optional<array>& key,
                  StreamOrDevice s) {
  if (shape && num_samples) {
    throw std::invalid_argument("[categorical] at most one of shape and num_samples may be given");
  }
  if (logits.ndim() == 0) {
    throw std::invalid_argument("[categorical] logits must have at least one dimension");
  }
  check_real(logits, "categorical", "logits");
  int ax = normalize_axis(axis, logits.ndim(), "categorical");
  Shape rest = logits.shape();
  rest.erase(rest.begin() + ax);
  int64_t classes = logits.shape()[ax];
  array x = logits;
  Shape out = rest;
  if (num_samples) {
    if (*num_samples < 0) {
      fail("categorical", "num_samples must be non-negative; got ", *num_samples);
    }
    // A trailing axis of samples: the logits broadcast along it.
    x = expand_dims(logits, {-1}, s);
    out.push_back(*num_samples);
  } else if (shape) {
    shape_size(*shape);
    bool ok = rest.size() <= shape->size();
    for (size_t i = 1; ok && i <= rest.size(); ++i) {
      ok = rest[rest.size() - i] == 1 || rest[rest.size() - i] == (*shape)[shape->size() - i];
    }
    if (!ok) {
      fail("categorical", "the logits' other axes, of shape ", shape_to_string(rest),
           ", do not broadcast to the requested shape ", shape_to_string(*shape));
    }
    out = *shape;
  }
  if (classes == 0 && shape_size(out) > 0) {
    throw std::invalid_argument("[categorical] cannot sample from zero classes");
  }
  // The class axis sits where the logits' trailing axes (class axis first) line up.
  int64_t pos = int64_t(out.size()) - (x.ndim() - ax);
  Shape noise_shape = out;
  noise_shape.insert(noise_shape.begin() + pos + 1, classes);
  Dtype c = compute_dtype(is_floating_point(logits.dtype()) ? logits.dtype() : float32);
  array g = gumbel(noise_shape, c, resolve_key(key, "categorical", s), s);
  return argmax(add(astype(x, c, s), g, s), int(pos + 1), false, s);
}

array laplace(const Shape& shape, Dtype dtype, double loc, double scale,
              const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "laplace");
  shape_size(shape);
  Dtype c = compute_dtype(dtype);
  array u = signed_odd_grid(shape, c, resolve_key(key, "laplace", s), to_stream(s));
  // |u| is uniform in (0, 1), so -log(1 - |u|) is exponential; the sign of u makes it two-sided.
  array x = multiply(sign(u, s), negative(log1p(negative(abs(u, s), s), s), s), s);
  x = add(array(loc, c), multiply(array(scale, c), x, s), s);
  return astype(x, dtype, s);
}

array permutation(int64_t n, const std::optional<array>& key, StreamOrDevice s) {
  if (n < 0) {
    fail("permutation", "n must be non-negative; got ", n);
  }
  if (key) check_key(*key, "permutation");
  throw std::runtime_error("[permutation] needs argsort, which Kiln does not have yet");
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  normalize_axis(axis, x.ndim(), "permutation");
  if (key) check_key(*key, "permutation");
  throw std::runtime_error("[permutation] needs argsort, which Kiln does not have yet");
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "multivariate_normal");
  if (mean.ndim() < 1 || cov.ndim() < 2) {
    fail("multivariate_normal", "mean must be at least 1-d and cov at least 2-d; got a ",
         describe(mean), " and a ", describe(cov));
  }
  int64_t n = mean.shape().back();
  if (cov.shape()[cov.ndim() - 1] != n || cov.shape()[cov.ndim() - 2] != n) {
    fail("multivariate_normal", "cov must end in (", n, ", ", n, ") to match mean; got shape ",
         shape_to_string(cov.shape()));
  }
  if (key) check_key(*key, "multivariate_normal");
  throw std::runtime_error("[multivariate_normal] needs a Cholesky factorization "
                           "(linalg.cholesky), which Kiln does not have yet");
}

}  // namespace kiln::random
