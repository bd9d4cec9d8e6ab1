// Pytrees: nested lists, tuples and dicts whose leaves are arrays (or other objects).
#pragma once

#include <functional>
#include <vector>

#include "convert.h"

namespace kiln::python {

// Calls f on every leaf (anything that is not a list, tuple or dict), depth first.
void tree_visit(py::handle tree, const std::function<void(py::handle)>& f);

// The arrays among the leaves, in visiting order. With `strict`, any leaf that is not an
// array raises a ValueError naming `what`.
std::vector<array> tree_arrays(py::handle tree, bool strict = false, const char* what = "");

// A copy of `tree` whose array leaves are replaced, in order, by `values`.
py::object tree_replace_arrays(py::handle tree, const std::vector<array>& values);

}  // namespace kiln::python
