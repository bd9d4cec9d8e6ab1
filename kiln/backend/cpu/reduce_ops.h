// The combining rules of the CPU reductions and scans, and their accumulator types.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/dtype.h"
#include "kiln/types/cast.h"

namespace kiln::cpu {

// Sums and products accumulate in a type chosen by the output: float for 16-bit floats, and
// unsigned arithmetic for integers so overflow wraps (as in MLX) instead of being undefined.
template <typename O> struct sum_acc { using type = O; };
template <> struct sum_acc<float16_t> { using type = float; };
template <> struct sum_acc<bfloat16_t> { using type = float; };
template <> struct sum_acc<int8_t> { using type = uint8_t; };
template <> struct sum_acc<int16_t> { using type = uint16_t; };
template <> struct sum_acc<int32_t> { using type = uint32_t; };
template <> struct sum_acc<int64_t> { using type = uint64_t; };
template <typename O> using sum_acc_t = typename sum_acc<O>::type;

// The output type of sum and prod by default (sum_dtype in primitives/reduce.h).
template <typename T> struct sum_default { using type = T; };
template <> struct sum_default<bool> { using type = int32_t; };
template <> struct sum_default<int8_t> { using type = int32_t; };
template <> struct sum_default<int16_t> { using type = int32_t; };
template <> struct sum_default<uint8_t> { using type = uint32_t; };
template <> struct sum_default<uint16_t> { using type = uint32_t; };
template <typename T> using sum_default_t = typename sum_default<T>::type;

// Max, min and the arg-reductions compare 16-bit floats as float (exact both ways).
template <typename T> using cmp_t = std::conditional_t<is_half_type<T>::value, float, T>;

template <typename A> constexpr bool is_float_acc = std::is_floating_point_v<A>;

template <typename A>
A lowest() {
  if constexpr (is_float_acc<A>) return -std::numeric_limits<A>::infinity();
  else if constexpr (is_complex_type<A>::value)
    return A(-std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity());
  else return std::numeric_limits<A>::lowest();
}
template <typename A>
A highest() {
  if constexpr (is_float_acc<A>) return std::numeric_limits<A>::infinity();
  else if constexpr (is_complex_type<A>::value)
    return A(std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity());
  else return std::numeric_limits<A>::max();
}

// Each rule: init() is the identity, combine(acc, x) folds one value in. `pairwise` rules
// (sums) lose accuracy with long serial chains, so kernels split long runs in halves.
template <typename A>
struct SumOp {
  static constexpr bool pairwise = true;
  static A init() { return A(0); }
  static A combine(A a, A b) { return a + b; }
};
template <typename A>
struct ProdOp {
  static constexpr bool pairwise = false;
  static A init() { return A(1); }
  static A combine(A a, A b) {
    if constexpr (std::is_same_v<A, bool>) return a && b;
    else return a * b;
  }
};
// NaN wins (NumPy's max/min propagate it).
template <typename A>
struct MaxOp {
  static constexpr bool pairwise = false;
  static A init() { return lowest<A>(); }
  static A combine(A a, A b) { return ew::Maximum{}(a, b); }
};
template <typename A>
struct MinOp {
  static constexpr bool pairwise = false;
  static A init() { return highest<A>(); }
  static A combine(A a, A b) { return ew::Minimum{}(a, b); }
};
struct AndOp {
  static constexpr bool pairwise = false;
  static bool init() { return true; }
  static bool combine(bool a, bool b) { return a && b; }
};
struct OrOp {
  static constexpr bool pairwise = false;
  static bool init() { return false; }
  static bool combine(bool a, bool b) { return a || b; }
};

// log(exp(a) + exp(b)), for logcumsumexp.
template <typename A>
struct LogAddExpOp {
  static constexpr bool pairwise = false;
  static A init() { return -std::numeric_limits<A>::infinity(); }
  static A combine(A a, A b) { return ew::LogAddExp{}(a, b); }
};

}  // namespace kiln::cpu
