#include "kiln/primitives/concat.h"

#include "kiln/ops/concat.h"
#include "kiln/ops/slicing.h"
#include "kiln/primitives/rules.h"

namespace kiln {

std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  for (size_t i = 1; i < inputs.size(); ++i) s[axis_] += inputs[i].shape()[axis_];
  return {s};
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<int64_t> starts{0};
  for (auto& p : primals) starts.push_back(starts.back() + p.shape()[axis_]);
  std::vector<array> out;
  for (int i : argnums) {
    std::vector<SliceBound> bounds(size_t(axis_) + 1);
    bounds[axis_] = {starts[i], starts[i + 1], 1};
    out.push_back(slice(cotangents[0], bounds, stream()));
  }
  return out;
}
std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (int i = 0; i < int(primals.size()); ++i) {
    parts.push_back(rules::tangent_or_zeros(primals, tangents, argnums, i, stream()));
  }
  return {concatenate(parts, axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{concatenate(rules::all_batched(inputs, axes, stream()), axis_ + 1, stream())}, {0}};
}

}  // namespace kiln
