// The array class: construction, properties, conversion to Python and NumPy, pickling.
// Op families add their methods and operators in their own files.
#include "convert.h"
#include "kiln/printing.h"

using namespace kiln;
using namespace kiln::python;

namespace {

const char* buffer_format(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "?";
    case Dtype::Val::uint8: return "B";
    case Dtype::Val::uint16: return "H";
    case Dtype::Val::uint32: return "I";
    case Dtype::Val::uint64: return "Q";
    case Dtype::Val::int8: return "b";
    case Dtype::Val::int16: return "h";
    case Dtype::Val::int32: return "i";
    case Dtype::Val::int64: return "q";
    case Dtype::Val::float16: return "e";
    case Dtype::Val::float32: return "f";
    case Dtype::Val::float64: return "d";
    case Dtype::Val::complex64: return "Zf";
    default:
      throw py::buffer_error("bfloat16 has no Python buffer format; use astype(float32)");
  }
}

void eval_released(array& a) {
  py::gil_scoped_release release;
  a.eval();
}

// Python's view of the print settings (MLX's PrintOptions): a value object; only
// set_printoptions and the printoptions context change what arrays print.
struct PrintOptions {
  int precision = -1;
};

// `with mx.printoptions(precision=3):` sets the options inside the block.
struct PrintOptionsContext {
  PrintOptions options, saved;
};

void init_printoptions(py::module_& m) {
  py::class_<PrintOptions>(m, "PrintOptions")
      .def(py::init([](int precision) { return PrintOptions{precision}; }),
           py::arg("precision") = -1)
      .def_readwrite("precision", &PrintOptions::precision)
      .def("__repr__", [](const PrintOptions& p) {
        return "PrintOptions(precision=" + std::to_string(p.precision) + ")";
      });
  m.def("set_printoptions", [](int precision) { set_print_precision(precision); },
        py::arg("precision") = -1,
        "Digits after the decimal point when arrays print (-1: six significant digits).");
  m.def("get_printoptions", [] { return PrintOptions{get_print_precision()}; });

  py::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def("__enter__", [](PrintOptionsContext& c) -> PrintOptionsContext& {
        c.saved = PrintOptions{get_print_precision()};
        set_print_precision(c.options.precision);
        return c;
      }, py::return_value_policy::reference)
      .def("__exit__", [](PrintOptionsContext& c, py::args) {
        set_print_precision(c.saved.precision);
      });
  m.def("printoptions", [](int precision) { return PrintOptionsContext{{precision}, {}}; },
        py::arg("precision") = -1, "A context manager that sets the print options inside it.");
}

}  // namespace

void init_array(py::module_& m) {
  py::class_<array> cls(m, "array", py::buffer_protocol(), py::dynamic_attr());
  cls.def(py::init([](py::object val, py::object dtype) { return to_array(val, to_dtype(dtype)); }),
          py::arg("val"), py::arg("dtype") = py::none())
      .def_property_readonly("size", &array::size)
      .def_property_readonly("ndim", &array::ndim)
      .def_property_readonly("itemsize", &array::itemsize)
      .def_property_readonly("nbytes", &array::nbytes)
      .def_property_readonly("shape", [](const array& a) { return py::tuple(py::cast(a.shape())); })
      .def_property_readonly("dtype", &array::dtype)
      .def("item", [](array& a) { return to_scalar(a); })
      .def("tolist", [](array& a) { return to_list(a); })
      .def("__array__", [](array& a, py::object dtype, py::object copy) {
        std::optional<py::dtype> dt;
        if (!dtype.is_none()) dt = py::dtype::from_args(dtype);
        py::array out = to_numpy(a, dt);
        if (!copy.is_none() && py::cast<bool>(copy)) return py::array(out.attr("copy")());
        return out;
      }, py::arg("dtype") = py::none(), py::arg("copy") = py::none())
      .def_buffer([](array& a) {
        eval_released(a);
        std::vector<py::ssize_t> shape(a.shape().begin(), a.shape().end());
        std::vector<py::ssize_t> strides;
        for (auto s : a.strides()) strides.push_back(py::ssize_t(s * int64_t(a.itemsize())));
        return py::buffer_info(a.size() ? a.data<char>() : nullptr, py::ssize_t(a.itemsize()),
                               buffer_format(a.dtype()), a.ndim(), shape, strides);
      })
      .def("__len__", [](const array& a) {
        if (a.ndim() == 0) throw py::type_error("len() of a 0-d array");
        return a.shape()[0];
      })
      .def("__bool__", [](array& a) {
        if (a.size() != 1) {
          throw py::value_error("the truth value of an array with more than one element is "
                                "ambiguous");
        }
        return py::cast<bool>(py::bool_(to_scalar(a)));
      })
      .def("__int__", [](array& a) { return py::int_(to_scalar(a)); })
      .def("__index__", [](array& a) {
        if (!is_integral(a.dtype()) && a.dtype() != bool_) {
          throw py::type_error("only integer arrays can be used as an index");
        }
        return py::int_(to_scalar(a));
      })
      .def("__float__", [](array& a) { return py::float_(to_scalar(a)); })
      .def("__complex__", [](array& a) {
        py::object v = to_scalar(a);
        return py::reinterpret_steal<py::object>(
            PyComplex_FromCComplex(PyComplex_AsCComplex(v.ptr())));
      })
      .def("__repr__", [](array& a) {
        {
          py::gil_scoped_release release;
          a.eval();
        }
        return array_repr(a);
      })
      .def("__format__", [](array& a, const std::string& spec) {
        if (a.ndim() == 0) return py::str(to_scalar(a).attr("__format__")(spec));
        if (!spec.empty()) {
          throw py::type_error("unsupported format string passed to mx.array.__format__");
        }
        return py::str(py::cast(a).attr("__repr__")());
      })
      .def("__copy__", [](const array& a) { return a; })
      .def("__deepcopy__", [](const array& a, py::dict) { return a; }, py::arg("memo"))
      .def("__array_namespace__", [m](const array&, py::object) { return m; },
           py::arg("api_version") = py::none())
      .def(py::pickle(
          [](array& a) {
            array c = contiguous(a);
            eval_released(c);
            return py::make_tuple(std::string(dtype_name(a.dtype())), py::cast(a.shape()),
                                  py::bytes(c.data<char>(), c.nbytes()));
          },
          [](py::tuple t) {
            Dtype d = dtype_from_name(py::cast<std::string>(t[0]));
            Shape shape = py::cast<Shape>(t[1]);
            std::string bytes = py::cast<std::string>(t[2]);
            return array(bytes.data(), shape, d);
          }));

  // Python scalars, sequences and NumPy arrays are accepted wherever an array is expected.
  py::implicitly_convertible<py::bool_, array>();
  py::implicitly_convertible<py::int_, array>();
  py::implicitly_convertible<py::float_, array>();
  py::implicitly_convertible<py::list, array>();
  py::implicitly_convertible<py::tuple, array>();
  py::implicitly_convertible<py::array, array>();

  m.def("asarray", [](py::object a, py::object dtype, py::object) {
    return to_array(a, to_dtype(dtype));
  }, py::arg("a"), py::arg("dtype") = py::none(), py::kw_only(), py::arg("copy") = py::none());

  m.attr("newaxis") = py::none();
  m.attr("pi") = 3.141592653589793;
  m.attr("e") = 2.718281828459045;
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();

  init_printoptions(m);
}
