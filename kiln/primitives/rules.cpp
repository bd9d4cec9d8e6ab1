#include "kiln/primitives/rules.h"

#include <algorithm>
#include <stdexcept>

#include "kiln/ops/creation.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"

namespace kiln::rules {

array unbroadcast(const array& cot, const Shape& shape, StreamOrDevice s) {
  if (cot.shape() == shape) return cot;
  int lead = cot.ndim() - int(shape.size());
  std::vector<int> axes;
  for (int i = 0; i < cot.ndim(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && cot.shape()[i] != 1)) axes.push_back(i);
  }
  array r = axes.empty() ? cot : sum(cot, axes, true, s);
  return reshape(r, shape, s);
}

int64_t batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) return inputs[i].shape()[axes[i]];
  }
  throw std::logic_error("[vmap] a rule was called with no mapped input");
}

array batch_to_front(const array& x, int axis, StreamOrDevice s) {
  return axis == 0 ? x : moveaxis(x, axis, 0, s);
}

std::pair<std::vector<array>, int> align_broadcast(const std::vector<array>& inputs,
                                                   const std::vector<int>& axes, StreamOrDevice s) {
  int rank = 0;  // of the unmapped result
  for (size_t i = 0; i < inputs.size(); ++i) {
    rank = std::max(rank, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  int shared = -1;
  bool aligned = true;
  for (size_t i = 0; i < inputs.size() && aligned; ++i) {
    if (axes[i] < 0) continue;
    aligned = inputs[i].ndim() == rank + 1 && (shared < 0 || shared == axes[i]);
    shared = axes[i];
  }
  for (size_t i = 0; i < inputs.size() && aligned; ++i) {
    if (axes[i] < 0) aligned = inputs[i].ndim() <= rank - shared;
  }
  if (aligned) return {inputs, shared};
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) {
      out.push_back(inputs[i]);
      continue;
    }
    array x = batch_to_front(inputs[i], axes[i], s);
    if (x.ndim() < rank + 1) {
      Shape shape{x.shape()[0]};
      shape.insert(shape.end(), size_t(rank + 1 - x.ndim()), 1);
      shape.insert(shape.end(), x.shape().begin() + 1, x.shape().end());
      x = reshape(x, shape, s);
    }
    out.push_back(x);
  }
  return {out, 0};
}

std::vector<array> all_batched(const std::vector<array>& inputs, const std::vector<int>& axes,
                               StreamOrDevice s, int64_t n) {
  if (n < 0) n = batch_size(inputs, axes);
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      out.push_back(batch_to_front(inputs[i], axes[i], s));
    } else {
      Shape shape{n};
      shape.insert(shape.end(), inputs[i].shape().begin(), inputs[i].shape().end());
      out.push_back(broadcast_to(expand_dims(inputs[i], {0}, s), shape, s));
    }
  }
  return out;
}

array tangent_or_zeros(const std::vector<array>& primals, const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int i, StreamOrDevice s) {
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == i) return tangents[k];
  }
  return zeros_like(primals[i], std::nullopt, s);
}

}  // namespace kiln::rules
