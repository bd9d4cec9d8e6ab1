// eval and async_eval over pytrees (grad, vmap and compile join them here).
#include "trees.h"

using namespace kiln;
using namespace kiln::python;

void init_transforms(py::module_& m) {
  m.def("eval", [](py::args args) {
    std::vector<array> arrays = tree_arrays(args);
    py::gil_scoped_release release;
    eval(std::move(arrays));
  });
  m.def("async_eval", [](py::args args) {
    std::vector<array> arrays = tree_arrays(args);
    py::gil_scoped_release release;
    async_eval(std::move(arrays));
  });
}
