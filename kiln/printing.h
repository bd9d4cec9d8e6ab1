// Text form of arrays, as MLX prints them: `array([1, 2.5, 3], dtype=float32)`.
#pragma once

#include <ostream>
#include <string>

#include "kiln/array.h"

namespace kiln {

// Digits after the decimal point for floats (fixed notation); -1, the default, prints six
// significant digits with no trailing zeros (`1`, `0.333333`, `1e-07`).
void set_print_precision(int precision);
int get_print_precision();

// Each dimension longer than six prints its first and last three entries around "...".
std::string array_repr(array a);  // evaluates the array; bools print as True/False (Python)
std::ostream& operator<<(std::ostream& os, array a);  // the same text with true/false (C++)

}  // namespace kiln
