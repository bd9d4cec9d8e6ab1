// Argument checking shared by the op builders. Messages name the op and the bad values.
#pragma once

#include <string>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// NumPy broadcasting of two shapes; throws std::invalid_argument naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes");
Shape broadcast_shapes(const std::vector<Shape>& shapes, const char* op = "broadcast_shapes");

// Maps a possibly negative axis into [0, ndim); throws axis_error naming `op`.
int normalize_axis(int axis, int ndim, const char* op);
// Normalizes, sorts and checks a list of axes; a repeated axis is std::invalid_argument.
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op);

std::string axes_to_string(const std::vector<int>& axes);

}  // namespace kiln
