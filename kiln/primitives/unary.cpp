#include "kiln/primitives/unary.h"

#include <cmath>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/elementwise_traits.h"

namespace kiln {

bool unary_supports(UnaryOp op, Dtype in) {
  return visit(op, [&]<typename Op>(type_tag<Op>) {
    return dispatch_dtype(in, []<typename T>(type_tag<T>) { return UnaryAccepts<Op, T>; });
  });
}

Dtype unary_output_dtype(UnaryOp op, Dtype in) {
  return visit(op, [&]<typename Op>(type_tag<Op>) {
    return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> Dtype {
      if constexpr (UnaryAccepts<Op, T>) {
        return dtype_v<unary_result_t<Op, T>>;
      } else {
        fail("unary", "unsupported dtype ", dtype_name(in));
      }
    });
  });
}

std::vector<Shape> Unary::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

// v times the derivative of op at x (out = op(x)): the jvp of a tangent v, and, for real
// inputs, the vjp of a cotangent v. Complex inputs use the bilinear pairing, so the
// holomorphic functions share this formula too.
array times_derivative(UnaryOp op, const array& x, const array& out, const array& v, Stream s) {
  auto c = [&](double value) { return array(value, x.dtype()); };
  auto one_minus_sq = [&](const array& t) { return subtract(c(1.0), square(t, s), s); };
  switch (op) {
    case UnaryOp::Negative: return negative(v, s);
    case UnaryOp::Square: return multiply(v, multiply(c(2.0), x, s), s);
    case UnaryOp::Sqrt: return divide(v, multiply(c(2.0), out, s), s);
    case UnaryOp::Rsqrt:
      return multiply(multiply(v, c(-0.5), s), multiply(square(out, s), out, s), s);
    case UnaryOp::Reciprocal: return negative(multiply(v, square(out, s), s), s);
    case UnaryOp::Exp: return multiply(v, out, s);
    case UnaryOp::Expm1: return multiply(v, add(out, c(1.0), s), s);
    case UnaryOp::Log: return divide(v, x, s);
    case UnaryOp::Log2: return divide(v, multiply(x, c(M_LN2), s), s);
    case UnaryOp::Log10: return divide(v, multiply(x, c(M_LN10), s), s);
    case UnaryOp::Log1p: return divide(v, add(x, c(1.0), s), s);
    case UnaryOp::Sin: return multiply(v, cos(x, s), s);
    case UnaryOp::Cos: return negative(multiply(v, sin(x, s), s), s);
    case UnaryOp::Tan: return multiply(v, add(c(1.0), square(out, s), s), s);
    case UnaryOp::ArcSin: return multiply(v, rsqrt(one_minus_sq(x), s), s);
    case UnaryOp::ArcCos: return negative(multiply(v, rsqrt(one_minus_sq(x), s), s), s);
    case UnaryOp::ArcTan: return divide(v, add(c(1.0), square(x, s), s), s);
    case UnaryOp::Sinh: return multiply(v, cosh(x, s), s);
    case UnaryOp::Cosh: return multiply(v, sinh(x, s), s);
    case UnaryOp::Tanh: return multiply(v, one_minus_sq(out), s);
    case UnaryOp::ArcSinh: return multiply(v, rsqrt(add(square(x, s), c(1.0), s), s), s);
    case UnaryOp::ArcCosh: return multiply(v, rsqrt(subtract(square(x, s), c(1.0), s), s), s);
    case UnaryOp::ArcTanh: return divide(v, one_minus_sq(x), s);
    case UnaryOp::Erf:
      return multiply(v, multiply(c(M_2_SQRTPI), exp(negative(square(x, s), s), s), s), s);
    case UnaryOp::ErfInv:
      return multiply(v, multiply(c(1.0 / M_2_SQRTPI), exp(square(out, s), s), s), s);
    case UnaryOp::Sigmoid:
      return multiply(v, multiply(out, subtract(c(1.0), out, s), s), s);
    case UnaryOp::Conjugate: return conjugate(v, s);
    // Piecewise constant, or not real-valued: no derivative flows.
    case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Trunc:
    case UnaryOp::Round:
    case UnaryOp::LogicalNot: case UnaryOp::BitwiseInvert: case UnaryOp::IsNan:
    case UnaryOp::IsInf: case UnaryOp::IsFinite: case UnaryOp::IsPosInf: case UnaryOp::IsNegInf:
      return zeros_like(out, std::nullopt, s);
    // Handled by the callers (their vjp and jvp differ).
    case UnaryOp::Abs: case UnaryOp::Real: case UnaryOp::Imag:
      break;
  }
  // Listing every op above lets the compiler flag a new op without a rule (-Wswitch).
  fail<std::logic_error>(unary_op_name(op), "has no derivative rule");
}

bool uses_output(UnaryOp op) {
  switch (op) {
    case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Exp:
    case UnaryOp::Expm1: case UnaryOp::Tan: case UnaryOp::Tanh: case UnaryOp::ErfInv:
    case UnaryOp::Sigmoid: case UnaryOp::Abs:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<array> Unary::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>& outputs) {
  const array &x = primals[0], &c = cotangents[0], &out = outputs[0];
  Stream s = stream();
  switch (op_) {
    case UnaryOp::Abs:
      if (is_complex(x.dtype())) {  // c * conj(x) / |x|, 0 at x = 0
        array unit = divide(conjugate(x, s), astype(out, x.dtype(), s), s);
        array z = array(0, x.dtype());
        array safe = where(equal(out, array(0.0f), s), z, unit, s);
        return {multiply(astype(c, x.dtype(), s), safe, s)};
      }
      return {multiply(c, sign(x, s), s)};
    case UnaryOp::Real: return {astype(c, x.dtype(), s)};
    case UnaryOp::Imag:
      return {multiply(astype(c, x.dtype(), s), array(complex64_t(0.0f, -1.0f)), s)};
    default: return {times_derivative(op_, x, out, c, s)};
  }
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  const array &x = primals[0], &t = tangents[0];
  Stream s = stream();
  switch (op_) {
    case UnaryOp::Abs:
      if (is_complex(x.dtype())) {  // Re(conj(x) t) / |x|, 0 at x = 0
        array m = abs(x, s);
        array r = divide(real(multiply(conjugate(x, s), t, s), s), m, s);
        return {where(equal(m, array(0.0f), s), array(0.0f), r, s)};
      }
      return {multiply(t, sign(x, s), s)};
    case UnaryOp::Real: return {real(t, s)};
    case UnaryOp::Imag: return {imag(t, s)};
    default: break;
  }
  Dtype dt = unary_output_dtype(op_, x.dtype());
  array out = uses_output(op_) ? array(x.shape(), dt, std::make_shared<Unary>(s, op_), {x}) : x;
  return {times_derivative(op_, x, out, t, s)};
}

std::pair<std::vector<array>, std::vector<int>> Unary::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  const array& x = inputs[0];
  Dtype dt = unary_output_dtype(op_, x.dtype());
  return {{array(x.shape(), dt, std::make_shared<Unary>(stream(), op_), {x})}, {axes[0]}};
}

}  // namespace kiln
