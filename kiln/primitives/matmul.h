// Matrix products. Inputs are a (batch_a..., M, K) and b (batch_b..., K, N) of the output's
// dtype; their batch axes broadcast to the output's (batch..., M, N) inside the kernel, so a
// shared right-hand matrix is never materialized per batch element.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

class Matmul : public UnaryPrimitiveOf<Matmul> {
 public:
  using UnaryPrimitiveOf::UnaryPrimitiveOf;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Matmul"; }
};

// alpha * (a @ b) + beta * c; the third input c broadcasts to the output's shape. With
// beta == 0, c is not read (BLAS's convention: NaNs in c do not propagate).
class AddMM : public UnaryPrimitiveOf<AddMM> {
 public:
  AddMM(Stream s, float alpha, float beta) : UnaryPrimitiveOf(s), alpha_(alpha), beta_(beta) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(alpha_, beta_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "AddMM"; }
  std::string label() const override;
  float alpha() const { return alpha_; }
  float beta() const { return beta_; }

 private:
  float alpha_, beta_;
};

}  // namespace kiln
