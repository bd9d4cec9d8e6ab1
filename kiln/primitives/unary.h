// Unary elementwise primitives: one class, parameterized by the op.
#pragma once

#include "kiln/primitive.h"
#include "kiln/primitives/elementwise_list.h"

namespace kiln {

enum class UnaryOp : uint8_t {
#define KILN_ENUM(name) name,
  KILN_UNARY_OPS(KILN_ENUM)
#undef KILN_ENUM
};

// Every op in declaration order, and each one's name (the functor's name in kiln::ew).
inline constexpr UnaryOp all_unary_ops[] = {
#define KILN_OP(name) UnaryOp::name,
    KILN_UNARY_OPS(KILN_OP)
#undef KILN_OP
};
inline constexpr const char* unary_op_names[] = {
#define KILN_NAME(name) #name,
    KILN_UNARY_OPS(KILN_NAME)
#undef KILN_NAME
};
constexpr const char* unary_op_name(UnaryOp op) { return unary_op_names[size_t(op)]; }
// Whether the backend formula accepts this input dtype, and the dtype it produces.
bool unary_supports(UnaryOp op, Dtype in);
Dtype unary_output_dtype(UnaryOp op, Dtype in);

class Unary : public UnaryPrimitiveOf<Unary> {
 public:
  Unary(Stream s, UnaryOp op) : UnaryPrimitiveOf(s), op_(op) {}
  UnaryOp op() const { return op_; }
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(op_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return unary_op_name(op_); }

 private:
  UnaryOp op_;
};

}  // namespace kiln
