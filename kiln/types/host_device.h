// Macros that let one header compile as host C++, as nvcc device code and under NVRTC.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define KILN_HD __host__ __device__ __forceinline__
#define KILN_DEVICE_CODE 1
#else
#define KILN_HD inline
#define KILN_DEVICE_CODE 0
#endif

#if defined(__CUDACC_RTC__)
// NVRTC has no standard library: the fixed-width integer types come from the compiler.
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
#else
#include <cstdint>
#include <cstring>
#endif

namespace kiln {

// Type traits the kernels share, available where the standard library is not (NVRTC).
// std::is_same:
template <typename A, typename B> struct is_same_type { static constexpr bool value = false; };
template <typename A> struct is_same_type<A, A> { static constexpr bool value = true; };

// Whether T is one of the 16-bit floats (float16_t, bfloat16_t: kiln/types/half.h).
template <typename Tag> struct half_base;
template <typename T> struct is_half_type { static constexpr bool value = false; };
template <typename Tag> struct is_half_type<half_base<Tag>> { static constexpr bool value = true; };

// Reinterpret the bits of one trivially copyable type as another of the same size.
template <typename To, typename From>
KILN_HD To bit_cast(From from) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast needs equal sizes");
#if KILN_DEVICE_CODE
  union {
    From f;
    To t;
  } u;
  u.f = from;
  return u.t;
#else
  To to;
  std::memcpy(&to, &from, sizeof(To));
  return to;
#endif
}

}  // namespace kiln
