// Pytrees: nested lists, tuples and dicts whose leaves are arrays (or other objects).
// Subclasses count as containers too (NamedTuple, OrderedDict, dict-based modules...), and
// rebuilt trees keep each container's type.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "convert.h"

namespace kiln::python {

// Trees nest at most this deep. The walks recurse on the C++ stack: a deeper tree (or one
// that contains itself, which is infinitely deep) raises RecursionError instead.
constexpr int max_tree_depth = 1000;

// Raises RecursionError naming `op` when `depth` is past max_tree_depth.
void check_tree_depth(int depth, const char* op);

// A list, tuple or dict (or an instance of a subclass of one).
bool is_tree_node(py::handle h);

// A container of the type of `node` (a tree node) holding `items` in place of its entries
// (for a dict: its values, in its key order).
py::object rebuild_node(py::handle node, const std::vector<py::object>& items);

// Calls f on every leaf (anything that is not a list, tuple or dict), depth first.
void tree_visit(py::handle tree, const std::function<void(py::handle)>& f);

// The arrays among the leaves, in visiting order. With `strict`, any leaf that is not an
// array raises a ValueError naming `what`.
std::vector<array> tree_arrays(py::handle tree, bool strict = false, const char* what = "");

// A copy of `tree` whose array leaves are replaced, in order, by `values`.
py::object tree_replace_arrays(py::handle tree, const std::vector<array>& values);
// The same with any objects in place of the arrays (axes, None...).
py::object tree_replace_leaves(py::handle tree, const std::vector<py::object>& leaves);

// Replaces each array leaf `a` of `tree` by f(a) in place, as MLX's transforms do with their
// arguments: lists and dicts are updated (their owners see the change), tuples are rebuilt.
// Returns the updated tree (a new object where the tree is an array or a tuple).
py::object tree_update_arrays(py::handle tree, const std::function<py::object(const array&)>& f);

// Undoes tree_update_arrays: puts back, in place, the array that `swapped` maps each array
// leaf's id to (leaves not in `swapped`, such as values the function stored, stay).
py::object tree_put_back(py::handle tree, const std::unordered_map<uintptr_t, array>& swapped);

// For each array leaf of `tree` (in visiting order), the integer (or None: nullopt) given for
// it by `axes`, a prefix of the tree: an int or None applies to the whole subtree under it, a
// list, tuple or dict continues the match, and a 1-tuple (or 1-list) standing where the tree
// has no sequence stands for its entry. Leaves that are not arrays must get None. Errors
// name `what` (e.g. "[vmap] in_axes").
std::vector<std::optional<int>> tree_axes(py::handle tree, py::handle axes,
                                          const std::string& what);

// Every leaf of `tree`, in visiting order.
std::vector<py::object> tree_leaves(py::handle tree);

// One value for each array leaf of `like`, as an array of that leaf's shape, taken from the
// leaves of `values` in order (as MLX does, the containers around them do not matter: a
// 1-tuple, a list or the bare value all give one leaf). `values` has one leaf per array leaf
// of `like`, or one per leaf of `like` (those at non-array leaves are ignored). None stands
// for zeros. Errors name `what`.
std::vector<array> tree_arrays_like(py::handle values, py::handle like, const std::string& what);

}  // namespace kiln::python
