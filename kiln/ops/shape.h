// Shape ops: views where possible, copies where not.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

array reshape(const array& a, Shape shape, StreamOrDevice s = {});  // one dim may be -1
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});  // all size-1 dims
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});  // reverses the axes
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& arrays, StreamOrDevice s = {});
array astype(const array& a, Dtype dtype, StreamOrDevice s = {});
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});

}  // namespace kiln
