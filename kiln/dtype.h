// Element types, their categories and the promotion rules (MLX's lattice).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kiln/types/complex.h"
#include "kiln/types/half.h"

namespace kiln {

struct Dtype {
  enum class Val : uint8_t {
    bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
    float16, bfloat16, float32, float64, complex64,
  };
  static constexpr int count = 14;
  Val val;
  uint8_t size;
  constexpr Dtype(Val v, uint8_t s) : val(v), size(s) {}
  constexpr bool operator==(const Dtype& o) const { return val == o.val; }
  constexpr int index() const { return int(val); }
};

inline constexpr Dtype bool_{Dtype::Val::bool_, 1};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

// Every dtype, in enum order.
inline constexpr Dtype all_dtypes[Dtype::count] = {
    bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
    float16, bfloat16, float32, float64, complex64};

enum class DtypeCategory {
  complexfloating, floating, inexact, signedinteger, unsignedinteger, integer, number, generic,
};

const char* dtype_name(Dtype d);            // "float32"
Dtype dtype_from_name(const std::string&);  // throws std::invalid_argument
std::ostream& operator<<(std::ostream& os, Dtype d);

constexpr bool is_floating_point(Dtype d) {  // real floating types
  return d == float16 || d == bfloat16 || d == float32 || d == float64;
}
constexpr bool is_complex(Dtype d) { return d == complex64; }
constexpr bool is_inexact(Dtype d) { return is_floating_point(d) || is_complex(d); }
constexpr bool is_unsigned(Dtype d) {
  return d == uint8 || d == uint16 || d == uint32 || d == uint64;
}
constexpr bool is_signed_integer(Dtype d) {
  return d == int8 || d == int16 || d == int32 || d == int64;
}
constexpr bool is_integral(Dtype d) { return is_unsigned(d) || is_signed_integer(d); }
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, DtypeCategory b);

// The result type of combining two dtypes (MLX's table: e.g. int32+float16 -> float16,
// uint64+int64 -> float32, float16+bfloat16 -> float32).
Dtype promote_types(Dtype a, Dtype b);

// The dtype a Python scalar takes next to an array of dtype `other` (weak typing):
// kind 'b' bool, 'i' int, 'f' float, 'c' complex.
Dtype weak_scalar_dtype(char kind, std::optional<Dtype> other);

// Floating type for an op that needs one (sqrt of int32 -> float32).
Dtype to_inexact(Dtype d);

struct finfo {
  explicit finfo(Dtype d);
  Dtype dtype;
  int bits;
  double min, max, eps, smallest_normal;
};
struct iinfo {
  explicit iinfo(Dtype d);
  Dtype dtype;
  int64_t min;
  uint64_t max;
};

// C++ type <-> Dtype.
template <typename T> struct dtype_of;
#define KILN_DTYPE_OF(T, D) template <> struct dtype_of<T> { static constexpr Dtype value = D; };
KILN_DTYPE_OF(bool, bool_)
KILN_DTYPE_OF(uint8_t, uint8)
KILN_DTYPE_OF(uint16_t, uint16)
KILN_DTYPE_OF(uint32_t, uint32)
KILN_DTYPE_OF(uint64_t, uint64)
KILN_DTYPE_OF(int8_t, int8)
KILN_DTYPE_OF(int16_t, int16)
KILN_DTYPE_OF(int32_t, int32)
KILN_DTYPE_OF(int64_t, int64)
KILN_DTYPE_OF(float16_t, float16)
KILN_DTYPE_OF(bfloat16_t, bfloat16)
KILN_DTYPE_OF(float, float32)
KILN_DTYPE_OF(double, float64)
KILN_DTYPE_OF(complex64_t, complex64)
#undef KILN_DTYPE_OF
template <typename T> inline constexpr Dtype dtype_v = dtype_of<T>::value;

template <typename T> struct type_tag { using type = T; };

// Call f(type_tag<T>{}) with the C++ type of `d`.
template <typename F>
decltype(auto) dispatch_dtype(Dtype d, F&& f) {
  switch (d.val) {
    case Dtype::Val::bool_: return f(type_tag<bool>{});
    case Dtype::Val::uint8: return f(type_tag<uint8_t>{});
    case Dtype::Val::uint16: return f(type_tag<uint16_t>{});
    case Dtype::Val::uint32: return f(type_tag<uint32_t>{});
    case Dtype::Val::uint64: return f(type_tag<uint64_t>{});
    case Dtype::Val::int8: return f(type_tag<int8_t>{});
    case Dtype::Val::int16: return f(type_tag<int16_t>{});
    case Dtype::Val::int32: return f(type_tag<int32_t>{});
    case Dtype::Val::int64: return f(type_tag<int64_t>{});
    case Dtype::Val::float16: return f(type_tag<float16_t>{});
    case Dtype::Val::bfloat16: return f(type_tag<bfloat16_t>{});
    case Dtype::Val::float32: return f(type_tag<float>{});
    case Dtype::Val::float64: return f(type_tag<double>{});
    case Dtype::Val::complex64: return f(type_tag<complex64_t>{});
  }
  throw std::logic_error("dispatch_dtype: corrupt dtype");
}

// Call f(type_tag<I>{}) with the C++ type of an integer dtype (index arrays); throws
// std::invalid_argument for any other. f returns the same type for every I.
template <typename F>
decltype(auto) dispatch_integer(Dtype d, F&& f) {
  if (!is_integral(d)) {
    throw std::invalid_argument(std::string("indices must be integers, got ") + dtype_name(d));
  }
  using R = decltype(f(type_tag<int32_t>{}));
  return dispatch_dtype(d, [&]<typename T>(type_tag<T> t) -> R {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      return f(t);
    } else {
      throw std::logic_error("dispatch_integer: not an integer type");
    }
  });
}

// Call f(type_tag<T>{}, type_tag<C>{}) with the C++ type T of a real floating dtype and the
// type C to compute in (float for the 16-bit floats); throws std::invalid_argument naming
// `op` for any other dtype.
template <typename F>
decltype(auto) dispatch_float(Dtype d, const char* op, F&& f) {
  switch (d.val) {
    case Dtype::Val::float16: return f(type_tag<float16_t>{}, type_tag<float>{});
    case Dtype::Val::bfloat16: return f(type_tag<bfloat16_t>{}, type_tag<float>{});
    case Dtype::Val::float32: return f(type_tag<float>{}, type_tag<float>{});
    case Dtype::Val::float64: return f(type_tag<double>{}, type_tag<double>{});
    default: break;
  }
  throw std::invalid_argument(std::string("[") + op + "] expects a real floating input, got " +
                              dtype_name(d));
}

// Call f(type_tag<U>{}) with the unsigned integer type of `size` bytes (1, 2, 4 or 8): code
// that only moves elements needs one instantiation per element size, not per dtype.
template <typename F>
decltype(auto) dispatch_bits(size_t size, F&& f) {
  switch (size) {
    case 1: return f(type_tag<uint8_t>{});
    case 2: return f(type_tag<uint16_t>{});
    case 4: return f(type_tag<uint32_t>{});
    case 8: return f(type_tag<uint64_t>{});
  }
  throw std::logic_error("dispatch_bits: unexpected element size " + std::to_string(size));
}

}  // namespace kiln

template <>
struct std::hash<kiln::Dtype> {
  size_t operator()(const kiln::Dtype& d) const noexcept { return size_t(d.val); }
};
