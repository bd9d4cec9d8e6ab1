// Concatenate: writes each input (converted to the output dtype) into its slice of one
// output buffer.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

class Concatenate : public UnaryPrimitiveOf<Concatenate> {
 public:
  Concatenate(Stream s, int axis) : UnaryPrimitiveOf(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axis_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Concatenate"; }
  int axis() const { return axis_; }

 private:
  int axis_;
};

}  // namespace kiln
