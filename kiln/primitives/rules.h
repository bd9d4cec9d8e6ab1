// Helpers shared by the primitives' vjp/jvp/vmap rules (written with ops).
#pragma once

#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln::rules {

// Sums `cot` (of a broadcast result's shape) back to `shape`: over the leading axes the
// broadcast added and over the axes where `shape` has 1.
array unbroadcast(const array& cot, const Shape& shape, StreamOrDevice s);

// The batch size among the mapped inputs (axes[i] >= 0).
int64_t batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);

// `x` with its mapped axis moved to the front (x itself when already there).
array batch_to_front(const array& x, int axis, StreamOrDevice s);

// For elementwise broadcasting rules: mapped inputs get their axis in front and ones after
// it up to a common rank, so that they broadcast with each other and with the unmapped
// inputs (left as they are) exactly as the unmapped computation does. The outputs are then
// mapped on axis 0. When every mapped input already shares one axis and one rank and no
// unmapped input reaches that far, nothing moves and that axis is returned.
std::pair<std::vector<array>, int> align_broadcast(const std::vector<array>& inputs,
                                                   const std::vector<int>& axes, StreamOrDevice s);

// Every input mapped on axis 0: unmapped ones are broadcast to carry the batch of size n (a
// view); n < 0 takes the size from the mapped inputs.
std::vector<array> all_batched(const std::vector<array>& inputs, const std::vector<int>& axes,
                               StreamOrDevice s, int64_t n = -1);

// The axis of a (possibly non-batched) input's shape after inserting the batch at `batch`.
inline int shift_axis(int axis, int batch) { return axis >= batch ? axis + 1 : axis; }

// An array of `shape` that is zero except on the `offset` diagonal of its (axis1, axis2)
// planes, which holds `d` (the layout Diagonal produces: the other axes, then the diagonal).
array diagonal_embed(const array& d, const Shape& shape, int offset, int axis1, int axis2,
                     StreamOrDevice s);

// The tangent (or cotangent) of input i when it is listed in argnums, else zeros.
array tangent_or_zeros(const std::vector<array>& primals, const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int i, StreamOrDevice s);

}  // namespace kiln::rules
