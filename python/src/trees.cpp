#include "trees.h"

namespace kiln::python {

void tree_visit(py::handle tree, const std::function<void(py::handle)>& f) {
  if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    for (auto item : tree) tree_visit(item, f);
  } else if (py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) tree_visit(item.second, f);
  } else {
    f(tree);
  }
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

py::object tree_replace_leaves(py::handle tree, const std::vector<py::object>& leaves) {
  size_t i = 0;
  std::function<py::object(py::handle)> rec = [&](py::handle t) -> py::object {
    if (py::isinstance<py::list>(t) || py::isinstance<py::tuple>(t)) {
      py::list out;
      for (auto item : t) out.append(rec(item));
      if (py::isinstance<py::tuple>(t)) return py::tuple(out);
      return out;
    }
    if (py::isinstance<py::dict>(t)) {
      py::dict out;
      for (auto item : py::reinterpret_borrow<py::dict>(t)) out[item.first] = rec(item.second);
      return out;
    }
    if (py::isinstance<array>(t)) return leaves.at(i++);
    return py::reinterpret_borrow<py::object>(t);
  };
  return rec(tree);
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
              std::vector<std::optional<int>>& out) {
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
      axes_rec(tree[py::int_(i)], axes[py::int_(i)], what, out);
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
      axes_rec(item.second, a[item.first], what, out);
    }
    return;
  }
  throw py::value_error(what + " entries must be int, None, list, tuple or dict, got " +
                        type_name(axes));
}

void like_rec(py::handle values, py::handle like, const std::string& what,
              std::vector<array>& out) {
  if (is_sequence(like)) {
    if (!is_sequence(values) || py::len(values) != py::len(like)) {
      throw py::value_error(what + " expected a sequence of " +
                            std::to_string(py::len(like)) + " entries, got " +
                            (is_sequence(values) ? std::to_string(py::len(values)) + " entries"
                                                 : "a " + type_name(values)));
    }
    for (size_t i = 0; i < py::len(like); ++i) {
      like_rec(values[py::int_(i)], like[py::int_(i)], what, out);
    }
  } else if (py::isinstance<py::dict>(like)) {
    if (!py::isinstance<py::dict>(values)) {
      throw py::value_error(what + " expected a dict, got a " + type_name(values));
    }
    auto v = py::reinterpret_borrow<py::dict>(values);
    for (auto item : py::reinterpret_borrow<py::dict>(like)) {
      if (!v.contains(item.first)) {
        throw py::value_error(what + " is missing the key " +
                              std::string(py::repr(item.first)));
      }
      like_rec(v[item.first], item.second, what, out);
    }
  } else if (py::isinstance<array>(like)) {
    const array& ref = py::cast<const array&>(like);
    if (values.is_none()) {
      out.push_back(zeros_like(ref));
      return;
    }
    array a = to_array_like(values, ref);
    if (a.shape() != ref.shape()) {
      throw py::value_error(what + " expected an array of shape " +
                            shape_to_string(ref.shape()) + ", got shape " +
                            shape_to_string(a.shape()));
    }
    out.push_back(a);
  }
}

}  // namespace

std::vector<std::optional<int>> tree_axes(py::handle tree, py::handle axes,
                                          const std::string& what) {
  std::vector<std::optional<int>> out;
  axes_rec(tree, axes, what, out);
  return out;
}

std::vector<array> tree_arrays_like(py::handle values, py::handle like, const std::string& what) {
  std::vector<array> out;
  like_rec(values, like, what, out);
  return out;
}

}  // namespace kiln::python
