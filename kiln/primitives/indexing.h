// Gather and scatter primitives. Index values are read at evaluation time: negative ones
// count from the end of their axis, and any that still falls outside raises
// std::out_of_range from eval (nothing outside the arrays is ever read or written).
#pragma once

#include "kiln/ops/indexing.h"
#include "kiln/primitive.h"

namespace kiln {

const char* scatter_reduce_name(ScatterReduce r);

// Inputs: `a`, then one integer index array per entry of `axes`, all of one shape I.
// Output: I + slice_sizes, where out[i, j] = a[j + start(i)] and start(i) is the index
// value on each indexed axis and 0 elsewhere.
class Gather : public UnaryPrimitiveOf<Gather> {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitiveOf(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axes_, slice_sizes_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Gather"; }
  std::string label() const override;
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// Inputs: `a`, one integer index array per axis (all of shape I), then `updates` of shape
// I + U with U[d] <= a.shape[d] and a's dtype. The output is `a` with each update slice
// combined into a at start(i) (as in Gather). Repeated positions combine in the order of
// I (row-major): None keeps the last update, the others reduce all of them.
class Scatter : public UnaryPrimitiveOf<Scatter> {
 public:
  Scatter(Stream s, ScatterReduce reduce, std::vector<int> axes)
      : UnaryPrimitiveOf(s), reduce_(reduce), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(reduce_, axes_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "Scatter"; }
  std::string label() const override;
  ScatterReduce reduce() const { return reduce_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  ScatterReduce reduce_;
  std::vector<int> axes_;
};

// take_along_axis. Inputs: `a` and integer `indices` of the output's shape, which matches
// a's shape except along `axis` (a is broadcast by the op where needed).
class GatherAxis : public UnaryPrimitiveOf<GatherAxis> {
 public:
  GatherAxis(Stream s, int axis) : UnaryPrimitiveOf(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axis_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[1].shape()};
  }
  const char* name() const override { return "GatherAxis"; }
  int axis() const { return axis_; }

 private:
  int axis_;
};

// put_along_axis. Inputs: `a`, integer `indices` and `updates` (a's dtype) of one shape,
// which matches a's shape except along `axis`. The last write to a position wins.
class ScatterAxis : public UnaryPrimitiveOf<ScatterAxis> {
 public:
  ScatterAxis(Stream s, int axis) : UnaryPrimitiveOf(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axis_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "ScatterAxis"; }
  int axis() const { return axis_; }

 private:
  int axis_;
};

// A slice of the output's shape whose start on each of `axes` is read from the integer
// 1-d input `start` (0 on the other axes). Evaluates to a view of `a`.
class DynamicSlice : public UnaryPrimitiveOf<DynamicSlice> {
 public:
  DynamicSlice(Stream s, std::vector<int> axes, Shape slice_size)
      : UnaryPrimitiveOf(s), axes_(std::move(axes)), slice_size_(std::move(slice_size)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axes_, slice_size_); }
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {slice_size_}; }
  const char* name() const override { return "DynamicSlice"; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
  Shape slice_size_;
};

// Inputs: `src`, `update` (src's dtype and rank) and `start` as in DynamicSlice; writes
// the update into a copy of (or, when donated, into) src.
class DynamicSliceUpdate : public UnaryPrimitiveOf<DynamicSliceUpdate> {
 public:
  DynamicSliceUpdate(Stream s, std::vector<int> axes)
      : UnaryPrimitiveOf(s), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(axes_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "DynamicSliceUpdate"; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

// Masked assignment with data-dependent count: inputs `a`, a bool `mask` of a's shape and
// 1-d `values` (a's dtype). The k-th true position of the mask (row-major) receives
// values[k]; evaluation raises std::invalid_argument unless values has exactly one
// element per true position.
class MaskedScatter : public UnaryPrimitiveOf<MaskedScatter> {
 public:
  explicit MaskedScatter(Stream s) : UnaryPrimitiveOf(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "MaskedScatter"; }
};

}  // namespace kiln
