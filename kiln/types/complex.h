// complex64_t: two floats with the arithmetic and the elementary functions the ops need.
// Written once for host and device so CPU kernels and generated CUDA code agree.
#pragma once

#include "kiln/types/host_device.h"
#include "kiln/types/math.h"

namespace kiln {

struct alignas(8) complex64_t {
  float real;
  float imag;
  complex64_t() = default;
  KILN_HD constexpr complex64_t(float r, float i) : real(r), imag(i) {}
  KILN_HD constexpr complex64_t(float r) : real(r), imag(0.0f) {}
  KILN_HD constexpr complex64_t(double r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(int r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(unsigned r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(long r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(unsigned long r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(long long r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(unsigned long long r) : real(float(r)), imag(0.0f) {}
  KILN_HD constexpr complex64_t(bool r) : real(r ? 1.0f : 0.0f), imag(0.0f) {}
  // Casting a complex to a real type keeps the real part (as NumPy does, without a warning).
  KILN_HD explicit operator float() const { return real; }
  KILN_HD explicit operator double() const { return real; }
  KILN_HD explicit operator bool() const { return real != 0.0f || imag != 0.0f; }
  KILN_HD explicit operator int8_t() const { return int8_t(real); }
  KILN_HD explicit operator uint8_t() const { return uint8_t(real); }
  KILN_HD explicit operator int16_t() const { return int16_t(real); }
  KILN_HD explicit operator uint16_t() const { return uint16_t(real); }
  KILN_HD explicit operator int32_t() const { return int32_t(real); }
  KILN_HD explicit operator uint32_t() const { return uint32_t(real); }
  KILN_HD explicit operator int64_t() const { return int64_t(real); }
  KILN_HD explicit operator uint64_t() const { return uint64_t(real); }
};

KILN_HD complex64_t operator+(complex64_t a, complex64_t b) { return {a.real + b.real, a.imag + b.imag}; }
KILN_HD complex64_t operator-(complex64_t a, complex64_t b) { return {a.real - b.real, a.imag - b.imag}; }
KILN_HD complex64_t operator-(complex64_t a) { return {-a.real, -a.imag}; }
KILN_HD complex64_t operator*(complex64_t a, complex64_t b) {
  return {a.real * b.real - a.imag * b.imag, a.real * b.imag + a.imag * b.real};
}
KILN_HD complex64_t operator/(complex64_t a, complex64_t b) {
  // Smith's algorithm: avoids overflow in |b|^2.
  if (math::abs(b.real) >= math::abs(b.imag)) {
    float r = b.imag / b.real, d = b.real + b.imag * r;
    return {(a.real + a.imag * r) / d, (a.imag - a.real * r) / d};
  }
  float r = b.real / b.imag, d = b.imag + b.real * r;
  return {(a.real * r + a.imag) / d, (a.imag * r - a.real) / d};
}
KILN_HD bool operator==(complex64_t a, complex64_t b) { return a.real == b.real && a.imag == b.imag; }
KILN_HD bool operator!=(complex64_t a, complex64_t b) { return !(a == b); }
// Complex numbers order lexicographically (real part first), as NumPy's maximum/sort do.
KILN_HD bool operator<(complex64_t a, complex64_t b) {
  return a.real < b.real || (a.real == b.real && a.imag < b.imag);
}
KILN_HD bool operator>(complex64_t a, complex64_t b) { return b < a; }
KILN_HD bool operator<=(complex64_t a, complex64_t b) { return !(b < a); }
KILN_HD bool operator>=(complex64_t a, complex64_t b) { return !(a < b); }

namespace cmath {

namespace detail {
// complex64 functions whose float formulas cancel or overflow compute in double: float's
// whole range squares without overflow there, and the extra bits absorb cancellation.
struct zd {
  double re, im;
};
KILN_HD zd widen(complex64_t z) { return {double(z.real), double(z.imag)}; }
KILN_HD complex64_t narrow(zd z) { return {float(z.re), float(z.im)}; }
KILN_HD zd add(zd a, zd b) { return {a.re + b.re, a.im + b.im}; }
KILN_HD zd mul(zd a, zd b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
KILN_HD zd div(zd a, zd b) {
  double d = b.re * b.re + b.im * b.im;
  return {(a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d};
}
KILN_HD zd neg(zd a) { return {-a.re, -a.im}; }
KILN_HD zd times_i(zd a) { return {-a.im, a.re}; }
KILN_HD zd times_minus_i(zd a) { return {a.im, -a.re}; }
KILN_HD zd sqrt(zd z) {
  // Principal root, computed to avoid cancellation; the imaginary part's sign (also of a
  // zero) picks the side of the branch cut.
  if (z.re == 0.0 && z.im == 0.0) return {0.0, z.im};
  double t = math::sqrt((math::abs(z.re) + math::hypot(z.re, z.im)) * 0.5);
  if (z.re >= 0.0) return {t, z.im / (2.0 * t)};
  return {math::abs(z.im) / (2.0 * t), math::copysign(t, z.im)};
}
KILN_HD zd log(zd z) { return {math::log(math::hypot(z.re, z.im)), math::atan2(z.im, z.re)}; }
// log(1 + z), accurate for small z: |1 + z|^2 = 1 + (2x + x^2 + y^2).
KILN_HD zd log1p(zd z) {
  double m = 2.0 * z.re + z.re * z.re + z.im * z.im;
  return {0.5 * math::log1p(m), math::atan2(z.im, 1.0 + z.re)};
}
KILN_HD zd exp(zd z) {
  double e = math::exp(z.re);
  if (z.im == 0.0) return {e, z.im};
  return {e * math::cos(z.im), e * math::sin(z.im)};
}
// asinh on the half plane re >= 0: log1p(z + z^2 / (1 + sqrt(1 + z^2))).
KILN_HD zd asinh_right(zd z) {
  zd z2 = mul(z, z);
  zd root = sqrt({1.0 + z2.re, z2.im});
  return log1p(add(z, div(z2, {1.0 + root.re, root.im})));
}
KILN_HD zd asinh(zd z) {
  // asinh is odd; folding onto re >= 0 avoids cancellation in z + sqrt(1 + z^2).
  bool flip = math::copysign(1.0, z.re) < 0.0;
  zd w = asinh_right(flip ? neg(z) : z);
  return flip ? neg(w) : w;
}
KILN_HD zd atanh(zd z) {
  // Re: 1/4 log(|1 + z|^2 / |1 - z|^2) = 1/4 log1p(4x / ((1 - x)^2 + y^2)), which stays
  // accurate for large |z| where the two logs would cancel.
  double x = z.re, y = z.im;
  if (math::isinf(x) || math::isinf(y)) {
    return {math::copysign(0.0, x), math::copysign(1.5707963267948966, y)};
  }
  double re = 0.25 * math::log1p(4.0 * x / ((1.0 - x) * (1.0 - x) + y * y));
  double im = 0.5 * math::atan2(2.0 * y, (1.0 - x) * (1.0 + x) - y * y);
  return {re, im};
}
}  // namespace detail

KILN_HD float abs(complex64_t z) { return math::hypot(z.real, z.imag); }
KILN_HD float arg(complex64_t z) { return math::atan2(z.imag, z.real); }
KILN_HD complex64_t conj(complex64_t z) { return {z.real, -z.imag}; }
KILN_HD complex64_t exp(complex64_t z) {
  float e = math::exp(z.real);
  if (z.imag == 0.0f) return {e, z.imag};  // real arguments stay exact (and inf-safe)
  return {e * math::cos(z.imag), e * math::sin(z.imag)};
}
KILN_HD complex64_t log(complex64_t z) { return detail::narrow(detail::log(detail::widen(z))); }
KILN_HD complex64_t sqrt(complex64_t z) {
  return detail::narrow(detail::sqrt(detail::widen(z)));
}
KILN_HD complex64_t sin(complex64_t z) {
  return {math::sin(z.real) * math::cosh(z.imag), math::cos(z.real) * math::sinh(z.imag)};
}
KILN_HD complex64_t cos(complex64_t z) {
  return {math::cos(z.real) * math::cosh(z.imag), -math::sin(z.real) * math::sinh(z.imag)};
}
KILN_HD complex64_t sinh(complex64_t z) {
  return {math::sinh(z.real) * math::cos(z.imag), math::cosh(z.real) * math::sin(z.imag)};
}
KILN_HD complex64_t cosh(complex64_t z) {
  return {math::cosh(z.real) * math::cos(z.imag), math::sinh(z.real) * math::sin(z.imag)};
}
KILN_HD complex64_t tanh(complex64_t z) {
  // tanh(x+iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y), stable for large |x|.
  if (math::abs(z.real) > 20.0f) {
    return {z.real > 0.0f ? 1.0f : -1.0f, 0.0f};
  }
  float d = math::cosh(2.0f * z.real) + math::cos(2.0f * z.imag);
  return {math::sinh(2.0f * z.real) / d, math::sin(2.0f * z.imag) / d};
}
KILN_HD complex64_t tan(complex64_t z) {
  // tan(z) = -i tanh(i z)
  complex64_t t = tanh(complex64_t{-z.imag, z.real});
  return {t.imag, -t.real};
}
KILN_HD complex64_t expm1(complex64_t z) {
  // Re: expm1(x) cos y - 2 sin^2(y/2), free of cancellation near 0.
  double x = z.real, y = z.imag;
  if (y == 0.0) return {math::expm1(z.real), z.imag};
  double h = math::sin(0.5 * y);
  return {float(math::expm1(x) * math::cos(y) - 2.0 * h * h), float(math::exp(x) * math::sin(y))};
}
KILN_HD complex64_t log1p(complex64_t z) {
  return detail::narrow(detail::log1p(detail::widen(z)));
}
KILN_HD complex64_t asinh(complex64_t z) {
  return detail::narrow(detail::asinh(detail::widen(z)));
}
KILN_HD complex64_t asin(complex64_t z) {  // -i asinh(i z)
  using namespace detail;
  return narrow(times_minus_i(asinh(times_i(widen(z)))));
}
KILN_HD complex64_t acos(complex64_t z) {  // pi/2 - asin(z)
  using namespace detail;
  zd s = times_minus_i(asinh(times_i(widen(z))));
  return narrow({1.5707963267948966 - s.re, -s.im});
}
KILN_HD complex64_t acosh(complex64_t z) {
  // log(z + sqrt(z + 1) sqrt(z - 1)), as log1p((z - 1) + ...) for accuracy near z = 1.
  using namespace detail;
  zd w = widen(z);
  zd zm1 = {w.re - 1.0, w.im};
  zd root = mul(detail::sqrt(zd{w.re + 1.0, w.im}), detail::sqrt(zm1));
  return narrow(log1p(add(zm1, root)));
}
KILN_HD complex64_t atanh(complex64_t z) {
  return detail::narrow(detail::atanh(detail::widen(z)));
}
KILN_HD complex64_t atan(complex64_t z) {  // -i atanh(i z)
  using namespace detail;
  return narrow(times_minus_i(atanh(times_i(widen(z)))));
}
KILN_HD complex64_t pow(complex64_t a, complex64_t b) {
  if (a.real == 0.0f && a.imag == 0.0f) {
    if (b.real == 0.0f && b.imag == 0.0f) return {1.0f, 0.0f};
    return {0.0f, 0.0f};
  }
  using namespace detail;
  return narrow(exp(mul(widen(b), log(widen(a)))));
}

}  // namespace cmath
}  // namespace kiln
