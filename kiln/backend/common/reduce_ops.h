// The combining rules of the reductions and scans, and the accumulator policy, written once.
// Like elementwise_ops.h, this header compiles as host C++ (the CPU kernels), as CUDA device
// code and under NVRTC (CMake embeds its text for the GPU kernels), so both backends fold
// the same values in the same types with the same rules: NaN propagation in max/min and
// wrap-around of integer sums cannot drift apart.
//
// A rule has `acc_t` (the type it folds in), init() (its identity) and operator(), which
// combines an earlier value (left) with a later one (right). `pairwise` marks the rules whose
// float error grows along one serial chain (sums): the CPU kernels split long runs in halves.
#pragma once

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/types/cast.h"

#if !KILN_DEVICE_CODE
#include "kiln/dtype.h"
#endif

namespace kiln::red {

// ------------------------------------------------------------------ the accumulator policy

// std::conditional, available where the standard library is not (NVRTC).
template <bool C, typename A, typename B> struct select_type { typedef A type; };
template <typename A, typename B> struct select_type<false, A, B> { typedef B type; };

// Sums and products accumulate in a type chosen by their output: float for 16-bit floats,
// and unsigned arithmetic for signed integers, so overflow wraps (as in MLX) instead of
// being undefined.
template <typename O> struct sum_acc { typedef O type; };
template <> struct sum_acc<float16_t> { typedef float type; };
template <> struct sum_acc<bfloat16_t> { typedef float type; };
template <> struct sum_acc<int8_t> { typedef uint8_t type; };
template <> struct sum_acc<int16_t> { typedef uint16_t type; };
template <> struct sum_acc<int32_t> { typedef uint32_t type; };
template <> struct sum_acc<int64_t> { typedef uint64_t type; };
template <typename O> using sum_acc_t = typename sum_acc<O>::type;

// The output type of sum and prod by default (MLX's): int32/uint32 for bool and integers of
// up to 32 bits, the input type otherwise.
template <typename T> struct sum_out { typedef T type; };
template <> struct sum_out<bool> { typedef int32_t type; };
template <> struct sum_out<int8_t> { typedef int32_t type; };
template <> struct sum_out<int16_t> { typedef int32_t type; };
template <> struct sum_out<uint8_t> { typedef uint32_t type; };
template <> struct sum_out<uint16_t> { typedef uint32_t type; };
template <typename T> using sum_out_t = typename sum_out<T>::type;

// Max, min, the arg-reductions and logsumexp compare 16-bit floats as float (exact both ways).
template <typename T> using cmp_t = typename select_type<is_half_type<T>::value, float, T>::type;

// Running sums and products into output type O: a float accumulator would drift along long
// axes (error growing with the length, and a scan is one serial chain), so floats run in
// double.
template <typename O>
using scan_acc_t =
    typename select_type<is_same_type<sum_acc_t<O>, float>::value, double, sum_acc_t<O>>::type;

// ------------------------------------------------------------------ identities

// The extremes of an accumulator type: the identities of max and min. Integers use two's
// complement extremes (the sign bit set through an unsigned shift: a signed shift into the
// sign bit is undefined before C++20); floats use the infinities.
template <typename T> struct Limits {
  static KILN_HD T lowest() { return T(-1) < T(0) ? T(1ull << (sizeof(T) * 8 - 1)) : T(0); }
  static KILN_HD T highest() { return T(~lowest()); }
};
template <> struct Limits<bool> {
  static KILN_HD bool lowest() { return false; }
  static KILN_HD bool highest() { return true; }
};
template <> struct Limits<float> {
  static KILN_HD float lowest() { return bit_cast<float>(0xff800000u); }
  static KILN_HD float highest() { return bit_cast<float>(0x7f800000u); }
};
template <> struct Limits<double> {
  static KILN_HD double lowest() { return bit_cast<double>(0xfff0000000000000ull); }
  static KILN_HD double highest() { return bit_cast<double>(0x7ff0000000000000ull); }
};
template <> struct Limits<complex64_t> {
  static KILN_HD complex64_t lowest() {
    return complex64_t(Limits<float>::lowest(), Limits<float>::lowest());
  }
  static KILN_HD complex64_t highest() {
    return complex64_t(Limits<float>::highest(), Limits<float>::highest());
  }
};

// ------------------------------------------------------------------ the rules

// 16-bit floats are never accumulators (the policy above picks float for them).
template <typename A> struct Sum {
  typedef A acc_t;
  static constexpr bool pairwise = true;
  static KILN_HD A init() { return A(0); }
  KILN_HD A operator()(A a, A b) const { return ew::Add{}(a, b); }
};
template <typename A> struct Prod {
  typedef A acc_t;
  static constexpr bool pairwise = false;
  static KILN_HD A init() { return A(1); }
  KILN_HD A operator()(A a, A b) const { return ew::Multiply{}(a, b); }
};
// NaN wins (NumPy's max/min propagate it).
template <typename A> struct Max {
  typedef A acc_t;
  static constexpr bool pairwise = false;
  static KILN_HD A init() { return Limits<A>::lowest(); }
  KILN_HD A operator()(A a, A b) const { return ew::Maximum{}(a, b); }
};
template <typename A> struct Min {
  typedef A acc_t;
  static constexpr bool pairwise = false;
  static KILN_HD A init() { return Limits<A>::highest(); }
  KILN_HD A operator()(A a, A b) const { return ew::Minimum{}(a, b); }
};
struct And {
  typedef bool acc_t;
  static constexpr bool pairwise = false;
  static KILN_HD bool init() { return true; }
  KILN_HD bool operator()(bool a, bool b) const { return a && b; }
};
struct Or {
  typedef bool acc_t;
  static constexpr bool pairwise = false;
  static KILN_HD bool init() { return false; }
  KILN_HD bool operator()(bool a, bool b) const { return a || b; }
};
// log(exp(a) + exp(b)), for logcumsumexp.
template <typename A> struct LogAddExp {
  typedef A acc_t;
  static constexpr bool pairwise = false;
  // -inf, whose exp is 0 (for complex, -inf + 0j: the imaginary part of a zero is 0)
  static KILN_HD A init() { return A(Limits<float>::lowest()); }
  KILN_HD A operator()(A a, A b) const { return ew::LogAddExp{}(a, b); }
};

#if !KILN_DEVICE_CODE
// ------------------------------------------------------------------ the policy per dtype
// Host code that picks kernels at run time asks the type-level policy above through these.

// The accumulator of sums and products into `out`.
inline Dtype sum_accumulator(Dtype out) {
  return dispatch_dtype(out, []<typename T>(type_tag<T>) { return dtype_v<sum_acc_t<T>>; });
}
// The type max, min and the arg-reductions of `d` compare in.
inline Dtype compare_dtype(Dtype d) {
  return dispatch_dtype(d, []<typename T>(type_tag<T>) { return dtype_v<cmp_t<T>>; });
}
// The accumulator of running sums and products into `out`.
inline Dtype scan_accumulator(Dtype out) {
  return dispatch_dtype(out, []<typename T>(type_tag<T>) { return dtype_v<scan_acc_t<T>>; });
}
#endif

}  // namespace kiln::red
