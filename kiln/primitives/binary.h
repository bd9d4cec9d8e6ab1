// Binary elementwise primitives (one class, parameterized by the op) and Select.
#pragma once

#include "kiln/primitive.h"
#include "kiln/primitives/elementwise_list.h"

namespace kiln {

enum class BinaryOp : uint8_t {
#define KILN_ENUM(name) name,
  KILN_BINARY_OPS(KILN_ENUM)
#undef KILN_ENUM
};

// Every op in declaration order, and each one's name (the functor's name in kiln::ew).
inline constexpr BinaryOp all_binary_ops[] = {
#define KILN_OP(name) BinaryOp::name,
    KILN_BINARY_OPS(KILN_OP)
#undef KILN_OP
};
inline constexpr const char* binary_op_names[] = {
#define KILN_NAME(name) #name,
    KILN_BINARY_OPS(KILN_NAME)
#undef KILN_NAME
};
constexpr const char* binary_op_name(BinaryOp op) { return binary_op_names[size_t(op)]; }
// Whether the backend formula accepts two inputs of this dtype, and what it produces.
bool binary_supports(BinaryOp op, Dtype in);
Dtype binary_output_dtype(BinaryOp op, Dtype in);

// Inputs have equal dtypes; their shapes broadcast to the output's inside the kernel (no
// broadcast nodes, so `x + 1` is one node).
class Binary : public UnaryPrimitiveOf<Binary> {
 public:
  Binary(Stream s, BinaryOp op) : UnaryPrimitiveOf(s), op_(op) {}
  BinaryOp op() const { return op_; }
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(op_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return binary_op_name(op_); }

 private:
  BinaryOp op_;
};

// where(condition, x, y): condition is bool, x and y share a dtype; shapes broadcast.
class Select : public UnaryPrimitiveOf<Select> {
 public:
  using UnaryPrimitiveOf::UnaryPrimitiveOf;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Select"; }
};

}  // namespace kiln
