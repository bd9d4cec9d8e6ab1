// The elementwise formulas, written once. This header compiles as host C++ (the CPU
// kernels), as CUDA device code, and under NVRTC (CMake embeds its text for the GPU
// kernels and for compile-generated code), so every backend computes the same function.
//
// A functor has operator() overloads for the element types it supports, each a template
// constrained to exact types; a type without an overload is unsupported for that op
// (kiln/ops checks this before building a node).
// 16-bit floats compute in float and round once at the end.
#pragma once

#include "kiln/types/complex.h"
#include "kiln/types/half.h"
#include "kiln/types/math.h"

namespace kiln::ew {

template <typename T> struct is_real_float { static constexpr bool value = false; };
template <> struct is_real_float<float> { static constexpr bool value = true; };
template <> struct is_real_float<double> { static constexpr bool value = true; };
template <typename T> struct is_int {
  static constexpr bool value = false;
};
#define KILN_EW_INT(T) template <> struct is_int<T> { static constexpr bool value = true; };
KILN_EW_INT(int8_t) KILN_EW_INT(int16_t) KILN_EW_INT(int32_t) KILN_EW_INT(int64_t)
KILN_EW_INT(uint8_t) KILN_EW_INT(uint16_t) KILN_EW_INT(uint32_t) KILN_EW_INT(uint64_t)
#undef KILN_EW_INT
template <typename T> struct is_signed_int {
  static constexpr bool value = is_int<T>::value && (T(-1) < T(0));
};

template <bool B, typename T = void> struct enable_if {};
template <typename T> struct enable_if<true, T> { using type = T; };
#define KILN_IF(cond) typename enable_if<(cond), int>::type = 0
#define KILN_FLOAT(T) KILN_IF(is_real_float<T>::value)
#define KILN_HALF(T) KILN_IF(is_half_type<T>::value)
#define KILN_INT(T) KILN_IF(is_int<T>::value)
#define KILN_REAL(T) KILN_IF(is_real_float<T>::value || is_int<T>::value)
// complex64 and bool overloads are templates too, so that no argument reaches them through
// an implicit conversion (an int would otherwise select the complex formula).
#define KILN_COMPLEX(T) KILN_IF((is_same_type<T, complex64_t>::value))
#define KILN_BOOL(T) KILN_IF((is_same_type<T, bool>::value))

// A float formula applied to a 16-bit float: compute in float, round once.
#define KILN_HALF_VIA_FLOAT(Name) \
  template <typename T, KILN_HALF(T)> \
  KILN_HD T operator()(T x) const { return T(Name{}(float(x))); }

// ------------------------------------------------------------------ unary: same type out

struct Abs {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::abs(x); }
  KILN_HALF_VIA_FLOAT(Abs)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const {
    if constexpr (is_signed_int<T>::value) return x < 0 ? T(-x) : x;
    return x;
  }
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD float operator()(C z) const { return cmath::abs(z); }  // -> float32
};

struct Negative {
  template <typename T, KILN_IF(is_real_float<T>::value || is_int<T>::value)>
  KILN_HD T operator()(T x) const { return T(-x); }
  KILN_HALF_VIA_FLOAT(Negative)
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const { return -z; }
};

struct Sign {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const {
    // Zeros of either sign give +0 and nan stays nan, as in NumPy.
    return x > T(0) ? T(1) : (x < T(0) ? T(-1) : (x == T(0) ? T(0) : x));
  }
  KILN_HALF_VIA_FLOAT(Sign)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const {
    if constexpr (is_signed_int<T>::value) return T((x > 0) - (x < 0));
    return T(x > 0);
  }
  // z / |z| (NumPy 2's definition); an infinite part counts as +-1 and finite parts as 0.
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const {
    if (math::isinf(z.real) || math::isinf(z.imag)) {
      z = {math::isinf(z.real) ? math::copysign(1.0f, z.real) : 0.0f,
           math::isinf(z.imag) ? math::copysign(1.0f, z.imag) : 0.0f};
    }
    float m = cmath::abs(z);
    return m == 0.0f ? complex64_t(0.0f) : complex64_t(z.real / m, z.imag / m);
  }
};

struct Square {
  template <typename T, KILN_REAL(T)> KILN_HD T operator()(T x) const { return T(x * x); }
  KILN_HALF_VIA_FLOAT(Square)
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const { return z * z; }
};

#define KILN_FLOAT_FN(Name, fn)                                                            \
  struct Name {                                                                            \
    template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::fn(x); } \
    KILN_HALF_VIA_FLOAT(Name)                                                              \
  };
#define KILN_FLOAT_COMPLEX_FN(Name, fn)                                                    \
  struct Name {                                                                            \
    template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::fn(x); } \
    KILN_HALF_VIA_FLOAT(Name)                                                              \
    template <typename C, KILN_COMPLEX(C)> \
    KILN_HD complex64_t operator()(C z) const { return cmath::fn(z); } \
  };

KILN_FLOAT_COMPLEX_FN(Sqrt, sqrt)
KILN_FLOAT_COMPLEX_FN(Exp, exp)
KILN_FLOAT_COMPLEX_FN(Log, log)
KILN_FLOAT_COMPLEX_FN(Sin, sin)
KILN_FLOAT_COMPLEX_FN(Cos, cos)
KILN_FLOAT_COMPLEX_FN(Tan, tan)
KILN_FLOAT_COMPLEX_FN(Sinh, sinh)
KILN_FLOAT_COMPLEX_FN(Cosh, cosh)
KILN_FLOAT_COMPLEX_FN(Tanh, tanh)
KILN_FLOAT_COMPLEX_FN(Expm1, expm1)
KILN_FLOAT_COMPLEX_FN(Log1p, log1p)
KILN_FLOAT_COMPLEX_FN(ArcSin, asin)
KILN_FLOAT_COMPLEX_FN(ArcCos, acos)
KILN_FLOAT_COMPLEX_FN(ArcTan, atan)
KILN_FLOAT_COMPLEX_FN(ArcSinh, asinh)
KILN_FLOAT_COMPLEX_FN(ArcCosh, acosh)
KILN_FLOAT_COMPLEX_FN(ArcTanh, atanh)
KILN_FLOAT_FN(Erf, erf)
KILN_FLOAT_FN(ErfInv, erfinv)
#undef KILN_FLOAT_FN
#undef KILN_FLOAT_COMPLEX_FN

struct Log2 {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::log2(x); }
  KILN_HALF_VIA_FLOAT(Log2)
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const {
    complex64_t l = cmath::log(z);
    return {l.real * 1.4426950408889634f, l.imag * 1.4426950408889634f};
  }
};
struct Log10 {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::log10(x); }
  KILN_HALF_VIA_FLOAT(Log10)
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const {
    complex64_t l = cmath::log(z);
    return {l.real * 0.4342944819032518f, l.imag * 0.4342944819032518f};
  }
};

struct Rsqrt {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::rsqrt(x); }
  KILN_HALF_VIA_FLOAT(Rsqrt)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C z) const { return complex64_t(1.0f) / cmath::sqrt(z); }
};

struct Reciprocal {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return T(1) / x; }
  KILN_HALF_VIA_FLOAT(Reciprocal)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C z) const { return complex64_t(1.0f) / z; }
};

struct Sigmoid {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const {
    // e = exp(-|x|) never overflows; for x < 0 the result e / (1 + e) keeps its relative
    // accuracy down to the subnormals instead of cancelling in 1 - s.
    T e = math::exp(-math::abs(x));
    return (x >= T(0) ? T(1) : e) / (T(1) + e);
  }
  KILN_HALF_VIA_FLOAT(Sigmoid)
};

struct Floor {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::floor(x); }
  KILN_HALF_VIA_FLOAT(Floor)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const { return x; }
};
struct Ceil {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::ceil(x); }
  KILN_HALF_VIA_FLOAT(Ceil)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const { return x; }
};
struct Trunc {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::trunc(x); }
  KILN_HALF_VIA_FLOAT(Trunc)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const { return x; }
};
// Round half to even, as NumPy does.
struct Round {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x) const { return math::rint(x); }
  KILN_HALF_VIA_FLOAT(Round)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const { return x; }
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C z) const {
    return {math::rint(z.real), math::rint(z.imag)};
  }
};

struct Conjugate {
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C z) const { return cmath::conj(z); }
};
struct Real {
  template <typename C, KILN_COMPLEX(C)> KILN_HD float operator()(C z) const { return z.real; }
};
struct Imag {
  template <typename C, KILN_COMPLEX(C)> KILN_HD float operator()(C z) const { return z.imag; }
};

struct LogicalNot {
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x) const { return !x; }
};

struct BitwiseInvert {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x) const { return T(~x); }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x) const { return !x; }
};

// ------------------------------------------------------------------ unary: bool out

#define KILN_FLOAT_PREDICATE(Name, expr)                                                       \
  struct Name {                                                                                \
    template <typename T, KILN_FLOAT(T)> KILN_HD bool operator()(T x) const { return expr; }   \
    template <typename T, KILN_HALF(T)> KILN_HD bool operator()(T h) const {                   \
      float x = float(h);                                                                      \
      return expr;                                                                             \
    }                                                                                          \
    template <typename T, KILN_INT(T)> KILN_HD bool operator()(T) const { return false; }      \
    template <typename B, KILN_BOOL(B)> \
    KILN_HD bool operator()(B) const { return false; } \
  };
KILN_FLOAT_PREDICATE(IsNanReal, math::isnan(x))
KILN_FLOAT_PREDICATE(IsPosInf, math::isinf(x) && x > 0)
KILN_FLOAT_PREDICATE(IsNegInf, math::isinf(x) && x < 0)
#undef KILN_FLOAT_PREDICATE

struct IsNan : IsNanReal {
  using IsNanReal::operator();
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD bool operator()(C z) const { return math::isnan(z.real) || math::isnan(z.imag); }
};

struct IsInf {
  template <typename T, KILN_FLOAT(T)> KILN_HD bool operator()(T x) const { return math::isinf(x); }
  template <typename T, KILN_HALF(T)>
  KILN_HD bool operator()(T x) const { return math::isinf(float(x)); }
  template <typename T, KILN_INT(T)> KILN_HD bool operator()(T) const { return false; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B) const { return false; }
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD bool operator()(C z) const { return math::isinf(z.real) || math::isinf(z.imag); }
};
struct IsFinite {
  template <typename T, KILN_FLOAT(T)> KILN_HD bool operator()(T x) const {
    return !math::isinf(x) && !math::isnan(x);
  }
  template <typename T, KILN_HALF(T)>
  KILN_HD bool operator()(T x) const { return (*this)(float(x)); }
  template <typename T, KILN_INT(T)> KILN_HD bool operator()(T) const { return true; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B) const { return true; }
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD bool operator()(C z) const { return (*this)(z.real) && (*this)(z.imag); }
};

// ------------------------------------------------------------------ binary

#define KILN_HALF2_VIA_FLOAT(Name)                                                   \
  template <typename T, KILN_HALF(T)> KILN_HD T operator()(T x, T y) const {         \
    return T(Name{}(float(x), float(y)));                                            \
  }

struct Add {
  template <typename T, KILN_REAL(T)> KILN_HD T operator()(T x, T y) const { return T(x + y); }
  KILN_HALF2_VIA_FLOAT(Add)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C x, C y) const { return x + y; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x | y; }
};
struct Subtract {
  template <typename T, KILN_REAL(T)> KILN_HD T operator()(T x, T y) const { return T(x - y); }
  KILN_HALF2_VIA_FLOAT(Subtract)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C x, C y) const { return x - y; }
};
struct Multiply {
  template <typename T, KILN_REAL(T)> KILN_HD T operator()(T x, T y) const { return T(x * y); }
  KILN_HALF2_VIA_FLOAT(Multiply)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C x, C y) const { return x * y; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x & y; }
};
// True division; integer inputs are promoted to float by the op before they get here.
struct Divide {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const { return x / y; }
  KILN_HALF2_VIA_FLOAT(Divide)
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C x, C y) const { return x / y; }
};

// Python's floor division and modulo: the remainder takes the divisor's sign. Integer
// division by zero gives 0 (NumPy warns and gives 0).
struct FloorDivide {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const {
    if (y == T(0)) return x / y;
    T mod = math::fmod(x, y);
    T div = (x - mod) / y;
    if (mod != T(0) && ((y < T(0)) != (mod < T(0)))) div -= T(1);
    if (div == T(0)) return math::copysign(T(0), x / y);
    T fl = math::floor(div);
    if (div - fl > T(0.5)) fl += T(1);
    return fl;
  }
  KILN_HALF2_VIA_FLOAT(FloorDivide)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const {
    if constexpr (sizeof(T) <= 4) {
      // Through double, which vectorizes (integer division does not) and is exact here: a
      // quotient within half an ulp of an integer it is not would need |x| >= 2^53.
      double q = math::floor(double(x) / double(y));
      return T(int64_t(y == 0 ? 0.0 : q));  // MIN / -1 wraps to MIN, as in NumPy
    } else {
      if (y == 0) return T(0);
      if constexpr (is_signed_int<T>::value) {
        if (y == T(-1)) return T(T(0) - x);  // avoids the overflow trap of MIN / -1
        T q = T(x / y);
        if ((x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1);
        return q;
      }
      return T(x / y);
    }
  }
};
struct Remainder {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const {
    T r = math::fmod(x, y);
    if (r != T(0) && ((r < T(0)) != (y < T(0)))) r += y;
    else if (r == T(0)) r = math::copysign(T(0), y);
    return r;
  }
  KILN_HALF2_VIA_FLOAT(Remainder)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const {
    if constexpr (sizeof(T) <= 4) {
      // x - y floor(x / y), exactly in double (see FloorDivide).
      double xd = double(x), yd = double(y);
      double r = xd - yd * math::floor(xd / yd);
      return T(int64_t(y == 0 ? 0.0 : r));
    } else {
      if (y == 0) return T(0);
      if constexpr (is_signed_int<T>::value) {
        if (y == T(-1)) return T(0);
        T r = T(x % y);
        if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y);
        return r;
      }
      return T(x % y);
    }
  }
};

struct Power {
  template <typename T, KILN_FLOAT(T)>
  KILN_HD T operator()(T x, T y) const { return math::pow(x, y); }
  KILN_HALF2_VIA_FLOAT(Power)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const {
    // Integer power by squaring; negative exponents give 0 except for bases 1 and -1.
    if constexpr (is_signed_int<T>::value) {
      if (y < 0) return x == 1 ? T(1) : (x == -1 ? T((y & 1) ? -1 : 1) : T(0));
    }
    T result = 1, base = x;
    for (T e = y; e > 0; e = T(e >> 1)) {
      if (e & 1) result = T(result * base);
      base = T(base * base);
    }
    return result;
  }
  template <typename C, KILN_COMPLEX(C)>
  KILN_HD complex64_t operator()(C x, C y) const { return cmath::pow(x, y); }
};

// maximum/minimum propagate nan, as NumPy's do; of equal values (0 and -0) they return y,
// as NumPy's float32/float64 loops do.
struct Maximum {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const {
    return (x > y || math::isnan(x)) ? x : y;
  }
  KILN_HALF2_VIA_FLOAT(Maximum)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const { return x > y ? x : y; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x | y; }
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C x, C y) const {
    if (math::isnan(x.real) || math::isnan(x.imag)) return x;
    if (math::isnan(y.real) || math::isnan(y.imag)) return y;
    return x > y ? x : y;
  }
};
struct Minimum {
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const {
    return (x < y || math::isnan(x)) ? x : y;
  }
  KILN_HALF2_VIA_FLOAT(Minimum)
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const { return x < y ? x : y; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x & y; }
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C x, C y) const {
    if (math::isnan(x.real) || math::isnan(x.imag)) return x;
    if (math::isnan(y.real) || math::isnan(y.imag)) return y;
    return x < y ? x : y;
  }
};

struct LogAddExp {
  // Branch-free so that it vectorizes: a nan in either input reaches the result through
  // hi or lo - hi; equal infinities (where lo - hi is nan) are the one case to pick out.
  template <typename T, KILN_FLOAT(T)> KILN_HD T operator()(T x, T y) const {
    T hi = x > y ? x : y, lo = x > y ? y : x;
    T r = math::add_log1p_exp(hi, lo);
    return ((hi == lo) & math::isinf(hi)) ? hi : r;
  }
  KILN_HALF2_VIA_FLOAT(LogAddExp)
  // Complex: shifted by the operand with the larger real part. A real part of -inf adds
  // nothing (also where both are -inf, when lo - hi is nan); one of +inf dominates.
  template <typename C, KILN_COMPLEX(C)> KILN_HD complex64_t operator()(C x, C y) const {
    bool x_hi = x.real >= y.real;
    C hi = x_hi ? x : y, lo = x_hi ? y : x;
    if ((math::isinf(lo.real) && lo.real < 0) || (math::isinf(hi.real) && hi.real > 0)) {
      return hi;
    }
    return hi + cmath::log1p(cmath::exp(lo - hi));
  }
};

struct ArcTan2 {
  template <typename T, KILN_FLOAT(T)>
  KILN_HD T operator()(T y, T x) const { return math::atan2(y, x); }
  KILN_HALF2_VIA_FLOAT(ArcTan2)
};

// Comparisons: T, T -> bool.
#define KILN_COMPARE(Name, op)                                                                 \
  struct Name {                                                                                \
    template <typename T> KILN_HD bool operator()(T x, T y) const {                            \
      if constexpr (is_half_type<T>::value) return float(x) op float(y);                       \
      else return x op y;                                                                      \
    }                                                                                          \
  };
KILN_COMPARE(Equal, ==)
KILN_COMPARE(NotEqual, !=)
KILN_COMPARE(Less, <)
KILN_COMPARE(LessEqual, <=)
KILN_COMPARE(Greater, >)
KILN_COMPARE(GreaterEqual, >=)
#undef KILN_COMPARE

// equal with nan == nan (array_equal(equal_nan=True), isclose(equal_nan=True)).
struct NaNEqual {
  template <typename T, KILN_FLOAT(T)> KILN_HD bool operator()(T x, T y) const {
    return x == y || (math::isnan(x) && math::isnan(y));
  }
  template <typename T, KILN_HALF(T)> KILN_HD bool operator()(T x, T y) const {
    return (*this)(float(x), float(y));
  }
  template <typename T, KILN_INT(T)> KILN_HD bool operator()(T x, T y) const { return x == y; }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x == y; }
  template <typename C, KILN_COMPLEX(C)> KILN_HD bool operator()(C x, C y) const {
    bool xn = math::isnan(x.real) || math::isnan(x.imag);
    bool yn = math::isnan(y.real) || math::isnan(y.imag);
    return x == y || (xn && yn);
  }
};

// On bools, & and | rather than && and ||: no short-circuit branch in the kernels' loops.
struct LogicalAnd {
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x & y; }
};
struct LogicalOr {
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x | y; }
};

struct BitwiseAnd {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const { return T(x & y); }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x & y; }
};
struct BitwiseOr {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const { return T(x | y); }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x | y; }
};
struct BitwiseXor {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const { return T(x ^ y); }
  template <typename B, KILN_BOOL(B)> KILN_HD bool operator()(B x, B y) const { return x != y; }
};
// Shifts by more than the width give 0 (or -1 for negative values shifted right).
struct LeftShift {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const {
    if (y < 0 || uint64_t(y) >= sizeof(T) * 8) return T(0);
    return T(uint64_t(x) << y);
  }
};
struct RightShift {
  template <typename T, KILN_INT(T)> KILN_HD T operator()(T x, T y) const {
    if (y < 0 || uint64_t(y) >= sizeof(T) * 8) return T(x < T(0) ? T(-1) : T(0));
    return T(x >> y);
  }
};

// ------------------------------------------------------------------ ternary

struct Select {
  template <typename T> KILN_HD T operator()(bool c, T x, T y) const { return c ? x : y; }
};

}  // namespace kiln::ew
