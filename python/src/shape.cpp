// Bindings of the shape ops (functions and array methods).
#include "convert.h"
#include "kiln/ops/utils.h"

using namespace kiln;
using namespace kiln::python;

namespace {
// reshape(*shape) and reshape(shape) both work on arrays, as in NumPy.
Shape shape_from_args(py::args args) {
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) return to_shape(args[0]);
  return to_shape(args);
}
}  // namespace

void init_shape(py::module_& m) {
  m.def("reshape", [](const array& a, py::object shape, StreamOrDevice s) {
    return reshape(a, to_shape(shape), s);
  }, py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none());
  m.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, py::arg("a"), py::pos_only(), py::arg("start_axis") = 0, py::arg("end_axis") = -1,
     py::kw_only(), py::arg("stream") = py::none());
  m.def("squeeze", [](const array& a, py::object axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? squeeze(a, *axes, s) : squeeze(a, s);
  }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("expand_dims", [](const array& a, py::object axis, StreamOrDevice s) {
    return expand_dims(a, *to_axes(axis), s);
  }, py::arg("a"), py::pos_only(), py::arg("axis"), py::kw_only(), py::arg("stream") = py::none());
  m.def("transpose", [](const array& a, py::object axes, StreamOrDevice s) {
    auto ax = to_axes(axes);
    return ax ? transpose(a, *ax, s) : transpose(a, s);
  }, py::arg("a"), py::pos_only(), py::arg("axes") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.attr("permute_dims") = m.attr("transpose");
  m.attr("matrix_transpose") = m.attr("transpose");
  m.def("broadcast_to", [](py::object a, py::object shape, StreamOrDevice s) {
    return broadcast_to(to_array(a), to_shape(shape), s);
  }, py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none());
  m.def("broadcast_arrays", [](py::args arrays, StreamOrDevice s) {
    std::vector<array> in;
    for (auto a : arrays) in.push_back(to_array(a));
    return py::tuple(py::cast(broadcast_arrays(in, s)));
  }, py::kw_only(), py::arg("stream") = py::none());
  m.def("broadcast_shapes", [](py::args shapes) {
    std::vector<Shape> in;
    for (auto sh : shapes) in.push_back(to_shape(sh));
    return py::tuple(py::cast(broadcast_shapes(in)));
  });
  m.def("astype", [](const array& a, Dtype dtype, StreamOrDevice s) { return astype(a, dtype, s); },
        py::arg("a"), py::arg("dtype"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none());
  m.def("contiguous", [](const array& a, bool allow_col, StreamOrDevice s) {
    return contiguous(a, allow_col, s);
  }, py::arg("a"), py::pos_only(), py::arg("allow_col_major") = false, py::kw_only(),
     py::arg("stream") = py::none());

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  cls.def("reshape", [](const array& a, py::args shape, StreamOrDevice s) {
    return reshape(a, shape_from_args(shape), s);
  }, py::kw_only(), py::arg("stream") = py::none());
  cls.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, py::arg("start_axis") = 0, py::arg("end_axis") = -1, py::kw_only(),
     py::arg("stream") = py::none());
  cls.def("squeeze", [](const array& a, py::object axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? squeeze(a, *axes, s) : squeeze(a, s);
  }, py::arg("axis") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  cls.def("transpose", [](const array& a, py::args axes, StreamOrDevice s) {
    if (axes.empty()) return transpose(a, s);
    std::vector<int> ax;
    if (axes.size() == 1 && !py::isinstance<py::int_>(axes[0])) {
      ax = *to_axes(axes[0]);
    } else {
      ax = *to_axes(axes);
    }
    return transpose(a, ax, s);
  }, py::kw_only(), py::arg("stream") = py::none());
  cls.def_property_readonly("T", [](const array& a) { return transpose(a); });
  cls.def("astype", [](const array& a, Dtype dtype, StreamOrDevice s) { return astype(a, dtype, s); },
          py::arg("dtype"), py::arg("stream") = py::none());
}
