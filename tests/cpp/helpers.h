// Helpers shared by the C++ tests.
#pragma once

#include <vector>

#include "kiln/kiln.h"

namespace kiln::test {

// The elements of `a` in row-major order, converted to T (evaluates it).
template <typename T>
std::vector<T> values_as(const array& a) {
  array d = contiguous(astype(a, dtype_v<T>));
  eval({d});
  return std::vector<T>(d.data<T>(), d.data<T>() + d.size());
}

// The elements of `a` in row-major order, as doubles (evaluates it).
inline std::vector<double> values(const array& a) { return values_as<double>(a); }

}  // namespace kiln::test
