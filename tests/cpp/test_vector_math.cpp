// The vectorizable math functions as plain scalar code (this file is built for the baseline
// x86-64 target: no FMA, no AVX), swept over float32 bit patterns against double libm. The
// Python tests cover the AVX2/AVX-512 kernels the library dispatches to on the test machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "kiln/types/math.h"

using namespace kiln;

namespace {

// Error of y in float32 ulps of ref; nan must be nan, and a result that overflows in float32
// must be the same infinity.
double ulp_error(float y, double ref) {
  if (std::isnan(ref)) return std::isnan(y) ? 0.0 : INFINITY;
  if (std::isnan(y)) return INFINITY;
  float rf = float(ref);
  if (std::isinf(rf) || std::isinf(y)) return rf == y ? 0.0 : INFINITY;
  int e;
  std::frexp(std::fabs(ref), &e);
  return std::fabs(double(y) - ref) / std::ldexp(1.0, std::max(e - 24, -149));
}

double max_ulp(const std::function<float(float)>& f, const std::function<double(double)>& ref) {
  double worst = 0;
  for (uint64_t u = 0; u < (uint64_t(1) << 32); u += 40009) {
    uint32_t b = uint32_t(u);
    float x;
    std::memcpy(&x, &b, 4);
    worst = std::max(worst, ulp_error(f(x), ref(double(x))));
  }
  for (float x : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, 1.0f, -1.0f, 88.72f, -104.0f}) {
    worst = std::max(worst, ulp_error(f(x), ref(double(x))));
  }
  return worst;
}

}  // namespace

#define EXPECT_ULP(f, ref, bound) \
  EXPECT_LE(max_ulp([](float x) { return f; }, [](double x) { return ref; }), bound) << #f

TEST(VectorMath, Float32WithinAFewUlps) {
  EXPECT_ULP(vmath::exp(x), std::exp(x), 1.5);
  EXPECT_ULP(vmath::expm1(x), std::expm1(x), 2.0);
  EXPECT_ULP(vmath::log(x), std::log(x), 1.5);
  EXPECT_ULP(vmath::log2(x), std::log2(x), 2.0);
  EXPECT_ULP(vmath::log10(x), std::log10(x), 2.0);
  EXPECT_ULP(vmath::log1p(x), std::log1p(x), 2.0);
  EXPECT_ULP(math::sin(x), std::sin(x), 1.0);
  EXPECT_ULP(math::cos(x), std::cos(x), 1.0);
  EXPECT_ULP(math::tan(x), std::tan(x), 1.5);
  EXPECT_ULP(vmath::tanh(x), std::tanh(x), 2.0);
  EXPECT_ULP(vmath::erf(x), std::erf(x), 2.5);
  EXPECT_ULP(vmath::atan(x), std::atan(x), 1.0);
  EXPECT_ULP(vmath::asin(x), std::asin(x), 1.0);
  EXPECT_ULP(vmath::acos(x), std::acos(x), 1.0);
  EXPECT_ULP(vmath::sinh(x), std::sinh(x), 1.0);
  EXPECT_ULP(vmath::cosh(x), std::cosh(x), 1.0);
  EXPECT_ULP(vmath::asinh(x), std::asinh(x), 1.0);
  EXPECT_ULP(vmath::acosh(x), std::acosh(x), 1.0);
  EXPECT_ULP(vmath::atanh(x), std::atanh(x), 1.0);
  EXPECT_ULP(vmath::pow(x, 2.5f), std::pow(x, 2.5), 1.0);
  EXPECT_ULP(vmath::pow(1.5f, x), std::pow(1.5, x), 1.0);
  EXPECT_ULP(vmath::atan2(x, -0.5f), std::atan2(x, -0.5), 1.0);
}

TEST(VectorMath, SpecialValuesMatchLibm) {
  // Signed zeros and the edges of exp's range give exactly libm's results.
  for (float x : {0.0f, -0.0f}) {
    using Fn = float (*)(float);
    for (Fn f : {Fn(vmath::expm1), Fn(vmath::log1p), Fn(math::sin), Fn(math::tan),
                 Fn(vmath::tanh), Fn(vmath::erf), Fn(vmath::atan), Fn(vmath::asinh)}) {
      EXPECT_EQ(f(x), 0.0f);
      EXPECT_EQ(std::signbit(f(x)), std::signbit(x));
    }
  }
  EXPECT_EQ(vmath::exp(88.7228394f), std::exp(88.7228394f));
  EXPECT_EQ(vmath::exp(88.73f), INFINITY);
  EXPECT_EQ(vmath::exp(-103.972f), std::exp(-103.972f));  // a subnormal
  EXPECT_EQ(vmath::exp(-104.0f), 0.0f);
  EXPECT_EQ(vmath::exp(709.79), INFINITY);
  EXPECT_EQ(vmath::exp(-745.1332191019411), 4.9406564584124654e-324);
  EXPECT_EQ(vmath::log(0.0), -INFINITY);
  EXPECT_TRUE(std::isnan(vmath::log(-1.0)));
  EXPECT_EQ(vmath::log2(8.0f), 3.0f);
  EXPECT_EQ(vmath::pow(-2.0f, 3.0f), -8.0f);
  EXPECT_TRUE(std::isnan(vmath::pow(-2.0f, 0.5f)));
  EXPECT_EQ(vmath::pow(-0.0f, -1.0f), -INFINITY);
  EXPECT_EQ(vmath::pow(-1.0f, INFINITY), 1.0f);
  EXPECT_EQ(vmath::pow(NAN, 0.0f), 1.0f);
  EXPECT_EQ(vmath::atan2(-0.0f, -0.0f), -std::atan2(0.0f, -0.0f));
  EXPECT_EQ(vmath::atan2(INFINITY, -INFINITY), std::atan2(INFINITY, -INFINITY));
}
