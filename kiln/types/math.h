// Scalar math for float and double with one spelling on host and device: kiln::math::exp(x)
// calls CUDA's exp/expf on the device, and on the host the vectorizable version in
// vector_math.h where there is one (else std::exp).
#pragma once

#include "kiln/types/host_device.h"

#if !KILN_DEVICE_CODE
#include <cmath>

#include "kiln/types/vector_math.h"
#endif

namespace kiln::math {

#if KILN_DEVICE_CODE
#define KILN_MATH_1(name)                                   \
  KILN_HD float name(float x) { return ::name##f(x); }     \
  KILN_HD double name(double x) { return ::name(x); }
#define KILN_MATH_2(name)                                              \
  KILN_HD float name(float x, float y) { return ::name##f(x, y); }    \
  KILN_HD double name(double x, double y) { return ::name(x, y); }
#else
#define KILN_MATH_1(name)                                    \
  KILN_HD float name(float x) { return std::name(x); }      \
  KILN_HD double name(double x) { return std::name(x); }
#define KILN_MATH_2(name)                                               \
  KILN_HD float name(float x, float y) { return std::name(x, y); }     \
  KILN_HD double name(double x, double y) { return std::name(x, y); }
// On the host, the functions with a vectorizable version (vector_math.h) use it.
#define KILN_MATH_1_F(name)                                 \
  KILN_HD float name(float x) { return vmath::name(x); }   \
  KILN_HD double name(double x) { return std::name(x); }
#define KILN_MATH_1_FD(name)                                \
  KILN_HD float name(float x) { return vmath::name(x); }   \
  KILN_HD double name(double x) { return vmath::name(x); }
#endif

// Besides libm's names: add_log1p_exp(hi, lo) = hi + log(1 + e^(lo - hi)) for lo <= hi
// (logaddexp), float ones computed in double.
#if KILN_DEVICE_CODE
KILN_MATH_1(exp)
KILN_MATH_1(expm1)
KILN_MATH_1(log)
KILN_MATH_1(log2)
KILN_MATH_1(log10)
KILN_MATH_1(log1p)
KILN_MATH_1(sin)
KILN_MATH_1(cos)
KILN_MATH_1(tan)
KILN_MATH_1(asin)
KILN_MATH_1(acos)
KILN_MATH_1(atan)
KILN_MATH_1(sinh)
KILN_MATH_1(cosh)
KILN_MATH_1(tanh)
KILN_MATH_1(asinh)
KILN_MATH_1(acosh)
KILN_MATH_1(atanh)
KILN_MATH_1(erf)
KILN_MATH_2(atan2)
KILN_HD float add_log1p_exp(float hi, float lo) {
  double h = hi;
  return float(h + ::log1p(::exp(double(lo) - h)));
}
KILN_HD double add_log1p_exp(double hi, double lo) { return hi + ::log1p(::exp(lo - hi)); }
#else
KILN_MATH_1_FD(exp)
KILN_MATH_1_F(expm1)
KILN_MATH_1_FD(log)
KILN_MATH_1_F(log2)
KILN_MATH_1_F(log10)
KILN_MATH_1_F(log1p)
KILN_MATH_1_F(tanh)
KILN_MATH_1_F(erf)
KILN_MATH_1_F(asin)
KILN_MATH_1_F(acos)
KILN_MATH_1_F(atan)
KILN_MATH_1_F(sinh)
KILN_MATH_1_F(cosh)
KILN_MATH_1_F(asinh)
KILN_MATH_1_F(acosh)
KILN_MATH_1_F(atanh)
KILN_HD float add_log1p_exp(float hi, float lo) { return vmath::add_log1p_exp(hi, lo); }
KILN_HD double add_log1p_exp(double hi, double lo) {
  return hi + std::log1p(vmath::exp(lo - hi));
}
KILN_HD float atan2(float y, float x) { return vmath::atan2(y, x); }
KILN_HD double atan2(double y, double x) { return std::atan2(y, x); }
// The vector formulas cover |x| < 2^23; the CPU kernels vectorize them and redo the rest.
KILN_HD float sin(float x) { return vmath::sincos_in_range(x) ? vmath::sin_core(x) : std::sin(x); }
KILN_HD double sin(double x) { return std::sin(x); }
KILN_HD float cos(float x) { return vmath::sincos_in_range(x) ? vmath::cos_core(x) : std::cos(x); }
KILN_HD double cos(double x) { return std::cos(x); }
KILN_HD float tan(float x) { return vmath::sincos_in_range(x) ? vmath::tan_core(x) : std::tan(x); }
KILN_HD double tan(double x) { return std::tan(x); }
#undef KILN_MATH_1_F
#undef KILN_MATH_1_FD
#endif
KILN_MATH_1(exp2)
KILN_MATH_1(sqrt)
KILN_MATH_1(cbrt)
KILN_MATH_1(floor)
KILN_MATH_1(ceil)
KILN_MATH_1(trunc)
KILN_MATH_1(rint)
#if KILN_DEVICE_CODE
KILN_MATH_2(pow)
#else
KILN_HD float pow(float x, float y) { return vmath::pow(x, y); }
KILN_HD double pow(double x, double y) { return std::pow(x, y); }
#endif
KILN_MATH_2(hypot)
KILN_MATH_2(fmod)
KILN_MATH_2(copysign)

#undef KILN_MATH_1
#undef KILN_MATH_2

#if KILN_DEVICE_CODE
KILN_HD float abs(float x) { return ::fabsf(x); }
KILN_HD double abs(double x) { return ::fabs(x); }
KILN_HD bool isnan(float x) { return ::isnan(x); }
KILN_HD bool isnan(double x) { return ::isnan(x); }
KILN_HD bool isinf(float x) { return ::isinf(x); }
KILN_HD bool isinf(double x) { return ::isinf(x); }
KILN_HD float rsqrt(float x) { return ::rsqrtf(x); }
KILN_HD double rsqrt(double x) { return ::rsqrt(x); }
KILN_HD float erfinv(float x) { return ::erfinvf(x); }
KILN_HD double erfinv(double x) { return ::erfinv(x); }
#else
KILN_HD float abs(float x) { return std::fabs(x); }
KILN_HD double abs(double x) { return std::fabs(x); }
KILN_HD bool isnan(float x) { return std::isnan(x); }
KILN_HD bool isnan(double x) { return std::isnan(x); }
KILN_HD bool isinf(float x) { return std::isinf(x); }
KILN_HD bool isinf(double x) { return std::isinf(x); }
KILN_HD float rsqrt(float x) { return 1.0f / std::sqrt(x); }
KILN_HD double rsqrt(double x) { return 1.0 / std::sqrt(x); }

// Inverse error function: Giles' single-precision approximation, refined by Newton steps
// so float64 is accurate too.
template <typename T>
T erfinv_impl(T x) {
  if (x <= T(-1)) return x == T(-1) ? -HUGE_VAL : NAN;
  if (x >= T(1)) return x == T(1) ? HUGE_VAL : NAN;
  double w = -std::log((1.0 - double(x)) * (1.0 + double(x)));
  double p;
  const bool tail = w >= 5.0;
  if (!tail) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  // Newton on |y|: y -= (erf(y) - x) / (2/sqrt(pi) exp(-y^2)). Near |x| = 1, erf(y) - x
  // cancels, so the residual is taken as (1 - x) - erfc(y) there (1 - x is exact).
  // The first guess is good to about 1e-7 in the centre and 1e-4 in the far tail: float32
  // needs one step there and two here (each squares the error), float64 up to four.
  const int steps = sizeof(T) == 4 ? (tail ? 2 : 1) : 4;
  double ax = std::fabs(double(x)), y = p * ax;
  for (int i = 0; i < steps; ++i) {
    double err = ax > 0.5 ? (1.0 - ax) - std::erfc(y) : std::erf(y) - ax;
    double step = err / (1.1283791670955126 * std::exp(-y * y));
    y -= step;
    if (std::fabs(step) <= 1e-16 * y) break;
  }
  return T(std::copysign(y, double(x)));
}
inline float erfinv(float x) { return erfinv_impl(x); }
inline double erfinv(double x) { return erfinv_impl(x); }
#endif

}  // namespace kiln::math
