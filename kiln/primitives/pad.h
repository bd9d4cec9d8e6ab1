// Pad and Roll: every output element reads the input at an index chosen per axis, so both
// are described by per-axis index maps that any backend can use.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

// For each output index along one axis, the input index it reads, or -1 for the fill value.
using AxisMap = std::vector<int64_t>;

enum class PadMode : uint8_t { constant, edge, reflect, symmetric };

// Inputs: the array and a 0-d fill value of its dtype (read in constant mode).
class Pad : public UnaryPrimitiveOf<Pad> {
 public:
  Pad(Stream s, Shape low, Shape high, PadMode mode)
      : UnaryPrimitiveOf(s), low_(std::move(low)), high_(std::move(high)), mode_(mode) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(low_, high_, mode_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Pad"; }
  std::vector<AxisMap> axis_maps(const Shape& in_shape) const;

 private:
  Shape low_, high_;
  PadMode mode_;
};

// shifts_[d]: how far axis d moves (0 for axes that stay); already reduced modulo the size.
class Roll : public UnaryPrimitiveOf<Roll> {
 public:
  Roll(Stream s, Shape shifts) : UnaryPrimitiveOf(s), shifts_(std::move(shifts)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  KILN_GPU_EVAL
  auto params() const { return std::tie(shifts_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "Roll"; }
  std::vector<AxisMap> axis_maps(const Shape& in_shape) const;

 private:
  Shape shifts_;
};

}  // namespace kiln
