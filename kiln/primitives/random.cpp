#include "kiln/primitives/random.h"

#include "kiln/ops/creation.h"
#include "kiln/primitives/rules.h"

namespace kiln {

Shape RandomBits::out_shape(const array& keys) const {
  Shape s(keys.shape().begin(), keys.shape().end() - 1);
  s.insert(s.end(), shape_.begin(), shape_.end());
  return s;
}

std::string RandomBits::label() const {
  return "RandomBits(shape=" + shape_to_string(shape_) + ", width=" + std::to_string(width_) + ")";
}

// ---------------------------------------------------------------- transform rules
// The keys are integers: no derivative reaches them, and the bits have none.

std::vector<array> RandomBits::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}

std::vector<array> RandomBits::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&) {
  return {zeros(out_shape(primals[0]), dtype(), stream())};
}

// A batch of keys is just more keys: with the batch axis in front, slice b of the output is
// drawn from key b, as the unbatched primitive draws it.
std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  array keys = rules::batch_to_front(inputs[0], axes[0], stream());
  auto p = std::make_shared<RandomBits>(stream(), shape_, width_);
  return {{array(out_shape(keys), dtype(), p, {keys})}, {0}};
}

}  // namespace kiln
