// Bindings of the cumulative ops (functions and array methods).
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

void init_scan(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  for (const char* name : {"cumsum", "cumprod"}) {
    bool is_sum = std::string(name) == "cumsum";
    auto fn = [is_sum](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                       py::object dtype, StreamOrDevice s) {
      auto dt = to_dtype(dtype);
      return is_sum ? cumsum(a, axis, reverse, inclusive, dt, s)
                    : cumprod(a, axis, reverse, inclusive, dt, s);
    };
    m.def(name, fn, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
          py::arg("reverse") = false, py::arg("inclusive") = true, py::arg("dtype") = py::none(),
          py::arg("stream") = py::none());
    cls.def(name, [fn](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                       StreamOrDevice s) { return fn(a, axis, reverse, inclusive, py::none(), s); },
            py::arg("axis") = py::none(), py::kw_only(), py::arg("reverse") = false,
            py::arg("inclusive") = true, py::arg("stream") = py::none());
  }
  m.attr("cumulative_sum") = m.attr("cumsum");
  m.attr("cumulative_prod") = m.attr("cumprod");

  using ScanFn = array (*)(const array&, std::optional<int>, bool, bool, StreamOrDevice);
  for (auto [name, fn] : {std::pair<const char*, ScanFn>{"cummax", &kiln::cummax},
                          {"cummin", &kiln::cummin},
                          {"logcumsumexp", &kiln::logcumsumexp}}) {
    auto call = [fn](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                     StreamOrDevice s) { return fn(a, axis, reverse, inclusive, s); };
    m.def(name, call, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
          py::arg("reverse") = false, py::arg("inclusive") = true, py::arg("stream") = py::none());
    cls.def(name, call, py::arg("axis") = py::none(), py::kw_only(), py::arg("reverse") = false,
            py::arg("inclusive") = true, py::arg("stream") = py::none());
  }
}
