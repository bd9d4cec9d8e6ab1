#include "kiln/primitives/binary.h"

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/elementwise_traits.h"
#include "kiln/primitives/rules.h"

namespace kiln {

bool binary_supports(BinaryOp op, Dtype in) {
  return visit(op, [&]<typename Op>(type_tag<Op>) {
    return dispatch_dtype(in, []<typename T>(type_tag<T>) { return BinaryAccepts<Op, T>; });
  });
}

Dtype binary_output_dtype(BinaryOp op, Dtype in) {
  return visit(op, [&]<typename Op>(type_tag<Op>) {
    return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> Dtype {
      if constexpr (BinaryAccepts<Op, T>) {
        return dtype_v<binary_result_t<Op, T>>;
      } else {
        throw std::invalid_argument(std::string("unsupported dtype ") + dtype_name(in));
      }
    });
  });
}

std::vector<Shape> Binary::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_shapes(inputs[0].shape(), inputs[1].shape())};
}

std::vector<Shape> Select::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_shapes(broadcast_shapes(inputs[0].shape(), inputs[1].shape()),
                           inputs[2].shape())};
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

array binary_node(BinaryOp op, const array& a, const array& b, Stream s) {
  return array(broadcast_shapes(a.shape(), b.shape()), binary_output_dtype(op, a.dtype()),
               std::make_shared<Binary>(s, op), {a, b});
}

// Maximum and minimum send the whole derivative to one side: `a` where it wins strictly,
// `b` otherwise (ties included).
array a_wins(BinaryOp op, const array& a, const array& b, Stream s) {
  return op == BinaryOp::Maximum ? greater(a, b, s) : less(a, b, s);
}

// The partial derivative of the output with respect to input i (0: a, 1: b), times v.
array times_partial(BinaryOp op, int i, const array& a, const array& b, const array& out,
                    const array& v, Stream s) {
  auto zero = [&] { return array(0, v.dtype()); };
  switch (op) {
    case BinaryOp::Add: return v;
    case BinaryOp::Subtract: return i == 0 ? v : negative(v, s);
    case BinaryOp::Multiply: return multiply(v, i == 0 ? b : a, s);
    case BinaryOp::Divide:
      return i == 0 ? divide(v, b, s) : negative(divide(multiply(v, out, s), b, s), s);
    case BinaryOp::Remainder:
      return i == 0 ? v : negative(multiply(v, floor_divide(a, b, s), s), s);
    case BinaryOp::Power:
      if (i == 0) {  // b a^(b-1), taken as 0 where b == 0
        array d = multiply(b, power(a, subtract(b, array(1, b.dtype()), s), s), s);
        return where(equal(b, zero(), s), zero(), multiply(v, d, s), s);
      }
      // a^b log(a), taken as 0 where a == 0
      return where(equal(a, zero(), s), zero(), multiply(v, multiply(out, log(a, s), s), s), s);
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {
      array m = a_wins(op, a, b, s);
      return i == 0 ? where(m, v, zero(), s) : where(m, zero(), v, s);
    }
    case BinaryOp::LogAddExp: return multiply(v, exp(subtract(i == 0 ? a : b, out, s), s), s);
    case BinaryOp::ArcTan2: {  // atan2(a, b): (b, -a) / (a^2 + b^2)
      array r = add(square(a, s), square(b, s), s);
      return i == 0 ? divide(multiply(v, b, s), r, s)
                    : negative(divide(multiply(v, a, s), r, s), s);
    }
    // Piecewise constant, or not real-valued: no derivative flows.
    case BinaryOp::FloorDivide: case BinaryOp::Equal: case BinaryOp::NotEqual:
    case BinaryOp::NaNEqual: case BinaryOp::Less: case BinaryOp::LessEqual:
    case BinaryOp::Greater: case BinaryOp::GreaterEqual: case BinaryOp::LogicalAnd:
    case BinaryOp::LogicalOr: case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor: case BinaryOp::LeftShift: case BinaryOp::RightShift:
      return zeros(broadcast_shapes(a.shape(), b.shape()), v.dtype(), s);
  }
  // Listing every op above lets the compiler flag a new op without a rule (-Wswitch).
  fail<std::logic_error>(binary_op_name(op), "has no derivative rule");
}

}  // namespace

std::vector<array> Binary::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>& outputs) {
  std::vector<array> out;
  for (int i : argnums) {
    array g = times_partial(op_, i, primals[0], primals[1], outputs[0], cotangents[0], stream());
    out.push_back(rules::unbroadcast(broadcast_to(g, outputs[0].shape(), stream()),
                                     primals[i].shape(), stream()));
  }
  return out;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  const array &a = primals[0], &b = primals[1];
  Stream s = stream();
  bool uses_out = op_ == BinaryOp::Divide || op_ == BinaryOp::Power || op_ == BinaryOp::LogAddExp;
  array out = uses_out ? binary_node(op_, a, b, s) : a;
  std::optional<array> t;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = times_partial(op_, argnums[k], a, b, out, tangents[k], s);
    t = t ? add(*t, term, s) : term;
  }
  return {broadcast_to(*t, broadcast_shapes(a.shape(), b.shape()), s)};
}

std::pair<std::vector<array>, std::vector<int>> Binary::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  auto [in, axis] = rules::align_broadcast(inputs, axes, stream());
  return {{binary_node(op_, in[0], in[1], stream())}, {axis}};
}

std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>& outputs) {
  const array &cond = primals[0], &c = cotangents[0];
  Stream s = stream();
  array zero(0, c.dtype());
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(zeros_like(cond, std::nullopt, s));
      continue;
    }
    array g = i == 1 ? where(cond, c, zero, s) : where(cond, zero, c, s);
    out.push_back(rules::unbroadcast(g, primals[i].shape(), s));
  }
  return out;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  array tx = rules::tangent_or_zeros(primals, tangents, argnums, 1, s);
  array ty = rules::tangent_or_zeros(primals, tangents, argnums, 2, s);
  Shape shape = broadcast_shapes(
      broadcast_shapes(primals[0].shape(), primals[1].shape()), primals[2].shape());
  return {broadcast_to(where(primals[0], tx, ty, s), shape, s)};
}

std::pair<std::vector<array>, std::vector<int>> Select::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  auto [in, axis] = rules::align_broadcast(inputs, axes, stream());
  return {{where(in[0], in[1], in[2], stream())}, {axis}};
}

}  // namespace kiln
