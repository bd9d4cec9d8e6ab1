// Python's cycle collector for pybind11 classes that hold Python objects in C++ members
// (the callables grad, vmap, compile... wrap). Without tp_traverse the collector cannot see
// those references, so a cycle through one (a function that refers to its own
// mx.grad(...)) is never freed.
#pragma once

#include <pybind11/pybind11.h>

namespace kiln::python {

namespace py = pybind11;

// The class option for a T with `std::vector<py::object*> python_members()`, the members
// to visit (tp_traverse) and to drop (tp_clear). Works with py::dynamic_attr (whose __dict__
// is still visited and cleared).
template <class T>
py::custom_type_setup gc_tracked() {
  return py::custom_type_setup([](PyHeapTypeObject* heap) {
    PyTypeObject* type = &heap->ht_type;
    type->tp_flags |= Py_TPFLAGS_HAVE_GC;
    // What dynamic_attr installed, if anything (it visits and clears the __dict__).
    static traverseproc base_traverse = type->tp_traverse;
    static inquiry base_clear = type->tp_clear;
    type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) -> int {
      if (base_traverse) {
        if (int r = base_traverse(self, visit, arg)) return r;
      } else {
        Py_VISIT(Py_TYPE(self));
      }
      auto* inst = reinterpret_cast<py::detail::instance*>(self);
      if (!inst->get_value_and_holder().holder_constructed()) return 0;
      for (py::object* o : py::cast<T&>(py::handle(self)).python_members()) Py_VISIT(o->ptr());
      return 0;
    };
    type->tp_clear = [](PyObject* self) -> int {
      if (base_clear) base_clear(self);
      auto* inst = reinterpret_cast<py::detail::instance*>(self);
      if (!inst->get_value_and_holder().holder_constructed()) return 0;
      for (py::object* o : py::cast<T&>(py::handle(self)).python_members()) *o = py::none();
      return 0;
    };
  });
}

}  // namespace kiln::python
