// exp for float written without branches or library calls, so loops that call it vectorize
// (std::exp does not without -ffast-math). Accurate to about 1 ulp where the result is a
// normal float; arguments above 88 saturate and results below FLT_MIN flush to zero. Meant
// for exp(x - max) style arguments (<= 0), as in softmax and logsumexp.
#pragma once

#include <cstdint>

namespace kiln::cpu {

inline float vec_exp(float x) {
  constexpr float kHi = 88.0f;
  constexpr float kLo = -87.33654475f;  // log(FLT_MIN)
  bool nan = x != x;
  float xc = nan ? 0.0f : (x < kLo ? kLo : (x > kHi ? kHi : x));
  // exp(x) = 2^n exp(r) with n = round(x / ln 2) and |r| <= ln(2) / 2; ln 2 is split in a
  // part with few mantissa bits (exact products n * ln2_hi) and the remainder.
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  // Minimax polynomial for exp(r) on [-ln2/2, ln2/2] (Cephes expf).
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float y = p * __builtin_bit_cast(float, bits);
  y = x < kLo ? 0.0f : y;
  return nan ? x : y;
}

}  // namespace kiln::cpu
