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

KILN_HD float abs(complex64_t z) { return math::hypot(z.real, z.imag); }
KILN_HD float arg(complex64_t z) { return math::atan2(z.imag, z.real); }
KILN_HD complex64_t conj(complex64_t z) { return {z.real, -z.imag}; }
KILN_HD complex64_t exp(complex64_t z) {
  float e = math::exp(z.real);
  return {e * math::cos(z.imag), e * math::sin(z.imag)};
}
KILN_HD complex64_t log(complex64_t z) { return {math::log(abs(z)), arg(z)}; }
KILN_HD complex64_t sqrt(complex64_t z) {
  // Principal root, computed to avoid cancellation.
  if (z.real == 0.0f && z.imag == 0.0f) return {0.0f, z.imag};
  float t = math::sqrt((math::abs(z.real) + abs(z)) * 0.5f);
  if (z.real >= 0.0f) return {t, z.imag / (2.0f * t)};
  return {math::abs(z.imag) / (2.0f * t), z.imag >= 0.0f ? t : -t};
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
KILN_HD complex64_t pow(complex64_t a, complex64_t b) {
  if (a.real == 0.0f && a.imag == 0.0f) {
    if (b.real == 0.0f && b.imag == 0.0f) return {1.0f, 0.0f};
    return {0.0f, 0.0f};
  }
  return exp(b * log(a));
}

}  // namespace cmath
}  // namespace kiln
