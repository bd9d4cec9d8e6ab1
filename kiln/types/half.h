// float16_t and bfloat16_t: 16-bit floats stored as bits; arithmetic happens in float.
// The conversions round to nearest even. On the GPU they use the hardware instructions.
#pragma once

#include "kiln/types/host_device.h"

namespace kiln {

namespace detail {

KILN_HD float half_bits_to_float(uint16_t h) {
#if KILN_DEVICE_CODE
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
#else
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // inf or nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);  // normal: rebias 15 -> 127
  } else if (man == 0) {
    bits = sign;  // signed zero
  } else {
    // subnormal half: value = man * 2^-24, exactly representable in float
    float v = float(man) * 5.9604644775390625e-8f;
    bits = sign | bit_cast<uint32_t>(v);
  }
  return bit_cast<float>(bits);
#endif
}

KILN_HD uint16_t float_to_half_bits(float f) {
#if KILN_DEVICE_CODE
  uint16_t h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
#else
  uint32_t x = bit_cast<uint32_t>(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {  // inf or nan (keep nan quiet)
    return sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u);
  }
  if (ax >= 0x477ff000u) {  // rounds to >= 65520: overflow to inf
    return sign | 0x7c00u;
  }
  if (ax < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
    // Adding 0.5 aligns the half subnormal grid (2^-24) with float's mantissa LSBs, so
    // the hardware's round-to-nearest-even does the rounding.
    float v = bit_cast<float>(ax) + 0.5f;
    return sign | uint16_t(bit_cast<uint32_t>(v) - 0x3f000000u);
  }
  // normal: rebias exponent and round the 13 dropped mantissa bits to nearest even
  uint32_t odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + odd;  // (15 - 127) << 23 plus rounding bias
  return sign | uint16_t(ax >> 13);
#endif
}

KILN_HD float bf16_bits_to_float(uint16_t b) { return bit_cast<float>(uint32_t(b) << 16); }

KILN_HD uint16_t float_to_bf16_bits(float f) {
#if KILN_DEVICE_CODE && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint16_t b;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b) : "f"(f));
  return b;
#else
  uint32_t x = bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet nan
  x += 0x7fffu + ((x >> 16) & 1u);
  return uint16_t(x >> 16);
#endif
}

}  // namespace detail

// A 16-bit float with implicit conversion to and from float: `a + b` computes in float.
template <typename Tag>
struct alignas(2) half_base {
  uint16_t bits;
  half_base() = default;
  KILN_HD half_base(float f) : bits(Tag::from_float(f)) {}
  KILN_HD half_base(double f) : bits(Tag::from_float(float(f))) {}
  KILN_HD half_base(int v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(unsigned v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(long v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(unsigned long v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(long long v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(unsigned long long v) : bits(Tag::from_float(float(v))) {}
  KILN_HD half_base(bool v) : bits(Tag::from_float(v ? 1.0f : 0.0f)) {}
  KILN_HD operator float() const { return Tag::to_float(bits); }
};

struct float16_tag {
  KILN_HD static uint16_t from_float(float f) { return detail::float_to_half_bits(f); }
  KILN_HD static float to_float(uint16_t b) { return detail::half_bits_to_float(b); }
};
struct bfloat16_tag {
  KILN_HD static uint16_t from_float(float f) { return detail::float_to_bf16_bits(f); }
  KILN_HD static float to_float(uint16_t b) { return detail::bf16_bits_to_float(b); }
};

using float16_t = half_base<float16_tag>;
using bfloat16_t = half_base<bfloat16_tag>;

}  // namespace kiln
