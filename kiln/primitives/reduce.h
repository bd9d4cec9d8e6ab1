// Reduction primitives. Each output keeps the reduced axes as size-1 dimensions; the ops
// squeeze them away when keepdims is off.
#pragma once

#include <vector>

#include "kiln/primitive.h"

namespace kiln {

// Sum, Prod, Max, Min over a set of axes; And and Or over bool inputs. Sum and Prod take their
// accumulator from the output dtype (float32 for 16-bit floats, wrapping unsigned arithmetic
// for integers), so mean can ask for a float32 sum of int8 or float16 data directly.
class Reduce : public UnaryPrimitiveOf<Reduce> {
 public:
  enum Op : uint8_t { And, Or, Sum, Prod, Max, Min };
  Reduce(Stream s, Op op, std::vector<int> axes)
      : UnaryPrimitiveOf(s), op_(op), axes_(std::move(axes)) {}
  Op op() const { return op_; }
  const std::vector<int>& axes() const { return axes_; }
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(op_, axes_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override;
  std::string label() const override;

 private:
  Op op_;
  std::vector<int> axes_;  // sorted, distinct
};

// The dtype sum and prod produce by default: int32/uint32 for bool and integers of up to 32
// bits, int64/uint64 for 64-bit integers, the input dtype for floats. Reduce also takes a
// float32 output for integer, bool and 16-bit float inputs (mean sums those in float32).
Dtype sum_dtype(Dtype in);

// First index of the maximum/minimum along one axis (uint32; NaN wins, as in NumPy).
class ArgReduce : public UnaryPrimitiveOf<ArgReduce> {
 public:
  enum Op : uint8_t { ArgMin, ArgMax };
  ArgReduce(Stream s, Op op, int axis) : UnaryPrimitiveOf(s), op_(op), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(op_, axis_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return op_ == ArgMax ? "ArgMax" : "ArgMin"; }

 private:
  Op op_;
  int axis_;
};

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

// Sum of the diagonal `offset` of the (axis1, axis2) planes; the output drops both axes and
// has the input's dtype.
class Trace : public UnaryPrimitiveOf<Trace> {
 public:
  Trace(Stream s, int offset, int axis1, int axis2)
      : UnaryPrimitiveOf(s), offset_(offset), axis1_(axis1), axis2_(axis2) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(offset_, axis1_, axis2_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Trace"; }

 private:
  int offset_, axis1_, axis2_;
};

}  // namespace kiln
