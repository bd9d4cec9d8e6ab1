// Dtype objects, categories, finfo/iinfo and the promotion helpers.
#include "convert.h"

using namespace kiln;

void init_dtype(py::module_& m) {
  py::class_<Dtype>(m, "Dtype")
      .def_property_readonly("size", [](const Dtype& d) { return int(d.size); })
      .def("__repr__", [](const Dtype& d) { return std::string("kiln.core.") + dtype_name(d); })
      .def("__eq__", [](const Dtype& a, py::object b) {
        return py::isinstance<Dtype>(b) && a == py::cast<Dtype>(b);
      })
      .def("__hash__", [](const Dtype& d) { return int(d.val); })
      .def(py::pickle([](const Dtype& d) { return std::string(dtype_name(d)); },
                      [](const std::string& name) { return dtype_from_name(name); }));
  for (Dtype d : all_dtypes) {
    std::string name = dtype_name(d);
    m.attr(name == "bool" ? "bool_" : name.c_str()) = d;
  }

  py::enum_<DtypeCategory>(m, "DtypeCategory")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic)
      .export_values();

  m.def("issubdtype", [](py::object a, py::object b) {
    auto is_dt = [](py::handle h) { return py::isinstance<Dtype>(h); };
    if (is_dt(a) && is_dt(b)) return py::cast<Dtype>(a) == py::cast<Dtype>(b);
    if (is_dt(a)) return issubdtype(py::cast<Dtype>(a), py::cast<DtypeCategory>(b));
    if (is_dt(b)) return false;  // a category is never a subtype of one dtype
    return issubdtype(py::cast<DtypeCategory>(a), py::cast<DtypeCategory>(b));
  }, py::arg("arg1"), py::arg("arg2"));

  m.def("isdtype", [](Dtype d, py::object kind) {
    auto one = [&](py::handle k) -> bool {
      if (py::isinstance<Dtype>(k)) return py::cast<Dtype>(k) == d;
      std::string s = py::cast<std::string>(k);
      if (s == "bool") return d == bool_;
      if (s == "signed integer") return is_signed_integer(d);
      if (s == "unsigned integer") return is_unsigned(d);
      if (s == "integral") return is_integral(d);
      if (s == "real floating") return is_floating_point(d);
      if (s == "complex floating") return is_complex(d);
      if (s == "numeric") return d != bool_;
      throw py::value_error("isdtype: unknown kind '" + s + "'");
    };
    if (py::isinstance<py::tuple>(kind)) {
      for (auto k : kind) {
        if (one(k)) return true;
      }
      return false;
    }
    return one(kind);
  }, py::arg("dtype"), py::arg("kind"));

  m.def("result_type", [](py::args args) {
    if (args.empty()) throw py::value_error("result_type needs at least one argument");
    std::optional<Dtype> out;
    for (auto a : args) {
      Dtype d = py::isinstance<Dtype>(a) ? py::cast<Dtype>(a) : py::cast<array>(a).dtype();
      out = out ? promote_types(*out, d) : d;
    }
    return *out;
  });

  m.def("can_cast", [](py::object from, Dtype to) {
    Dtype f = py::isinstance<Dtype>(from) ? py::cast<Dtype>(from) : py::cast<array>(from).dtype();
    return promote_types(f, to) == to;
  }, py::arg("from_"), py::arg("to"));

  py::class_<finfo>(m, "finfo")
      .def(py::init<Dtype>())
      .def_readonly("bits", &finfo::bits)
      .def_readonly("min", &finfo::min)
      .def_readonly("max", &finfo::max)
      .def_readonly("eps", &finfo::eps)
      .def_readonly("smallest_normal", &finfo::smallest_normal)
      .def_readonly("dtype", &finfo::dtype)
      .def("__repr__", [](const finfo& f) {
        return "finfo(min=" + std::to_string(f.min) + ", max=" + std::to_string(f.max) +
               ", dtype=" + dtype_name(f.dtype) + ")";
      });
  py::class_<iinfo>(m, "iinfo")
      .def(py::init<Dtype>())
      .def_readonly("min", &iinfo::min)
      .def_readonly("max", &iinfo::max)
      .def_readonly("dtype", &iinfo::dtype)
      .def("__repr__", [](const iinfo& f) {
        return "iinfo(min=" + std::to_string(f.min) + ", max=" + std::to_string(f.max) +
               ", dtype=" + dtype_name(f.dtype) + ")";
      });
}
