#include "trees.h"

namespace kiln::python {

void check_tree_depth(int depth, const char* op) {
  if (depth <= max_tree_depth) return;
  PyErr_Format(PyExc_RecursionError,
               "[%s] the tree is nested more than %d levels deep (or contains itself)", op,
               max_tree_depth);
  throw py::error_already_set();
}

bool is_tree_node(py::handle h) {
  return py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h) ||
         py::isinstance<py::dict>(h);
}

py::object rebuild_node(py::handle node, const std::vector<py::object>& items) {
  if (py::isinstance<py::dict>(node)) {
    // A subclass keeps its type and attributes (a defaultdict its factory): a shallow copy
    // whose values are then replaced.
    py::object out = PyDict_CheckExact(node.ptr())
                         ? py::dict()
                         : py::module_::import("copy").attr("copy")(node);
    size_t i = 0;
    for (auto item : py::reinterpret_borrow<py::dict>(node)) {
      if (PyObject_SetItem(out.ptr(), item.first.ptr(), items.at(i++).ptr()) != 0) {
        throw py::error_already_set();
      }
    }
    return out;
  }
  py::list l;
  for (auto& x : items) l.append(x);
  if (PyList_CheckExact(node.ptr())) return std::move(l);
  if (PyTuple_CheckExact(node.ptr())) return py::tuple(l);
  py::object type = py::type::of(node);
  // A NamedTuple takes its fields as arguments; other subclasses take an iterable.
  if (py::isinstance<py::tuple>(node) && py::hasattr(node, "_fields")) {
    return type(*py::tuple(l));
  }
  return type(py::isinstance<py::tuple>(node) ? py::object(py::tuple(l)) : py::object(l));
}

namespace {

void visit_rec(py::handle tree, const std::function<void(py::handle)>& f, int depth) {
  check_tree_depth(depth, "pytree");
  if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    for (auto item : tree) visit_rec(item, f, depth + 1);
  } else if (py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) visit_rec(item.second, f, depth + 1);
  } else {
    f(tree);
  }
}

py::object replace_rec(py::handle t, const std::vector<py::object>& leaves, size_t& i,
                       int depth) {
  check_tree_depth(depth, "pytree");
  if (is_tree_node(t)) {
    std::vector<py::object> items;
    if (py::isinstance<py::dict>(t)) {
      for (auto item : py::reinterpret_borrow<py::dict>(t)) {
        items.push_back(replace_rec(item.second, leaves, i, depth + 1));
      }
    } else {
      for (auto item : t) items.push_back(replace_rec(item, leaves, i, depth + 1));
    }
    return rebuild_node(t, items);
  }
  if (py::isinstance<array>(t)) return leaves.at(i++);
  return py::reinterpret_borrow<py::object>(t);
}

py::object update_rec(py::handle t, const std::function<py::object(const array&)>& f,
                      int depth) {
  check_tree_depth(depth, "pytree");
  if (py::isinstance<array>(t)) return f(py::cast<array>(t));
  if (py::isinstance<py::list>(t)) {
    auto l = py::reinterpret_borrow<py::list>(t);
    for (size_t i = 0; i < l.size(); ++i) l[i] = update_rec(l[i], f, depth + 1);
  } else if (py::isinstance<py::dict>(t)) {
    auto d = py::reinterpret_borrow<py::dict>(t);
    for (auto item : d) {
      py::object k = py::reinterpret_borrow<py::object>(item.first);
      d[k] = update_rec(item.second, f, depth + 1);
    }
  } else if (py::isinstance<py::tuple>(t)) {
    std::vector<py::object> items;
    for (auto item : t) items.push_back(update_rec(item, f, depth + 1));
    return rebuild_node(t, items);
  }
  return py::reinterpret_borrow<py::object>(t);
}

}  // namespace

py::object tree_update_arrays(py::handle tree,
                              const std::function<py::object(const array&)>& f) {
  return update_rec(tree, f, 0);
}

py::object tree_put_back(py::handle tree, const std::unordered_map<uintptr_t, array>& swapped) {
  return tree_update_arrays(tree, [&](const array& a) {
    auto it = swapped.find(a.id());
    return py::cast(it == swapped.end() ? a : it->second);
  });
}

void tree_visit(py::handle tree, const std::function<void(py::handle)>& f) {
  visit_rec(tree, f, 0);
}

std::vector<array> tree_arrays(py::handle tree, bool strict, const char* what) {
  std::vector<array> out;
  tree_visit(tree, [&](py::handle leaf) {
    if (py::isinstance<array>(leaf)) {
      out.push_back(py::cast<array>(leaf));
    } else if (strict) {
      throw py::value_error(std::string("[") + what + "] expected arrays in the tree, got " +
                            std::string(py::str(py::type::of(leaf).attr("__name__"))));
    }
  });
  return out;
}

std::vector<py::object> tree_leaves(py::handle tree) {
  std::vector<py::object> out;
  tree_visit(tree, [&](py::handle leaf) { out.push_back(py::reinterpret_borrow<py::object>(leaf)); });
  return out;
}

py::object tree_replace_leaves(py::handle tree, const std::vector<py::object>& leaves) {
  size_t i = 0;
  return replace_rec(tree, leaves, i, 0);
}

py::object tree_replace_arrays(py::handle tree, const std::vector<array>& values) {
  std::vector<py::object> leaves;
  leaves.reserve(values.size());
  for (auto& v : values) leaves.push_back(py::cast(v));
  return tree_replace_leaves(tree, leaves);
}

namespace {

bool is_sequence(py::handle h) {
  return py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h);
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

void axes_rec(py::handle tree, py::handle axes, const std::string& what,
              std::vector<std::optional<int>>& out, int depth) {
  check_tree_depth(depth, "pytree");
  if (is_sequence(axes) && py::len(axes) == 1 && !is_sequence(tree)) {
    // (0,) for an array or a dict: the spec written as a 1-tuple.
    return axes_rec(tree, axes[py::int_(0)], what, out, depth + 1);
  }
  if (axes.is_none() || py::isinstance<py::int_>(axes)) {
    std::optional<int> ax;
    if (!axes.is_none()) ax = py::cast<int>(axes);
    tree_visit(tree, [&](py::handle leaf) {
      if (py::isinstance<array>(leaf)) {
        out.push_back(ax);
      } else if (ax) {
        throw py::value_error(what + " gives axis " + std::to_string(*ax) +
                              " to a leaf of type " + type_name(leaf) +
                              "; only arrays can be mapped");
      }
    });
    return;
  }
  if (is_sequence(axes)) {
    if (!is_sequence(tree) || py::len(tree) != py::len(axes)) {
      throw py::value_error(what + " has " + std::to_string(py::len(axes)) +
                            " entries where the values have " +
                            (is_sequence(tree) ? std::to_string(py::len(tree)) + " entries"
                                               : "a " + type_name(tree)));
    }
    for (size_t i = 0; i < py::len(axes); ++i) {
      axes_rec(tree[py::int_(i)], axes[py::int_(i)], what, out, depth + 1);
    }
    return;
  }
  if (py::isinstance<py::dict>(axes)) {
    if (!py::isinstance<py::dict>(tree)) {
      throw py::value_error(what + " is a dict where the values have a " +
                            type_name(tree));
    }
    auto t = py::reinterpret_borrow<py::dict>(tree);
    auto a = py::reinterpret_borrow<py::dict>(axes);
    for (auto item : t) {
      if (!a.contains(item.first)) {
        throw py::value_error(what + " has no entry for the key " +
                              std::string(py::repr(item.first)));
      }
      axes_rec(item.second, a[item.first], what, out, depth + 1);
    }
    return;
  }
  throw py::value_error(what + " entries must be int, None, list, tuple or dict, got " +
                        type_name(axes));
}

// `value` as an array of ref's shape; None for zeros.
array leaf_like(py::handle value, const array& ref, const std::string& what) {
  if (value.is_none()) return zeros_like(ref);
  array a = to_array_like(value, ref);
  if (a.shape() != ref.shape()) {
    throw py::value_error(what + " expected an array of shape " + shape_to_string(ref.shape()) +
                          ", got shape " + shape_to_string(a.shape()));
  }
  return a;
}

}  // namespace

std::vector<std::optional<int>> tree_axes(py::handle tree, py::handle axes,
                                          const std::string& what) {
  std::vector<std::optional<int>> out;
  axes_rec(tree, axes, what, out, 0);
  return out;
}

std::vector<array> tree_arrays_like(py::handle values, py::handle like, const std::string& what) {
  std::vector<py::object> given = tree_leaves(values), slots = tree_leaves(like);
  std::vector<array> refs;
  std::vector<size_t> at;  // the positions of the arrays among the slots
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!py::isinstance<array>(slots[i])) continue;
    refs.push_back(py::cast<array>(slots[i]));
    at.push_back(i);
  }
  bool one_per_array = given.size() == refs.size();
  if (!one_per_array && given.size() != slots.size()) {
    throw py::value_error(what + " has " + std::to_string(given.size()) + " leaves, expected " +
                          std::to_string(refs.size()) + " (one for each array)");
  }
  std::vector<array> out;
  for (size_t k = 0; k < refs.size(); ++k) {
    out.push_back(leaf_like(given[one_per_array ? k : at[k]], refs[k], what));
  }
  return out;
}

}  // namespace kiln::python
