// Bindings of the array-creation ops.
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

void init_creation(py::module_& m) {
  m.def("zeros", [](py::object shape, py::object dtype, StreamOrDevice s) {
    return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), s);
  }, py::arg("shape"), py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  m.def("ones", [](py::object shape, py::object dtype, StreamOrDevice s) {
    return ones(to_shape(shape), to_dtype(dtype).value_or(float32), s);
  }, py::arg("shape"), py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  m.def("full", [](py::object shape, py::object vals, py::object dtype, StreamOrDevice s) {
    auto dt = to_dtype(dtype);
    // A Python scalar converts straight to the requested dtype (no float32 detour).
    array v = dt && scalar_kind(vals) ? to_array(vals, dt) : to_array(vals);
    return full(to_shape(shape), v, dt, s);
  }, py::arg("shape"), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("zeros_like", [](const array& a, py::object dtype, StreamOrDevice s) {
    return zeros_like(a, to_dtype(dtype), s);
  }, py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("ones_like", [](const array& a, py::object dtype, StreamOrDevice s) {
    return ones_like(a, to_dtype(dtype), s);
  }, py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("full_like", [](const array& a, py::object vals, py::object dtype, StreamOrDevice s) {
    auto dt = to_dtype(dtype);
    return full_like(a, to_array_like(vals, dt ? zeros({}, *dt) : a), dt, s);
  }, py::arg("a"), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.attr("empty") = m.attr("zeros");
  m.attr("empty_like") = m.attr("zeros_like");

  m.def("arange", [](py::object start, py::object stop, py::object step, py::object dtype,
                     StreamOrDevice s) {
    if (stop.is_none()) std::swap(start, stop), start = py::int_(0);
    bool integral = scalar_kind(start) != 'f' && scalar_kind(stop) != 'f' &&
                    (step.is_none() || scalar_kind(step) != 'f');
    double st = step.is_none() ? 1.0 : py::cast<double>(step);
    return arange(py::cast<double>(start), py::cast<double>(stop), st, to_dtype(dtype),
                  integral, s);
  }, py::arg("start"), py::arg("stop") = py::none(), py::arg("step") = py::none(),
     py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
}
