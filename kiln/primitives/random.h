// RandomBits: the one random primitive. Every distribution in kiln/ops/random.cpp is built
// from its bits with ordinary ops.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

// Input: keys, uint32 of shape K + (2,). Output: uint32 or uint64 bits of shape K + shape,
// each key filling its own slice from the Threefry-2x32 stream of that key
// (kiln/backend/common/threefry.h gives the counter layout). The bits depend only on the
// keys, the per-key shape and the width, never on the device.
class RandomBits : public UnaryPrimitiveOf<RandomBits> {
 public:
  // width: bytes per draw, 4 (uint32 output) or 8 (uint64).
  RandomBits(Stream s, Shape shape, int width)
      : UnaryPrimitiveOf(s), shape_(std::move(shape)), width_(width) {}
  Dtype dtype() const { return width_ == 8 ? uint64 : uint32; }
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(shape_, width_); }
  // No output_shapes: the per-key shape is a constant of a trace (usually some input's
  // shape at the time), so a shapeless compile would keep drawing the traced shape for
  // inputs of another; it refuses instead.
  const char* name() const override { return "RandomBits"; }
  std::string label() const override;

 private:
  Shape out_shape(const array& keys) const;  // keys' batch shape + shape_
  Shape shape_;  // per key
  int width_;
};

}  // namespace kiln
