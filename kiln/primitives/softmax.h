// The fused softmax-family primitives: Softmax and LogSumExp along one axis (ops/softmax.h
// merges several axes into one first).
#pragma once

#include "kiln/primitive.h"

namespace kiln {

// log(sum(exp(x))) along one axis, fused and stable (real floating inputs).
class LogSumExp : public UnaryPrimitiveOf<LogSumExp> {
 public:
  LogSumExp(Stream s, int axis) : UnaryPrimitiveOf(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(axis_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "LogSumExp"; }

 private:
  int axis_;
};

// exp(x - max) / sum(exp(x - max)) along one axis, fused (real floating inputs).
class Softmax : public UnaryPrimitiveOf<Softmax> {
 public:
  Softmax(Stream s, int axis, bool precise) : UnaryPrimitiveOf(s), axis_(axis), precise_(precise) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(axis_, precise_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Softmax"; }

 private:
  int axis_;
  bool precise_;
};

}  // namespace kiln
