// Bindings of the unary elementwise ops, as functions and as array methods.
#include <algorithm>

#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {
using UnaryFn = array (*)(const array&, StreamOrDevice);

void def_unary(py::module_& m, const char* name, UnaryFn fn) {
  m.def(name, [fn](const array& a, StreamOrDevice s) { return fn(a, s); }, py::arg("a"),
        py::pos_only(), py::kw_only(), py::arg("stream") = py::none());
}
}  // namespace

void init_unary(py::module_& m) {
  struct Entry {
    const char* name;
    UnaryFn fn;
  };
  const Entry entries[] = {
      {"abs", &abs}, {"sign", &sign}, {"negative", &negative}, {"square", &square},
      {"sqrt", &sqrt}, {"rsqrt", &rsqrt}, {"reciprocal", &reciprocal}, {"exp", &exp},
      {"expm1", &expm1}, {"log", &log}, {"log2", &log2}, {"log10", &log10},
      {"log1p", &log1p}, {"sin", &sin}, {"cos", &cos}, {"tan", &tan}, {"arcsin", &arcsin},
      {"arccos", &arccos}, {"arctan", &arctan}, {"sinh", &sinh}, {"cosh", &cosh},
      {"tanh", &tanh}, {"arcsinh", &arcsinh}, {"arccosh", &arccosh}, {"arctanh", &arctanh},
      {"erf", &erf}, {"erfinv", &erfinv}, {"sigmoid", &sigmoid}, {"floor", &floor},
      {"ceil", &ceil}, {"trunc", &trunc}, {"real", &real}, {"imag", &imag}, {"logical_not", &logical_not},
      {"bitwise_invert", &bitwise_invert}, {"isnan", &isnan}, {"isinf", &isinf},
      {"isfinite", &isfinite}, {"isposinf", &isposinf}, {"isneginf", &isneginf},
      {"degrees", &degrees}, {"radians", &radians},
  };
  for (auto& e : entries) def_unary(m, e.name, e.fn);
  m.def("positive", [](const array& a, StreamOrDevice) { return a; }, py::arg("a"),
        py::pos_only(), py::kw_only(), py::arg("stream") = py::none());
  m.def("conj", [](const array& a, StreamOrDevice s) { return conjugate(a, s); }, py::arg("a"),
        py::kw_only(), py::arg("stream") = py::none());
  m.def("conjugate", [](const array& a, StreamOrDevice s) { return conjugate(a, s); },
        py::arg("a"), py::kw_only(), py::arg("stream") = py::none());
  m.def("round", [](const array& a, int decimals, StreamOrDevice s) { return round(a, decimals, s); },
        py::arg("a"), py::pos_only(), py::arg("decimals") = 0, py::arg("stream") = py::none());
  m.def("nan_to_num",
        [](py::object a, double nan, std::optional<double> posinf, std::optional<double> neginf,
           StreamOrDevice s) { return nan_to_num(to_array(a), nan, posinf, neginf, s); },
        py::arg("a"), py::arg("nan") = 0.0, py::arg("posinf") = py::none(),
        py::arg("neginf") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  for (auto [alias, name] : {std::pair{"arcsin", "asin"}, {"arccos", "acos"}, {"arctan", "atan"},
                             {"arcsinh", "asinh"}, {"arccosh", "acosh"}, {"arctanh", "atanh"}}) {
    m.attr(name) = m.attr(alias);
  }

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  const std::string methods[] = {"abs", "square", "sqrt", "rsqrt", "reciprocal", "exp",
                                 "log", "log2", "log10", "log1p", "sin", "cos"};
  for (auto& e : entries) {
    if (std::find(std::begin(methods), std::end(methods), e.name) == std::end(methods)) continue;
    UnaryFn fn = e.fn;
    cls.def(e.name, [fn](const array& a, StreamOrDevice s) { return fn(a, s); }, py::kw_only(),
            py::arg("stream") = py::none());
  }
  cls.def("round", [](const array& a, int d, StreamOrDevice s) { return round(a, d, s); },
          py::arg("decimals") = 0, py::kw_only(), py::arg("stream") = py::none());
  cls.def("conj", [](const array& a, StreamOrDevice s) { return conjugate(a, s); },
          py::kw_only(), py::arg("stream") = py::none());
  cls.def_property_readonly("real", [](const array& a) { return real(a); });
  cls.def_property_readonly("imag", [](const array& a) { return imag(a); });
  cls.def("__neg__", [](const array& a) { return negative(a); });
  cls.def("__abs__", [](const array& a) { return abs(a); });
  cls.def("__invert__", [](const array& a) {
    return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
  });
}
