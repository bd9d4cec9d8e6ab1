// The extension module kiln.core. Each op family registers its own bindings.
#include "convert.h"
#include "kiln/error.h"

namespace py = pybind11;

void init_convert(py::module_&);
void init_dtype(py::module_&);
void init_device(py::module_&);
void init_array(py::module_&);
void init_dlpack(py::module_&);
void init_transforms(py::module_&);
void init_creation(py::module_&);
void init_unary(py::module_&);
void init_binary(py::module_&);
void init_shape(py::module_&);
void init_indexing(py::module_&);
void init_matmul(py::module_&);
void init_reduce(py::module_&);
void init_scan(py::module_&);
void init_random(py::module_&);
void init_compile(py::module_&);
void init_fast(py::module_&);
void init_diagnostics(py::module_&);

PYBIND11_MODULE(core, m) {
  m.doc() = "Kiln arrays: lazy, composable, on CPUs and NVIDIA GPUs (mirrors mlx.core).";
  m.attr("__version__") = "0.1.0";
  py::register_exception<kiln::out_of_memory>(m, "OutOfMemoryError", PyExc_MemoryError);
  // Like NumPy's AxisError: a ValueError (as MLX raises) and an IndexError (as NumPy raises).
  py::register_exception<kiln::axis_error>(m, "AxisError",
                                           py::make_tuple(py::handle(PyExc_ValueError),
                                                          py::handle(PyExc_IndexError)));
  // pybind11 reports an argument of the wrong type, met inside a binding's py::cast, as a
  // RuntimeError "Unable to cast ..."; Python's convention (and MLX's) is a TypeError.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::cast_error& e) {
      PyErr_SetString(PyExc_TypeError,
                      (std::string("an argument has the wrong type: ") + e.what()).c_str());
    }
  });
  init_convert(m);
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_dlpack(m);
  init_transforms(m);
  init_creation(m);
  init_unary(m);
  init_binary(m);
  init_shape(m);
  init_indexing(m);
  init_matmul(m);
  init_reduce(m);
  init_scan(m);
  init_random(m);
  init_compile(m);
  init_fast(m);
  init_diagnostics(m);
}
