// Text form of arrays: `array([1, 2], dtype=int32)` as MLX prints them.
#pragma once

#include <ostream>
#include <string>

#include "kiln/array.h"

namespace kiln {

// Significant digits for floats; -1 means the default (6 for float32, 16 for float64...).
void set_print_precision(int precision);
int get_print_precision();

std::string array_repr(array a);         // evaluates the array
std::ostream& operator<<(std::ostream& os, array a);

}  // namespace kiln
