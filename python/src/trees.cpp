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

namespace {
py::object replace(py::handle tree, const std::vector<array>& values, size_t& i) {
  if (py::isinstance<py::list>(tree)) {
    py::list out;
    for (auto item : tree) out.append(replace(item, values, i));
    return out;
  }
  if (py::isinstance<py::tuple>(tree)) {
    py::list out;
    for (auto item : tree) out.append(replace(item, values, i));
    return py::tuple(out);
  }
  if (py::isinstance<py::dict>(tree)) {
    py::dict out;
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      out[item.first] = replace(item.second, values, i);
    }
    return out;
  }
  if (py::isinstance<array>(tree)) return py::cast(values.at(i++));
  return py::reinterpret_borrow<py::object>(tree);
}
}  // namespace

py::object tree_replace_arrays(py::handle tree, const std::vector<array>& values) {
  size_t i = 0;
  return replace(tree, values, i);
}

}  // namespace kiln::python
