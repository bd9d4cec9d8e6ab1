// Static strided slices: Slice is a view; SliceUpdate writes an update into a copy of (or,
// when donated, into) its source.
#pragma once

#include "kiln/primitives/layout.h"

namespace kiln {

// Per-axis start, step and element count of a slice (the counts are the output's shape).
// Starts are in range and steps are non-zero (negative steps walk backwards).
struct SliceSpec {
  Shape start;
  Shape step;
  Shape count;
  bool operator==(const SliceSpec&) const = default;
};

class Slice : public LayoutPrimitive<Slice> {
 public:
  Slice(Stream s, SliceSpec spec) : LayoutPrimitive(s), spec_(std::move(spec)) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(spec_); }
  const char* name() const override { return "Slice"; }
  const SliceSpec& spec() const { return spec_; }

 private:
  SliceSpec spec_;
};

// Inputs: the source and the update (already broadcast to the slice's shape and cast to the
// source dtype).
class SliceUpdate : public LayoutPrimitive<SliceUpdate> {
 public:
  SliceUpdate(Stream s, SliceSpec spec) : LayoutPrimitive(s), spec_(std::move(spec)) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(spec_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "SliceUpdate"; }
  const SliceSpec& spec() const { return spec_; }

 private:
  SliceSpec spec_;
};

}  // namespace kiln
