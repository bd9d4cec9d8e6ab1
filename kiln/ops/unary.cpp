#include "kiln/ops/unary.h"

#include <cmath>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/shape.h"
#include "kiln/primitives/transforms.h"
#include "kiln/primitives/unary.h"

namespace kiln {

namespace {

// Builds the node after casting the input to `compute` (when it differs).
array unary_op(UnaryOp op, const array& a, Dtype compute, const char* name, StreamOrDevice s) {
  if (!unary_supports(op, compute)) {
    fail(name, "not supported for dtype ", dtype_name(a.dtype()));
  }
  array in = astype(a, compute, s);
  Dtype out = unary_output_dtype(op, compute);
  return array(a.shape(), out, std::make_shared<Unary>(to_stream(s), op), {in});
}

// Floating-point functions: integers and bool compute in float32.
array float_op(UnaryOp op, const array& a, const char* name, StreamOrDevice s) {
  return unary_op(op, a, to_inexact(a.dtype()), name, s);
}

}  // namespace

array abs(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_ || is_unsigned(a.dtype())) return a;
  return unary_op(UnaryOp::Abs, a, a.dtype(), "abs", s);
}
array sign(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) return a;
  return unary_op(UnaryOp::Sign, a, a.dtype(), "sign", s);
}
array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument("[negative] not supported for bool; use logical_not");
  }
  return unary_op(UnaryOp::Negative, a, a.dtype(), "negative", s);
}
array square(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::Square, a, a.dtype() == bool_ ? int32 : a.dtype(), "square", s);
}
array sqrt(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Sqrt, a, "sqrt", s); }
array rsqrt(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Rsqrt, a, "rsqrt", s); }
array reciprocal(const array& a, StreamOrDevice s) {
  return float_op(UnaryOp::Reciprocal, a, "reciprocal", s);
}
array exp(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Exp, a, "exp", s); }
array expm1(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Expm1, a, "expm1", s); }
array log(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Log, a, "log", s); }
array log2(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Log2, a, "log2", s); }
array log10(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Log10, a, "log10", s); }
array log1p(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Log1p, a, "log1p", s); }
array sin(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Sin, a, "sin", s); }
array cos(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Cos, a, "cos", s); }
array tan(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Tan, a, "tan", s); }
array arcsin(const array& a, StreamOrDevice s) { return float_op(UnaryOp::ArcSin, a, "arcsin", s); }
array arccos(const array& a, StreamOrDevice s) { return float_op(UnaryOp::ArcCos, a, "arccos", s); }
array arctan(const array& a, StreamOrDevice s) { return float_op(UnaryOp::ArcTan, a, "arctan", s); }
array sinh(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Sinh, a, "sinh", s); }
array cosh(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Cosh, a, "cosh", s); }
array tanh(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Tanh, a, "tanh", s); }
array arcsinh(const array& a, StreamOrDevice s) {
  return float_op(UnaryOp::ArcSinh, a, "arcsinh", s);
}
array arccosh(const array& a, StreamOrDevice s) {
  return float_op(UnaryOp::ArcCosh, a, "arccosh", s);
}
array arctanh(const array& a, StreamOrDevice s) {
  return float_op(UnaryOp::ArcTanh, a, "arctanh", s);
}
array erf(const array& a, StreamOrDevice s) { return float_op(UnaryOp::Erf, a, "erf", s); }
array erfinv(const array& a, StreamOrDevice s) { return float_op(UnaryOp::ErfInv, a, "erfinv", s); }
array sigmoid(const array& a, StreamOrDevice s) {
  return float_op(UnaryOp::Sigmoid, a, "sigmoid", s);
}
array floor(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return a;
  return unary_op(UnaryOp::Floor, a, a.dtype(), "floor", s);
}
array ceil(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return a;
  return unary_op(UnaryOp::Ceil, a, a.dtype(), "ceil", s);
}
array trunc(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return a;
  return unary_op(UnaryOp::Trunc, a, a.dtype(), "trunc", s);
}
array round(const array& a, int decimals, StreamOrDevice s) {
  Dtype dt = a.dtype();
  if (dt == bool_ || (decimals >= 0 && !is_inexact(dt))) return a;
  if (decimals == 0) return unary_op(UnaryOp::Round, a, dt, "round", s);
  // NumPy's scheme: scale the digit to keep into the units place, round half to even, scale
  // back, dividing by 10^k rather than multiplying by the inexact 10^-k. Integers (negative
  // decimals) compute in float64, exact below 2^53; 16-bit floats in float32, where the
  // scale cannot overflow.
  Dtype compute = !is_inexact(dt) ? float64 : (dt == float16 || dt == bfloat16) ? float32 : dt;
  array x = astype(a, compute, s);
  array scale(std::pow(10.0, std::abs(decimals)), compute == complex64 ? float32 : compute);
  auto rint = [&](const array& v) { return unary_op(UnaryOp::Round, v, compute, "round", s); };
  array r = decimals > 0 ? divide(rint(multiply(x, scale, s)), scale, s)
                         : multiply(rint(divide(x, scale, s)), scale, s);
  return astype(r, dt, s);
}
array conjugate(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return unary_op(UnaryOp::Conjugate, a, a.dtype(), "conjugate", s);
}
array real(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return unary_op(UnaryOp::Real, a, a.dtype(), "real", s);
}
array imag(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return zeros_like(a, std::nullopt, s);
  return unary_op(UnaryOp::Imag, a, a.dtype(), "imag", s);
}
array logical_not(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::LogicalNot, a, bool_, "logical_not", s);
}
array bitwise_invert(const array& a, StreamOrDevice s) {
  if (!is_integral(a.dtype()) && a.dtype() != bool_) {
    fail("bitwise_invert", "not supported for dtype ", dtype_name(a.dtype()),
         "; it needs integers or bool");
  }
  return unary_op(UnaryOp::BitwiseInvert, a, a.dtype(), "bitwise_invert", s);
}
array isnan(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::IsNan, a, a.dtype(), "isnan", s);
}
array isinf(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::IsInf, a, a.dtype(), "isinf", s);
}
array isfinite(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::IsFinite, a, a.dtype(), "isfinite", s);
}
// A complex number is +inf or -inf (as in MLX) only when it equals the real infinity:
// the imaginary part must be 0.
array isposinf(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) return equal(a, array(complex64_t(INFINITY, 0.0f)), s);
  return unary_op(UnaryOp::IsPosInf, a, a.dtype(), "isposinf", s);
}
array isneginf(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) return equal(a, array(complex64_t(-INFINITY, 0.0f)), s);
  return unary_op(UnaryOp::IsNegInf, a, a.dtype(), "isneginf", s);
}
array degrees(const array& a, StreamOrDevice s) {
  Dtype dt = to_inexact(a.dtype());
  return multiply(astype(a, dt, s), array(180.0 / M_PI, dt), s);
}
array radians(const array& a, StreamOrDevice s) {
  Dtype dt = to_inexact(a.dtype());
  return multiply(astype(a, dt, s), array(M_PI / 180.0, dt), s);
}
array nan_to_num(const array& a, double nan, std::optional<double> posinf,
                 std::optional<double> neginf, StreamOrDevice s) {
  Dtype dt = a.dtype();
  if (!is_inexact(dt)) return a;
  if (is_complex(dt)) {
    array re = nan_to_num(real(a, s), nan, posinf, neginf, s);
    array im = nan_to_num(imag(a, s), nan, posinf, neginf, s);
    return add(astype(re, complex64, s),
               multiply(astype(im, complex64, s), array(complex64_t(0.0f, 1.0f)), s), s);
  }
  finfo info(dt);
  array out = where(isnan(a, s), array(nan, dt), a, s);
  out = where(isposinf(a, s), array(posinf.value_or(info.max), dt), out, s);
  return where(isneginf(a, s), array(neginf.value_or(info.min), dt), out, s);
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<StopGradient>(to_stream(s)), {a});
}

}  // namespace kiln
