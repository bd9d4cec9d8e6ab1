// Helpers shared by the C++ tests.
#pragma once

#include <vector>

#include "kiln/kiln.h"

namespace kiln::test {

// The elements of `a` in row-major order, as doubles (evaluates it).
inline std::vector<double> values(const array& a) {
  array d = contiguous(astype(a, float64));
  eval({d});
  return std::vector<double>(d.data<double>(), d.data<double>() + d.size());
}

}  // namespace kiln::test
