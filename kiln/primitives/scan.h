// Cumulative (scan) primitives: cumsum, cumprod, cummax, cummin, logcumsumexp along one axis.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

// out[i] combines in[0..i] (inclusive) or in[0..i-1] (exclusive, the identity at i = 0);
// reverse runs from the end of the axis. The output has the input's shape; its dtype is the
// input's except for Sum of bool (int32).
class Scan : public UnaryPrimitiveOf<Scan> {
 public:
  enum Op : uint8_t { Sum, Prod, Max, Min, LogAddExp };
  Scan(Stream s, Op op, int axis, bool reverse, bool inclusive)
      : UnaryPrimitiveOf(s), op_(op), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(op_, axis_, reverse_, inclusive_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override;
  std::string label() const override;

 private:
  Op op_;
  int axis_;
  bool reverse_, inclusive_;
};

}  // namespace kiln
