// Diagnostics: export_to_dot (draw a graph) and the upcast report (a KilnUpcastWarning at the
// user's line when a float16/bfloat16 operand is promoted by another array operand).
#include "trees.h"

#include "kiln/export.h"
#include "kiln/ops/upcast.h"

using namespace kiln;
using namespace kiln::python;

namespace {

PyObject* upcast_warning = nullptr;  // the KilnUpcastWarning class, alive for good

// The directory of the kiln package: frames in it are Kiln's, not the user's.
const std::string& kiln_dir() {
  static const std::string dir = [] {
    py::object os = py::module_::import("os");
    py::object file = py::module_::import("kiln.core").attr("__file__");
    return py::cast<std::string>(os.attr("path").attr("dirname")(file)) + "/";
  }();
  return dir;
}

// The stack level of the innermost frame outside the kiln package (1: the frame calling
// into Kiln), so the warning names the user's line even when an op runs inside kiln.nn.
int user_stack_level() {
  int level = 1;
  PyObject* top = reinterpret_cast<PyObject*>(PyEval_GetFrame());
  if (!top) return level;  // called from C++ with no Python caller
  py::object frame = py::reinterpret_borrow<py::object>(top);
  const std::string& dir = kiln_dir();
  while (!frame.is_none()) {
    std::string file = py::cast<std::string>(frame.attr("f_code").attr("co_filename"));
    if (file.compare(0, dir.size(), dir) != 0) break;
    frame = frame.attr("f_back");
    ++level;
  }
  return level;
}

void warn_upcast(const char* op, const std::vector<Dtype>& from, Dtype to) {
  if (!Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;
  std::string halves, operands;
  for (size_t i = 0; i < from.size(); ++i) {
    operands += (i ? ", " : "") + std::string(dtype_name(from[i]));
    if ((from[i] == float16 || from[i] == bfloat16) && halves.find(dtype_name(from[i])) ==
                                                           std::string::npos) {
      halves += (halves.empty() ? "" : " and ") + std::string(dtype_name(from[i]));
    }
  }
  std::string msg = std::string("[") + op + "] promotes " + halves + " to " + dtype_name(to) +
                    " (operands: " + operands + "); cast the other operand to keep the "
                    "computation in half precision";
  if (PyErr_WarnEx(upcast_warning, msg.c_str(), user_stack_level()) < 0) {
    throw py::error_already_set();  // warnings filtered into errors
  }
}

void write_text(py::handle file, const std::string& text) {
  if (py::isinstance<py::str>(file) || py::hasattr(file, "__fspath__")) {
    py::object f = py::module_::import("builtins").attr("open")(file, "w");
    f.attr("write")(text);
    f.attr("close")();
  } else if (py::hasattr(file, "write")) {
    file.attr("write")(text);
  } else {
    throw py::type_error("[export_to_dot] file must be a path or have a write() method, got a " +
                         std::string(py::str(py::type::of(file).attr("__name__"))));
  }
}

}  // namespace

void init_diagnostics(py::module_& m) {
  upcast_warning = PyErr_NewExceptionWithDoc(
      "kiln.core.KilnUpcastWarning",
      "An op promoted a float16/bfloat16 operand to a wider float because of another array "
      "operand (see set_promotion_warnings).",
      PyExc_UserWarning, nullptr);
  if (!upcast_warning) throw py::error_already_set();
  m.attr("KilnUpcastWarning") = py::reinterpret_borrow<py::object>(upcast_warning);
  set_upcast_callback(warn_upcast);

  m.def("set_promotion_warnings", &set_promotion_warnings, py::arg("enabled"),
        "Turns the upcast report on or off: a KilnUpcastWarning, at the calling line, whenever\n"
        "an op promotes a float16/bfloat16 array operand to float32 (or wider) because of\n"
        "another array operand (Python scalars are weak and never promote). Off by default;\n"
        "KILN_WARN_UPCAST=1 turns it on at start.");
  m.def("promotion_warnings", &promotion_warnings,
        "Whether the upcast report is on (see set_promotion_warnings).");

  m.def(
      "export_to_dot",
      [](py::object file, py::args args, py::kwargs kwargs) {
        std::vector<array> outputs = tree_arrays(args, true, "[export_to_dot] arguments");
        std::vector<std::string> names(outputs.size());
        for (auto [key, value] : kwargs) {
          if (!py::isinstance<array>(value)) {
            throw py::type_error("[export_to_dot] keyword argument '" +
                                 py::cast<std::string>(key) + "' must be an array");
          }
          outputs.push_back(py::cast<array>(value));
          names.push_back(py::cast<std::string>(key));
        }
        write_text(file, to_dot(outputs, names));
      },
      py::arg("file"),
      "Writes the graph behind the arrays (positional: arrays or trees of arrays; keyword:\n"
      "arrays named by their keyword) as Graphviz dot text to `file`, a path or an object\n"
      "with write(). Arrays are ellipses labelled with shape and dtype, primitives are boxes,\n"
      "edges run from inputs to primitives to outputs.");
}
