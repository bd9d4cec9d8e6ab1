// Reduction primitives (softmax and logsumexp are in primitives/softmax.h). Reduce and
// ArgReduce keep the reduced axes as size-1 dimensions; the ops squeeze them away when
// keepdims is off.
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

// Where, in an evaluated input, the diagonals a Trace sums lie: each is `len` elements `step`
// apart from `start` (in elements, from the input's data; 0 when len is 0) plus the offset
// of its output, which walks the input's other axes (`kshape`, with strides `kstrides`).
struct DiagonalSpan {
  int64_t len, step, start;
  Shape kshape;
  Strides kstrides;
};

// Sum of the diagonal `offset` of the (axis1, axis2) planes; the output drops both axes and
// has the input's dtype.
class Trace : public UnaryPrimitiveOf<Trace> {
 public:
  Trace(Stream s, int offset, int axis1, int axis2)
      : UnaryPrimitiveOf(s), offset_(offset), axis1_(axis1), axis2_(axis2) {}
  DiagonalSpan diagonal(const array& in) const;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(offset_, axis1_, axis2_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Trace"; }

 private:
  int offset_, axis1_, axis2_;
};

// The number of elements of the input along `axes`, as a 0-d array of `dtype`. Ops put it
// where they would write that count as a constant (mean, var) while shapeless compile traces
// (detail::in_shapeless_trace), so a trace replayed on new shapes counts anew. Computed on
// the host: on the GPU it is a host scalar that kernels read by value.
class NumberOfElements : public UnaryPrimitiveOf<NumberOfElements> {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, Dtype dtype)
      : UnaryPrimitiveOf(s), axes_(std::move(axes)), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(axes_, dtype_); }
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {Shape{}}; }
  const char* name() const override { return "NumberOfElements"; }

 private:
  std::vector<int> axes_;
  Dtype dtype_;
};

}  // namespace kiln
