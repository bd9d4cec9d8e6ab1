#include "kiln/ops/binary.h"

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/upcast.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/binary.h"

namespace kiln {

namespace {

// Casts both operands to `compute` and builds the node; broadcasting happens in the kernel.
array binary_op(BinaryOp op, const array& a, const array& b, Dtype compute, const char* name,
                StreamOrDevice s) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  if (!binary_supports(op, compute)) {
    fail(name, "not supported for dtypes ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  }
  check_upcast(name, {a.dtype(), b.dtype()}, compute);
  Dtype out = binary_output_dtype(op, compute);
  return array(std::move(shape), out, std::make_shared<Binary>(to_stream(s), op),
               {astype(a, compute, s), astype(b, compute, s)});
}

Dtype promoted(const array& a, const array& b) { return promote_types(a.dtype(), b.dtype()); }

// Integer and bitwise ops need integer (or bool) operands.
Dtype integer_promoted(const array& a, const array& b, const char* name) {
  Dtype d = promoted(a, b);
  if (!is_integral(d) && d != bool_) {
    fail(name, "needs integer or bool inputs, got ", dtype_name(a.dtype()), " and ",
         dtype_name(b.dtype()));
  }
  return d;
}

}  // namespace

array add(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Add, a, b, promoted(a, b), "add", s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promoted(a, b);
  if (d == bool_) {
    throw std::invalid_argument("[subtract] not supported for bool inputs; use logical_xor");
  }
  return binary_op(BinaryOp::Subtract, a, b, d, "subtract", s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Multiply, a, b, promoted(a, b), "multiply", s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Divide, a, b, to_inexact(promoted(a, b)), "divide", s);
}
array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promoted(a, b);
  if (d == bool_) d = int32;  // NumPy gives int8; bool has no division
  return binary_op(BinaryOp::FloorDivide, a, b, d, "floor_divide", s);
}
array remainder(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promoted(a, b);
  if (d == bool_) d = int32;
  return binary_op(BinaryOp::Remainder, a, b, d, "remainder", s);
}
std::pair<array, array> divmod(const array& a, const array& b, StreamOrDevice s) {
  return {floor_divide(a, b, s), remainder(a, b, s)};
}
array power(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promoted(a, b);
  if (d == bool_) d = int32;
  return binary_op(BinaryOp::Power, a, b, d, "power", s);
}
array maximum(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Maximum, a, b, promoted(a, b), "maximum", s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Minimum, a, b, promoted(a, b), "minimum", s);
}
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LogAddExp, a, b, to_inexact(promoted(a, b)), "logaddexp", s);
}
array arctan2(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::ArcTan2, a, b, to_inexact(promoted(a, b)), "arctan2", s);
}
array equal(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Equal, a, b, promoted(a, b), "equal", s);
}
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::NotEqual, a, b, promoted(a, b), "not_equal", s);
}
array less(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Less, a, b, promoted(a, b), "less", s);
}
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LessEqual, a, b, promoted(a, b), "less_equal", s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::Greater, a, b, promoted(a, b), "greater", s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::GreaterEqual, a, b, promoted(a, b), "greater_equal", s);
}
array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LogicalAnd, a, b, bool_, "logical_and", s);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LogicalOr, a, b, bool_, "logical_or", s);
}
array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::NotEqual, astype(a, bool_, s), astype(b, bool_, s), bool_,
                   "logical_xor", s);
}
array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::BitwiseAnd, a, b, integer_promoted(a, b, "bitwise_and"),
                   "bitwise_and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::BitwiseOr, a, b, integer_promoted(a, b, "bitwise_or"), "bitwise_or",
                   s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::BitwiseXor, a, b, integer_promoted(a, b, "bitwise_xor"),
                   "bitwise_xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = integer_promoted(a, b, "left_shift");
  if (d == bool_) d = uint8;
  return binary_op(BinaryOp::LeftShift, a, b, d, "left_shift", s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = integer_promoted(a, b, "right_shift");
  if (d == bool_) d = uint8;
  return binary_op(BinaryOp::RightShift, a, b, d, "right_shift", s);
}

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
              StreamOrDevice s) {
  Dtype d = to_inexact(promoted(a, b));
  array x = astype(a, d, s), y = astype(b, d, s);
  Dtype real_dtype = is_complex(d) ? float32 : d;
  array tol = add(array(atol, real_dtype), multiply(array(rtol, real_dtype), abs(y, s), s), s);
  array close = less_equal(abs(subtract(x, y, s), s), tol, s);
  // Where either side is inf or nan, the formula does not apply: compare exactly instead.
  array finite = logical_and(isfinite(x, s), isfinite(y, s), s);
  close = where(finite, close, equal(x, y, s), s);
  if (equal_nan) close = logical_or(close, logical_and(isnan(x, s), isnan(y, s), s), s);
  return close;
}

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  Shape shape = broadcast_shapes({condition.shape(), x.shape(), y.shape()}, "where");
  Dtype d = promote_types(x.dtype(), y.dtype());
  check_upcast("where", {x.dtype(), y.dtype()}, d);
  return array(std::move(shape), d, std::make_shared<Select>(to_stream(s)),
               {astype(condition, bool_, s), astype(x, d, s), astype(y, d, s)});
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s) {
  if (!a_min && !a_max) {
    throw std::invalid_argument("[clip] at least one of a_min and a_max must be given");
  }
  array out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

}  // namespace kiln
