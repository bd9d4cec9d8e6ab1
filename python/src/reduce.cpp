// Bindings of the reductions, softmax, trace, allclose and array_equal (functions and array
// methods).
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {

using AxesFn = array (*)(const array&, const std::vector<int>&, bool, StreamOrDevice);
using AllFn = array (*)(const array&, bool, StreamOrDevice);

struct Reduction {
  const char* name;
  AxesFn axes;
  AllFn all;
};

array call(const Reduction& r, const array& a, py::handle axis, bool keepdims, StreamOrDevice s) {
  auto axes = to_axes(axis);
  return axes ? r.axes(a, *axes, keepdims, s) : r.all(a, keepdims, s);
}

using VarFn = array (*)(const array&, const std::vector<int>&, bool, int, StreamOrDevice);
using VarAllFn = array (*)(const array&, bool, int, StreamOrDevice);

array call_var(VarFn axes_fn, VarAllFn all_fn, const array& a, py::handle axis, bool keepdims,
               int ddof, StreamOrDevice s) {
  auto axes = to_axes(axis);
  return axes ? axes_fn(a, *axes, keepdims, ddof, s) : all_fn(a, keepdims, ddof, s);
}

using ArgFn = array (*)(const array&, int, bool, StreamOrDevice);
using ArgAllFn = array (*)(const array&, bool, StreamOrDevice);

array call_arg(ArgFn axis_fn, ArgAllFn all_fn, const array& a, std::optional<int> axis,
               bool keepdims, StreamOrDevice s) {
  return axis ? axis_fn(a, *axis, keepdims, s) : all_fn(a, keepdims, s);
}

}  // namespace

void init_reduce(py::module_& m) {
  static const Reduction reductions[] = {
      {"all", &kiln::all, &kiln::all},
      {"any", &kiln::any, &kiln::any},
      {"sum", &kiln::sum, &kiln::sum},
      {"prod", &kiln::prod, &kiln::prod},
      {"max", &kiln::max, &kiln::max},
      {"min", &kiln::min, &kiln::min},
      {"mean", &kiln::mean, &kiln::mean},
      {"logsumexp", &kiln::logsumexp, &kiln::logsumexp},
      {"count_nonzero", &kiln::count_nonzero, &kiln::count_nonzero},
  };
  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  for (const Reduction& r : reductions) {
    m.def(r.name, [&r](const array& a, py::object axis, bool keepdims, StreamOrDevice s) {
      return call(r, a, axis, keepdims, s);
    }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
       py::kw_only(), py::arg("stream") = py::none());
    if (std::string(r.name) == "count_nonzero") continue;
    cls.def(r.name, [&r](const array& a, py::object axis, bool keepdims, StreamOrDevice s) {
      return call(r, a, axis, keepdims, s);
    }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
       py::arg("stream") = py::none());
  }

  for (auto [name, axes_fn, all_fn] :
       {std::tuple<const char*, VarFn, VarAllFn>{"var", &kiln::var, &kiln::var},
        {"std", &kiln::std, &kiln::std}}) {
    m.def(name, [axes_fn, all_fn](const array& a, py::object axis, bool keepdims, int ddof,
                                  StreamOrDevice s) {
      return call_var(axes_fn, all_fn, a, axis, keepdims, ddof, s);
    }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
       py::arg("ddof") = 0, py::kw_only(), py::arg("stream") = py::none());
    cls.def(name, [axes_fn, all_fn](const array& a, py::object axis, bool keepdims, int ddof,
                                    StreamOrDevice s) {
      return call_var(axes_fn, all_fn, a, axis, keepdims, ddof, s);
    }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0,
       py::kw_only(), py::arg("stream") = py::none());
  }

  for (auto [name, axis_fn, all_fn] : {std::tuple<const char*, ArgFn, ArgAllFn>{
                                           "argmax", &kiln::argmax, &kiln::argmax},
                                       {"argmin", &kiln::argmin, &kiln::argmin}}) {
    m.def(name, [axis_fn, all_fn](const array& a, std::optional<int> axis, bool keepdims,
                                  StreamOrDevice s) {
      return call_arg(axis_fn, all_fn, a, axis, keepdims, s);
    }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
       py::kw_only(), py::arg("stream") = py::none());
    cls.def(name, [axis_fn, all_fn](const array& a, std::optional<int> axis, bool keepdims,
                                    StreamOrDevice s) {
      return call_arg(axis_fn, all_fn, a, axis, keepdims, s);
    }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
       py::arg("stream") = py::none());
  }

  m.def("softmax", [](const array& a, py::object axis, bool precise, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? softmax(a, *axes, precise, s) : softmax(a, precise, s);
  }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("precise") = false, py::arg("stream") = py::none());

  m.def("trace", [](const array& a, int offset, int axis1, int axis2, py::object dtype,
                    StreamOrDevice s) {
    return trace(a, offset, axis1, axis2, to_dtype(dtype), s);
  }, py::arg("a"), py::pos_only(), py::arg("offset") = 0, py::arg("axis1") = 0,
     py::arg("axis2") = 1, py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());

  m.def("allclose", [](py::object a, py::object b, double rtol, double atol, bool equal_nan,
                       StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return allclose(x, y, rtol, atol, equal_nan, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8,
     py::kw_only(), py::arg("equal_nan") = false, py::arg("stream") = py::none());

  m.def("array_equal", [](py::object a, py::object b, bool equal_nan, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return array_equal(x, y, equal_nan, s);
  }, py::arg("a"), py::arg("b"), py::arg("equal_nan") = false, py::arg("stream") = py::none());
}
