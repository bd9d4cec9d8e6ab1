// Host versions of the costly libm functions that the compiler can vectorize. libm calls
// stop a loop from vectorizing; these are inline, branch-free (selects, not jumps) and use
// only +, *, / and bit operations, so `out[i] = exp(in[i])` becomes SIMD code in the CPU
// kernels' AVX2/AVX-512 clones.
//
// Each keeps libm's special values (signed zeros, subnormals, overflow to inf, underflow to
// zero, inf, nan) and stays within about 2 ulp of the correctly rounded result over the whole
// range (tests sweep them against float64/extended-precision references). The polynomial
// coefficients are our own minimax fits of the named remainder functions.
//
// sin/cos/tan cover |x| < 2^23 exactly (see sincos_core); math::sin falls back to libm
// beyond, and the CPU kernel runs that fallback only for the elements that need it. Most
// float32 functions compute in double inside, where simple formulas have bits to spare.
#pragma once

#include "kiln/types/host_device.h"

#if KILN_DEVICE_CODE
#error "vector_math.h is host-only: device code uses CUDA's math functions"
#endif

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#define KILN_VMATH inline __attribute__((always_inline))

namespace kiln::vmath {

namespace detail {

KILN_VMATH float f32(uint32_t u) { return std::bit_cast<float>(u); }
KILN_VMATH uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }
KILN_VMATH double f64(uint64_t u) { return std::bit_cast<double>(u); }
KILN_VMATH uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }
KILN_VMATH float fabs(float x) { return f32(bits(x) & 0x7fffffffu); }
KILN_VMATH double fabs(double x) { return f64(bits(x) & 0x7fffffffffffffffull); }
KILN_VMATH float copysign(float mag, float sgn) {
  return f32((bits(mag) & 0x7fffffffu) | (bits(sgn) & 0x80000000u));
}

constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr double kInfD = std::numeric_limits<double>::infinity();
constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();
constexpr double kNanD = std::numeric_limits<double>::quiet_NaN();

// Adding 1.5 * 2^23 (2^52) to a float (double) of magnitude below 2^22 (2^51) rounds it to an
// integer held in the low mantissa bits; subtracting it back gives that integer as a float.
constexpr float kShiftF = 0x1.8p23f;
constexpr double kShiftD = 0x1.8p52;

// 2^n for an integral float n in [-126, 127], built in the exponent field.
KILN_VMATH float pow2(float n) { return f32(bits(n + (kShiftF + 127.0f)) << 23); }
KILN_VMATH double pow2(double n) { return f64(bits(n + (kShiftD + 1023.0)) << 52); }

// e^r - 1 - r = r^2 q(r) on |r| <= ln2/2 (fit of (e^r - 1 - r) / r^2).
KILN_VMATH float expq(float r) {
  float p = 0x1.6c69e2p-10f;
  p = p * r + 0x1.120b1cp-7f;
  p = p * r + 0x1.5555bap-5f;
  p = p * r + 0x1.5554dep-3f;
  return p * r + 0x1p-1f;
}
KILN_VMATH double expq(double r) {
  double p = 0x1.aeaae5c04f8b8p-26;
  p = p * r + 0x1.28915f228ba7bp-22;
  p = p * r + 0x1.71de5a449e3cep-19;
  p = p * r + 0x1.a019b930d904bp-16;
  p = p * r + 0x1.a01a018c2fd0ep-13;
  p = p * r + 0x1.6c16c1788174bp-10;
  p = p * r + 0x1.111111111448ap-7;
  p = p * r + 0x1.5555555553d82p-5;
  p = p * r + 0x1.555555555554dp-3;
  return p * r + 0x1.0000000000001p-1;
}

// x = k ln2 + r with |r| <= ln2/2 (x already clamped to a range where k fits): returns r
// and sets kf. ln2 is split so that kf * hi is exact.
KILN_VMATH float reduce_ln2(float x, float& kf) {
  kf = (x * 0x1.715476p+0f + kShiftF) - kShiftF;
  return (x - kf * 0x1.62ep-1f) - kf * 0x1.0bfbe8p-15f;
}
KILN_VMATH double reduce_ln2(double x, double& kf) {
  kf = (x * 0x1.71547652b82fep+0 + kShiftD) - kShiftD;
  return (x - kf * 0x1.62e42fefa3800p-1) - kf * 0x1.ef35793c76730p-45;
}

// log(1 + f) - f for f in [sqrt(1/2) - 1, sqrt(2) - 1]: the callers add f last (or scale
// it separately), so that its exactness is not lost.
KILN_VMATH float log1p_tail(float f) {
  // -f^2/2 + f^3 q(f) (fit of (log1p(f) - f + f^2/2) / f^3)
  float q = 0x1.204130p-4f;
  q = q * f - 0x1.d7a248p-4f;
  q = q * f + 0x1.de4a84p-4f;
  q = q * f - 0x1.fcbacep-4f;
  q = q * f + 0x1.23d37cp-3f;
  q = q * f - 0x1.555ca0p-3f;
  q = q * f + 0x1.999d58p-3f;
  q = q * f - 0x1.fffff8p-3f;
  q = q * f + 0x1.555554p-2f;
  float f2 = f * f;
  return f2 * f * q - 0.5f * f2;
}
KILN_VMATH double log1p_reduced(double f) {
  // 2 atanh(s) with s = f / (2 + f), written as f - hf2 + s (hf2 + R(s^2)) so the leading
  // terms stay exact (fit of R(z) / z, R(z) = 2 (atanh(s) / s - 1)).
  double s = f / (2.0 + f);
  double z = s * s;
  double r = 0x1.2b5a83caa6f77p-3;
  r = r * z + 0x1.39fe2e2c1d89dp-3;
  r = r * z + 0x1.7462b65499dd8p-3;
  r = r * z + 0x1.c71c62df03856p-3;
  r = r * z + 0x1.2492492df7013p-2;
  r = r * z + 0x1.99999999952a7p-2;
  r = r * z + 0x1.5555555555558p-1;
  r *= z;
  double hf2 = 0.5 * f * f;
  return f - (hf2 - s * (hf2 + r));
}

// Splits a positive finite x into 2^e * m with m in [sqrt(1/2), sqrt(2)); returns m - 1.
// Subnormals are scaled into the normal range first.
KILN_VMATH float split_log(float x, float& e) {
  bool sub = x < 0x1p-126f;
  float xs = sub ? x * 0x1p23f : x;
  // Offsetting by sqrt(1/2)'s bits makes the exponent field step at sqrt(1/2), not at 1.
  uint32_t t = bits(xs) - 0x3f3504f3u;
  e = float(int32_t(t) >> 23) - (sub ? 23.0f : 0.0f);
  return f32(bits(xs) - (t & 0xff800000u)) - 1.0f;
}
KILN_VMATH double split_log(double x, double& e) {
  bool sub = x < 0x1p-1022;
  double xs = sub ? x * 0x1p52 : x;
  uint64_t t = bits(xs) - 0x3fe6a09e667f3bcdull;
  // The exponent from the high word: a 32-bit arithmetic shift (AVX2 has no 64-bit one).
  e = double(int32_t(uint32_t(t >> 32)) >> 20) - (sub ? 52.0 : 0.0);
  return f64(bits(xs) - (t & 0xfff0000000000000ull)) - 1.0;
}

// log's value at 0, negatives, inf and nan.
template <typename T>
KILN_VMATH T log_special(T x, T inf, T nan) {
  return x == T(0) ? -inf : (x < T(0) ? nan : x);
}

}  // namespace detail

// ---------------------------------------------------------------- exp, expm1

KILN_VMATH float exp(float x) {
  using namespace detail;
  // Past the clamps the result is inf or 0 anyway; the comparisons let nan through.
  float xc = x > 89.0f ? 89.0f : x;
  xc = xc < -104.0f ? -104.0f : xc;
  float kf;
  float r = reduce_ln2(xc, kf);
  float p = 1.0f + (r + r * r * expq(r));
  // 2^k in two factors so that results in the subnormal range round only once.
  float k1 = (kf * 0.5f + kShiftF) - kShiftF;
  return p * pow2(k1) * pow2(kf - k1);
}

KILN_VMATH double exp(double x) {
  using namespace detail;
  double xc = x > 710.0 ? 710.0 : x;
  xc = xc < -746.0 ? -746.0 : xc;
  double kf;
  double r = reduce_ln2(xc, kf);
  double p = 1.0 + (r + r * r * expq(r));
  double k1 = (kf * 0.5 + kShiftD) - kShiftD;
  return p * pow2(k1) * pow2(kf - k1);
}

KILN_VMATH float expm1(float x) {
  using namespace detail;
  // Below -18, e^x < 2^-25 and the result rounds to -1.
  float xc = x > 89.0f ? 89.0f : x;
  xc = xc < -18.0f ? -18.0f : xc;
  float kf;
  float r = reduce_ln2(xc, kf);
  float p = r + r * r * expq(r);  // e^r - 1
  // e^x - 1 = 2 (2^(k-1) p + 2^(k-1) - 1/2): exact for k = 0, and 2^(k-1) stays finite.
  float s = pow2(kf - 1.0f);
  float y = (p * s + (s - 0.5f)) * 2.0f;
  y = kf == 0.0f ? p : y;    // halving p would lose subnormal bits
  return x == 0.0f ? x : y;  // keeps -0
}

// ---------------------------------------------------------------- log family

KILN_VMATH float log(float x) {
  using namespace detail;
  float e;
  float f = split_log(x, e);
  // ln2 split so that e * hi is exact.
  float y = e * 0x1.62ep-1f + (f + (log1p_tail(f) + e * 0x1.0bfbe8p-15f));
  return ((x > 0.0f) & (x < kInfF)) ? y : log_special(x, kInfF, kNanF);
}

KILN_VMATH double log(double x) {
  using namespace detail;
  double e;
  double f = split_log(x, e);
  double y = e * 0x1.62e42fefa3800p-1 + (log1p_reduced(f) + e * 0x1.ef35793c76730p-45);
  return ((x > 0.0) & (x < kInfD)) ? y : log_special(x, kInfD, kNanD);
}

KILN_VMATH float log2(float x) {
  using namespace detail;
  float e;
  float f = split_log(x, e);
  // log2(e) as hi + lo: f * hi + f * lo keeps the leading product's rounding the only one.
  float y = e + (f * 0x1.715476p+0f + (f * 0x1.4ae0c0p-26f + log1p_tail(f) * 0x1.715476p+0f));
  return ((x > 0.0f) & (x < kInfF)) ? y : log_special(x, kInfF, kNanF);
}

KILN_VMATH float log10(float x) {
  using namespace detail;
  float e;
  float f = split_log(x, e);
  // log10(2) split in two so that e * hi is exact.
  float y = e * 0x1.344p-2f + (f * 0x1.bcb7b2p-2f + (f * -0x1.5b235ep-27f +
                                                     log1p_tail(f) * 0x1.bcb7b2p-2f +
                                                     e * 0x1.3509f8p-18f));
  return ((x > 0.0f) & (x < kInfF)) ? y : log_special(x, kInfF, kNanF);
}

KILN_VMATH float log1p(float x) {
  using namespace detail;
  // log(u) with u = 1 + x rounded, corrected by the rounding error of u to first order.
  float u = 1.0f + x;
  float y = log(u) + (x - (u - 1.0f)) / u;
  y = ((x == 0.0f) | (x == kInfF)) ? x : y;  // keeps -0; inf - inf would give nan
  return u == 0.0f ? -kInfF : y;
}

// hi + log(1 + e^(lo - hi)) for lo <= hi (logaddexp), in double: the sum cancels when hi < 0
// < result, which in float doubles the correction's error (measured 2.2 ulp). For tiny e^d,
// log(1 + e) loses e in 1 + e, so the series e - e^2/2 stands in.
KILN_VMATH float add_log1p_exp(float hi, float lo) {
  double h = hi, e = exp(double(lo) - h);
  double l = e < 0x1p-20 ? e * (1.0 - 0.5 * e) : log(1.0 + e);
  return float(h + l);
}

// ---------------------------------------------------------------- pow

// x^y for float as exp(y log|x|) in double: the double functions' error, scaled by
// |y log x| < 2^8 where the result is finite, stays far below a float ulp. The special
// cases follow C99/libm: x^0 = 1^y = 1 (even for nan), (-1)^(+-inf) = 1, a negative finite x
// needs an integral y (else nan) and an odd y keeps the sign (also of -0 and -inf).
KILN_VMATH float pow(float x, float y) {
  using namespace detail;
  double xd = x, yd = y;
  double r = exp(yd * log(fabs(xd)));
  // The tests compare the doubles' bits as 64-bit integers: GCC narrows comparisons of a
  // converted float back to float ones, and masks of mixed widths stop the vectorizer.
  constexpr uint64_t kMag = 0x7fffffffffffffffull, kInfBits = 0x7ff0000000000000ull;
  uint64_t xb = bits(xd), xmag = xb & kMag, ymag = bits(yd) & kMag;
  // |y| >= 2^24 is an even integer; below, y is integral when rounding leaves it unchanged.
  double ay = f64(ymag), shifted = ay + kShiftD;
  bool small = ymag < 0x4170000000000000ull, whole = shifted - kShiftD == ay;
  bool integral = !small | whole;
  double half = ay * 0.5;
  bool odd = small & whole & ((half + kShiftD) - kShiftD != half);
  bool neg = (xb >> 63) != 0;
  bool finite_nonzero = (xmag != 0) & (xmag < kInfBits);
  r = (neg & odd) ? -r : r;
  r = (neg & finite_nonzero & !integral) ? kNanD : r;
  r = ((xmag == 0x3ff0000000000000ull) & (ymag == kInfBits)) ? 1.0 : r;
  r = ((ymag == 0) | (xb == 0x3ff0000000000000ull)) ? 1.0 : r;
  return float(r);
}

// ---------------------------------------------------------------- sin, cos

namespace detail {

// sin or cos of a float with |x| < 2^23, evaluated in double: x = k pi/2 + r with pi/2 split
// in three parts (30 + 30 + 53 bits). k < 2^23, so k times each of the first two parts is
// exact and the reduction loses nothing. `shift` is 0 for sin, 1 for cos.
KILN_VMATH float sincos_core(float x, uint64_t shift) {
  double xd = x;
  double t = xd * 0x1.45f306dc9c883p-1 + kShiftD;
  uint64_t q = bits(t) + shift;  // low bits: the quadrant
  double k = t - kShiftD;
  double r = xd - k * 0x1.921fb54000000p+0;
  r = r - k * 0x1.10b4611800000p-30;
  r = r - k * 0x1.313198a2e0370p-61;
  double z = r * r;
  // Fits of (sin r - r) / r^3 and (cos r - 1 + r^2/2) / r^4 in z = r^2, |r| <= pi/4.
  // r (1 + z S) rather than r + r z S keeps the sign of a zero r; double has bits to spare.
  double s = r * (1.0 + z * (-0x1.555545265ff9ap-3 + z * (0x1.11073af0d4e7dp-7 +
                                                          z * -0x1.9943dda9c9c24p-13)));
  double c = 1.0 - 0.5 * z + z * z * (0x1.55554a1136aedp-5 + z * (-0x1.6c0c339558a6cp-10 +
                                                                   z * 0x1.99eb97a32c114p-16));
  double v = (q & 1) ? c : s;
  return float((q & 2) ? -v : v);
}

}  // namespace detail

// True where sin_core/cos_core are exact; elsewhere (|x| >= 2^23, inf, nan) use libm.
KILN_VMATH bool sincos_in_range(float x) { return detail::fabs(x) < 0x1p23f; }
KILN_VMATH float sin_core(float x) { return detail::sincos_core(x, 0); }
KILN_VMATH float cos_core(float x) { return detail::sincos_core(x, 1); }

KILN_VMATH float tan_core(float x) {
  // Same reduction as sin/cos; tan r or -1/tan r by the quadrant. Exact for |x| < 2^23.
  using namespace detail;
  double xd = x;
  double t = xd * 0x1.45f306dc9c883p-1 + kShiftD;
  uint64_t q = bits(t);
  double k = t - kShiftD;
  double r = xd - k * 0x1.921fb54000000p+0;
  r = r - k * 0x1.10b4611800000p-30;
  r = r - k * 0x1.313198a2e0370p-61;
  double z = r * r;
  double s = r * (1.0 + z * (-0x1.555545265ff9ap-3 + z * (0x1.11073af0d4e7dp-7 +
                                                          z * -0x1.9943dda9c9c24p-13)));
  double c = 1.0 - 0.5 * z + z * z * (0x1.55554a1136aedp-5 + z * (-0x1.6c0c339558a6cp-10 +
                                                                   z * 0x1.99eb97a32c114p-16));
  return float((q & 1) ? -c / s : s / c);
}

// ---------------------------------------------------------------- inverse trigonometric

namespace detail {

// atan(a) for a >= 0 (inf included) in double: 1/a folds a > 1 into [0, 1], then
// atan t = pi/6 + atan((t sqrt3 - 1) / (t + sqrt3)) folds t > tan(pi/12) into
// |u| <= tan(pi/12), where u + u^3 P(u^2) (fit of (atan u - u) / u^3) is accurate to 1e-10.
KILN_VMATH double atan_nonneg(double a) {
  bool inverted = a > 1.0;
  double t = inverted ? 1.0 / a : a;
  bool shifted = t > 0x1.126145e9ecd56p-2;
  double u = shifted ? (t * 0x1.bb67ae8584caap+0 - 1.0) / (t + 0x1.bb67ae8584caap+0) : t;
  double z = u * u;
  double p = 0x1.8be192fb0562ap-4;
  p = p * z - 0x1.22d7b4ae96597p-3;
  p = p * z + 0x1.998f4094cee5dp-3;
  p = p * z - 0x1.55554ba56f1d6p-2;
  double v = u + u * z * p;
  v = shifted ? 0x1.0c152382d7366p-1 + v : v;
  return inverted ? 0x1.921fb54442d18p+0 - v : v;
}

KILN_VMATH double copysign(double mag, double sgn) {
  return f64((bits(mag) & 0x7fffffffffffffffull) | (bits(sgn) & 0x8000000000000000ull));
}

}  // namespace detail

KILN_VMATH float atan(float x) {
  using namespace detail;
  double xd = x;
  return float(copysign(atan_nonneg(fabs(xd)), xd));
}

KILN_VMATH float atan2(float y, float x) {
  using namespace detail;
  // atan(|y| / |x|), moved to the left half plane when x is negative (or -0), signed as y.
  // 0/0 and inf/inf take the values C99 gives the angle there: 0 and pi/4.
  double yd = y, xd = x, ay = fabs(yd), ax = fabs(xd);
  double a = ay / ax;
  a = ((ay == 0.0) & (ax == 0.0)) ? 0.0 : a;
  a = ((ay == kInfD) & (ax == kInfD)) ? 1.0 : a;
  double th = atan_nonneg(a);
  th = (bits(xd) >> 63) ? 0x1.921fb54442d18p+1 - th : th;
  return float(copysign(th, yd));
}

KILN_VMATH float asin(float x) {
  using namespace detail;
  double a = fabs(double(x));
  return float(copysign(atan_nonneg(a / std::sqrt((1.0 - a) * (1.0 + a))), double(x)));
}

KILN_VMATH float acos(float x) {
  double xd = x;
  return float(2.0 * detail::atan_nonneg(std::sqrt((1.0 - xd) / (1.0 + xd))));
}

// ---------------------------------------------------------------- hyperbolic

// In double, where exp(|x|) cannot overflow before the float result does; below 2^-12 the
// series' next term is under 2^-49 relative.
KILN_VMATH float sinh(float x) {
  using namespace detail;
  double a = fabs(double(x));
  double e = exp(a);
  double v = a < 0x1p-12 ? a + a * a * a * (1.0 / 6.0) : 0.5 * (e - 1.0 / e);
  return float(copysign(v, double(x)));
}

KILN_VMATH float cosh(float x) {
  double e = exp(detail::fabs(double(x)));
  return float(0.5 * (e + 1.0 / e));
}

KILN_VMATH float asinh(float x) {
  using namespace detail;
  double a = fabs(double(x));
  double large = log(a + std::sqrt(a * a + 1.0));
  double v = a < 0x1p-12 ? a - a * a * a * (1.0 / 6.0) : large;
  return float(copysign(v, double(x)));
}

KILN_VMATH float acosh(float x) {
  double xd = x;
  // Two roots, not sqrt((x - 1)(x + 1)): below 1 one of them is nan, as the result must be.
  return float(log(xd + std::sqrt(xd - 1.0) * std::sqrt(xd + 1.0)));
}

KILN_VMATH float atanh(float x) {
  using namespace detail;
  double a = fabs(double(x));
  double v = a < 0x1p-12 ? a + a * a * a * (1.0 / 3.0) : 0.5 * log((1.0 + a) / (1.0 - a));
  return float(copysign(v, double(x)));
}

// ---------------------------------------------------------------- tanh, erf

KILN_VMATH float tanh(float x) {
  using namespace detail;
  float a = fabs(x);
  // Below 0.6: a + a^3 P(a^2) (fit of (tanh(a) - a) / a^3).
  float z = a * a;
  float p = -0x1.82580cp-8f;
  p = p * z + 0x1.54b890p-6f;
  p = p * z - 0x1.b898dcp-5f;
  p = p * z + 0x1.1109aep-3f;
  p = p * z - 0x1.55553ep-2f;
  float small = a + a * z * p;
  // Above: m / (m + 2) with m = e^(2a) - 1; beyond 10 tanh rounds to 1.
  float m = expm1(2.0f * (a > 10.0f ? 10.0f : a));
  float large = a > 10.0f ? 1.0f : m / (m + 2.0f);
  return copysign(a < 0.6f ? small : large, x);
}

KILN_VMATH float erf(float x) {
  using namespace detail;
  float a = fabs(x);
  // Below 0.9: erf(a) = a (2/sqrt(pi) + a^2 P(a^2)) (fit of (erf(a) / a - 2/sqrt(pi)) / a^2),
  // with 2/sqrt(pi) as hi + lo so that its rounding does not cost half an ulp.
  float z = a * a;
  float p = -0x1.41450cp-11f;
  p = p * z + 0x1.4902b0p-8f;
  p = p * z - 0x1.b6db3cp-6f;
  p = p * z + 0x1.ce2054p-4f;
  p = p * z - 0x1.812710p-2f;
  float small = a * 0x1.20dd76p+0f + a * (-0x1.f7ac92p-25f + z * p);
  // From 0.9: erfc(a) = exp(-a^2 + Q(a)) (fit of log(erfc(a)) + a^2 on [0.9, 4]); past 4,
  // erf rounds to 1, which the clamped formula gives.
  float b = a > 4.0f ? 4.0f : a;
  float q = 0x1.ae2a8cp-20f;
  q = q * b - 0x1.7c7662p-15f;
  q = q * b + 0x1.35b48ap-11f;
  q = q * b - 0x1.360102p-8f;
  q = q * b + 0x1.af7b4ap-6f;
  q = q * b - 0x1.c240ecp-4f;
  q = q * b + 0x1.78d638p-2f;
  q = q * b - 0x1.21504cp+0f;
  q = q * b + 0x1.34924cp-12f;
  float large = 1.0f - exp(q - b * b);
  return copysign(a < 0.9f ? small : large, x);
}

}  // namespace kiln::vmath

#undef KILN_VMATH
