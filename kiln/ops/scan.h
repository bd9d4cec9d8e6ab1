// Cumulative ops along an axis (the flattened array when the axis is nullopt). `reverse`
// scans from the end; an exclusive scan leaves out the element itself (the identity first).
#pragma once

#include <optional>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// `dtype` converts the input before summing; bool sums give int32.
array cumsum(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
             StreamOrDevice s = {});
array cumprod(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
              bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
              StreamOrDevice s = {});
array cummax(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
// Integers and bool compute in float32; complex is not supported.
array logcumsumexp(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
                   bool inclusive = true, StreamOrDevice s = {});

}  // namespace kiln
