// Axis bookkeeping shared by the reductions (ops/reduce.cpp) and softmax/logsumexp
// (ops/softmax.cpp).
#pragma once

#include <vector>

#include "kiln/array.h"

namespace kiln::detail {

// 0, 1, ..., a.ndim() - 1.
std::vector<int> all_axes(const array& a);

// `shape` with the (sorted, distinct) axes set to 1, or removed.
Shape keep_shape(const Shape& shape, const std::vector<int>& axes);
Shape drop_shape(const Shape& shape, const std::vector<int>& axes);

// Reductions without an identity (max, min, argmax, logsumexp) need every reduced axis to
// have elements; throws std::invalid_argument naming `name` otherwise.
void check_nonempty(const array& a, const std::vector<int>& axes, const char* name);

}  // namespace kiln::detail
