// Compile-time facts about the elementwise functors, for the tables in unary.cpp/binary.cpp
// and the CPU kernels: which element types an op accepts and what it returns.
#pragma once

#include <utility>

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/dtype.h"

namespace kiln {

template <typename Op, typename T>
concept UnaryAccepts = requires(Op op, T x) { op(x); };
template <typename Op, typename T>
concept BinaryAccepts = requires(Op op, T x) { op(x, x); };

template <typename Op, typename T>
using unary_result_t = decltype(std::declval<Op>()(std::declval<T>()));
template <typename Op, typename T>
using binary_result_t = decltype(std::declval<Op>()(std::declval<T>(), std::declval<T>()));

}  // namespace kiln
