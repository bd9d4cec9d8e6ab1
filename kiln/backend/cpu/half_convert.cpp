#include "kiln/backend/cpu/half_convert.h"

#include <cstring>

#include "kiln/backend/cpu/elementwise.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::cpu {

namespace {

const uint16_t* raw(const float16_t* p) { return reinterpret_cast<const uint16_t*>(p); }
const uint16_t* raw(const bfloat16_t* p) { return reinterpret_cast<const uint16_t*>(p); }
uint16_t* raw(float16_t* p) { return reinterpret_cast<uint16_t*>(p); }
uint16_t* raw(bfloat16_t* p) { return reinterpret_cast<uint16_t*>(p); }

#if defined(__x86_64__) && !defined(__clang__)
#define KILN_HAVE_X86_DISPATCH 1

__attribute__((target("avx512f"))) void h2f_avx512(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(out + i, _mm512_maskz_cvtph_ps(0xffff, h));
  }
  for (; i < n; ++i) out[i] = detail::half_bits_to_float(in[i]);
}

__attribute__((target("avx512f"))) void f2h_avx512(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i h = _mm512_maskz_cvtps_ph(0xffff, _mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), h);
  }
  for (; i < n; ++i) out[i] = detail::float_to_half_bits(in[i]);
}

__attribute__((target("avx,f16c"))) void h2f_f16c(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) out[i] = detail::half_bits_to_float(in[i]);
}

__attribute__((target("avx,f16c"))) void f2h_f16c(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  for (; i < n; ++i) out[i] = detail::float_to_half_bits(in[i]);
}

enum class HalfIsa { avx512, f16c, none };
HalfIsa half_isa() {
  static const HalfIsa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return HalfIsa::avx512;
    if (__builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c")) return HalfIsa::f16c;
    return HalfIsa::none;
  }();
  return isa;
}
#endif

KILN_SIMD_CLONES void bf2f(const uint16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = detail::bf16_bits_to_float(in[i]);
}

// Round to nearest even; nan stays a (quiet) nan. Branch-free so that it vectorizes.
KILN_SIMD_CLONES void f2bf(const float* in, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t x;
    std::memcpy(&x, in + i, 4);
    uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
    uint32_t quiet = (x >> 16) | 0x40u;
    out[i] = uint16_t((x & 0x7fffffffu) > 0x7f800000u ? quiet : rounded);
  }
}

}  // namespace

void to_float(const float16_t* in, float* out, int64_t n) {
#ifdef KILN_HAVE_X86_DISPATCH
  switch (half_isa()) {
    case HalfIsa::avx512: return h2f_avx512(raw(in), out, n);
    case HalfIsa::f16c: return h2f_f16c(raw(in), out, n);
    case HalfIsa::none: break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = float(in[i]);
}

void from_float(const float* in, float16_t* out, int64_t n) {
#ifdef KILN_HAVE_X86_DISPATCH
  switch (half_isa()) {
    case HalfIsa::avx512: return f2h_avx512(in, raw(out), n);
    case HalfIsa::f16c: return f2h_f16c(in, raw(out), n);
    case HalfIsa::none: break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = float16_t(in[i]);
}

void to_float(const bfloat16_t* in, float* out, int64_t n) { bf2f(raw(in), out, n); }
void from_float(const float* in, bfloat16_t* out, int64_t n) { f2bf(in, raw(out), n); }

}  // namespace kiln::cpu
