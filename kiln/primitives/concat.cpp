#include "kiln/primitives/concat.h"

namespace kiln {

bool Concatenate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Concatenate*>(&other);
  return o && o->axis_ == axis_;
}

std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  for (size_t i = 1; i < inputs.size(); ++i) s[axis_] += inputs[i].shape()[axis_];
  return {s};
}

}  // namespace kiln
