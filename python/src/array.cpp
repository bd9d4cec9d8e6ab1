// The array class: construction, properties, conversion to Python and NumPy, pickling.
// Op families add their methods and operators in their own files.
#include "convert.h"
#include "kiln/error.h"
#include "kiln/printing.h"

using namespace kiln;
using namespace kiln::python;

namespace {

// PEP 3118 format characters. bfloat16 has none: its format is its name, which memoryview
// carries as opaque 2-byte items and which NumPy refuses with a ValueError naming it (NumPy
// has no bfloat16) instead of reading the bits as another type.
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
    case Dtype::Val::bfloat16: return "bfloat16";
  }
  return "B";
}

void eval_released(array& a) {
  py::gil_scoped_release release;
  a.eval();
}

// What an exported buffer keeps alive: the array (its memory stays even if the Python
// object's array is replaced by an in-place operator) and the shape and strides it points to.
struct ExportedBuffer {
  array a;
  std::vector<Py_ssize_t> shape, strides;
};

// The layout a consumer asked for: without PyBUF_STRIDES it can only read C order.
void check_buffer_layout(const array& a, int flags) {
  const ArrayFlags& f = a.flags();
  auto wants = [flags](int bits) { return (flags & bits) == bits; };
  bool ok = wants(PyBUF_STRIDES) ? true : f.row_contiguous;
  if (wants(PyBUF_C_CONTIGUOUS)) ok = f.row_contiguous;
  if (wants(PyBUF_F_CONTIGUOUS)) ok = f.col_contiguous;
  if (wants(PyBUF_ANY_CONTIGUOUS)) ok = f.row_contiguous || f.col_contiguous;
  if (!ok) {
    throw py::buffer_error("the array's layout is not the contiguous one the buffer consumer "
                           "asked for; export a contiguous copy (mx.contiguous) first");
  }
}

// The buffer protocol, called by Python directly (not through pybind11's dispatcher, whose
// def_buffer lets C++ exceptions escape into the interpreter): every error becomes a Python
// exception here.
extern "C" int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  view->obj = nullptr;
  try {
    array a = py::cast<array>(py::handle(obj));
    eval_released(a);
    check_buffer_layout(a, flags);
    auto* exported = new ExportedBuffer{a, {a.shape().begin(), a.shape().end()}, {}};
    for (auto s : a.strides()) exported->strides.push_back(Py_ssize_t(s * int64_t(a.itemsize())));
    // Arrays are writable through buffers, as in MLX (NumPy views write into them).
    static char empty = 0;
    view->buf = a.size() ? exported->a.data<char>() : &empty;
    view->len = Py_ssize_t(a.nbytes());
    view->itemsize = Py_ssize_t(a.itemsize());
    view->readonly = 0;
    view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(buffer_format(a.dtype())) : nullptr;
    bool nd = (flags & PyBUF_ND) == PyBUF_ND;
    view->ndim = nd ? a.ndim() : 1;
    view->shape = nd ? exported->shape.data() : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? exported->strides.data() : nullptr;
    view->suboffsets = nullptr;
    view->internal = exported;
    view->obj = obj;
    Py_INCREF(obj);
    return 0;
  } catch (...) {
    set_error_from_exception();
    return -1;
  }
}

extern "C" void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<ExportedBuffer*>(view->internal);
}

// pybind11 gives an instance made by array.__new__ without __init__ raw memory for its array
// on first use (and the array's methods would crash on it); raising instead keeps such an
// object inert until __setstate__ (pickle's second step) or __init__ builds it.
void* refuse_uninitialized(size_t) {
  throw py::type_error("this kiln array was created by array.__new__ without __init__; it has "
                       "no value");
}

// Pickle state: (dtype name, shape, row-major bytes). Checked in full: a state can come from
// anywhere.
py::tuple array_state(array& a) {
  array c = contiguous(a);
  eval_released(c);
  return py::make_tuple(std::string(dtype_name(a.dtype())), py::cast(a.shape()),
                        py::bytes(c.size() ? c.data<char>() : "", c.nbytes()));
}

array array_from_state(py::tuple t) {
  if (t.size() != 3 || !py::isinstance<py::str>(t[0]) || !py::isinstance<py::bytes>(t[2])) {
    fail("__setstate__", "expected a (dtype name, shape, bytes) tuple");
  }
  Dtype d = dtype_from_name(py::cast<std::string>(t[0]));
  Shape shape = to_shape(t[1], "__setstate__");
  int64_t size = 1;
  for (auto n : shape) {
    if (n < 0) fail("__setstate__", "negative dimension in shape ", shape_to_string(shape));
    if (__builtin_mul_overflow(size, n, &size)) {
      fail<std::overflow_error>("__setstate__", "shape ", shape_to_string(shape), " is too large");
    }
  }
  auto bytes = py::reinterpret_borrow<py::bytes>(t[2]);
  char* data = nullptr;
  Py_ssize_t len = 0;
  PyBytes_AsStringAndSize(bytes.ptr(), &data, &len);
  int64_t expected = 0;
  if (__builtin_mul_overflow(size, int64_t(d.size), &expected) || expected != int64_t(len)) {
    fail("__setstate__", "shape ", shape_to_string(shape), " of ", dtype_name(d), " needs ",
         size, " elements of ", d.size, " bytes, the state holds ", int64_t(len), " bytes");
  }
  if (d == bool_) {
    // Bools hold 0 or 1; any other byte would be an invalid C++ bool.
    std::vector<char> canonical(data, data + len);
    for (auto& b : canonical) b = b != 0;
    return array(canonical.data(), shape, d);
  }
  return array(data, shape, d);
}

// NumPy's __array__(dtype, copy) protocol: copy=False never copies, True always does.
py::array array_to_numpy(array& a, py::object dtype, py::object copy) {
  py::array out = to_numpy(a);
  bool force = !copy.is_none() && py::cast<bool>(copy);
  bool never = !copy.is_none() && !force;
  if (!dtype.is_none()) {
    py::dtype want = py::dtype::from_args(dtype);
    if (!out.dtype().is(want)) {
      if (never) fail("__array__", "copy=False: converting to ", std::string(py::str(want)),
                      " needs a copy");
      return out.attr("astype")(want);
    }
  }
  return force ? py::array(out.attr("copy")()) : out;
}

py::object asarray(py::object a, py::object dtype, py::object copy) {
  auto dt = to_dtype(dtype);
  if (copy.is_none()) return py::cast(to_array(a, dt));
  if (!py::cast<bool>(copy)) return py::cast(share_array(a, dt));
  // Only a kiln array converts without a copy of its own.
  array x = to_array(a, dt);
  return py::cast(py::isinstance<array>(a) ? fresh_copy(x) : x);
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
      .def("__array__", &array_to_numpy, py::arg("dtype") = py::none(),
           py::arg("copy") = py::none())
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
      .def(py::pickle(&array_state, &array_from_state))
      // Every pickle protocol rebuilds through array.__new__ and __setstate__: protocols 0
      // and 1 would otherwise go through copyreg, which calls pybind11's base type directly
      // and aborts the interpreter.
      .def("__reduce__", [](py::object self) {
        return py::make_tuple(py::module_::import("copyreg").attr("__newobj__"),
                              py::make_tuple(py::type::of(self)),
                              array_state(py::cast<array&>(self)));
      });
  auto* heap_type = reinterpret_cast<PyHeapTypeObject*>(cls.ptr());
  heap_type->as_buffer.bf_getbuffer = array_getbuffer;
  heap_type->as_buffer.bf_releasebuffer = array_releasebuffer;
  py::detail::get_type_info(typeid(array))->operator_new = refuse_uninitialized;

  // Python scalars, sequences and NumPy arrays are accepted wherever an array is expected.
  py::implicitly_convertible<py::bool_, array>();
  py::implicitly_convertible<py::int_, array>();
  py::implicitly_convertible<py::float_, array>();
  py::implicitly_convertible<py::list, array>();
  py::implicitly_convertible<py::tuple, array>();
  py::implicitly_convertible<py::array, array>();

  m.def("asarray", &asarray, py::arg("a"), py::arg("dtype") = py::none(), py::kw_only(),
        py::arg("copy") = py::none());

  m.attr("newaxis") = py::none();
  m.attr("pi") = 3.141592653589793;
  m.attr("e") = 2.718281828459045;
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();

  init_printoptions(m);
}
