// Pytrees: nested lists, tuples and dicts whose leaves are arrays (or other objects).
#pragma once

#include <functional>
#include <optional>
#include <string>
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
// The same with any objects in place of the arrays (axes, None...).
py::object tree_replace_leaves(py::handle tree, const std::vector<py::object>& leaves);

// For each array leaf of `tree` (in visiting order), the integer (or None: nullopt) given for
// it by `axes`, a prefix of the tree: an int or None applies to the whole subtree under it, a
// list, tuple or dict continues the match. Leaves that are not arrays must get None. Errors
// name `what` (e.g. "[vmap] in_axes").
std::vector<std::optional<int>> tree_axes(py::handle tree, py::handle axes,
                                          const std::string& what);

// The leaves of `values` at the positions of the array leaves of `like` (same containers),
// as arrays of the matching leaf's shape; None stands for zeros. Errors name `what`.
std::vector<array> tree_arrays_like(py::handle values, py::handle like, const std::string& what);

}  // namespace kiln::python
