#include "kiln/backend/cpu/stream_store.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::cpu {

#if defined(__x86_64__) && !defined(__clang__)

namespace {

__attribute__((target("avx512f"))) void stream_avx512(void* dst, const void* src, size_t bytes) {
  auto* d = static_cast<__m512i*>(dst);
  auto* s = static_cast<const __m512i*>(src);
  for (size_t i = 0; i < bytes / 64; ++i) _mm512_stream_si512(d + i, _mm512_loadu_si512(s + i));
}

__attribute__((target("avx"))) void stream_avx(void* dst, const void* src, size_t bytes) {
  auto* d = static_cast<__m256i*>(dst);
  auto* s = static_cast<const __m256i*>(src);
  for (size_t i = 0; i < bytes / 32; ++i) {
    _mm256_stream_si256(d + i, _mm256_loadu_si256(s + i));
  }
}

void stream_sse2(void* dst, const void* src, size_t bytes) {
  auto* d = static_cast<__m128i*>(dst);
  auto* s = static_cast<const __m128i*>(src);
  for (size_t i = 0; i < bytes / 16; ++i) _mm_stream_si128(d + i, _mm_loadu_si128(s + i));
}

using StreamFn = void (*)(void*, const void*, size_t);
StreamFn pick() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return stream_avx512;
  if (__builtin_cpu_supports("avx")) return stream_avx;
  return stream_sse2;
}

}  // namespace

void stream_store(void* dst, const void* src, size_t bytes) {
  static const StreamFn fn = pick();
  fn(dst, src, bytes);
}

void stream_fence() { _mm_sfence(); }

#else

void stream_store(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void stream_fence() {}

#endif

}  // namespace kiln::cpu
