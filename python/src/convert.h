// Conversions between Python objects and kiln arrays: scalars (with MLX's weak typing),
// nested lists, NumPy arrays, DLPack producers; and back to Python scalars, lists and NumPy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <utility>

#include "kiln/kiln.h"

namespace py = pybind11;

namespace pybind11::detail {

// `stream=` arguments: None, a Stream, a Device or a DeviceType (mx.cpu / mx.gpu).
template <>
struct type_caster<kiln::StreamOrDevice> {
  PYBIND11_TYPE_CASTER(kiln::StreamOrDevice, const_name("StreamOrDevice"));
  bool load(handle src, bool);
  static handle cast(const kiln::StreamOrDevice&, return_value_policy, handle) {
    return none().release();
  }
};

}  // namespace pybind11::detail

namespace kiln::python {

// 'b', 'i', 'f', 'c' for Python (and NumPy) scalars; 0 for anything else.
char scalar_kind(py::handle obj);

// Any array-like to an array. Python scalars take their default dtype (bool, int32 or
// int64 when it does not fit, float32, complex64) unless `dtype` is given.
array to_array(py::handle obj, std::optional<Dtype> dtype = std::nullopt);

// A scalar next to an array takes the array's kind where it fits (weak typing): int32
// array + 1 stays int32, float16 array * 2.0 stays float16. Non-scalars convert strongly.
array to_array_like(py::handle obj, const array& like);
std::pair<array, array> to_arrays(py::handle a, py::handle b);

// Optional array arguments (None -> nullopt).
std::optional<array> to_optional_array(py::handle obj);

// Dtype arguments: a Dtype object or None.
std::optional<Dtype> to_dtype(py::handle obj);

// Axis arguments: None, an int or a sequence of ints.
std::optional<std::vector<int>> to_axes(py::handle obj);

// Shape arguments: an int or a sequence of ints.
Shape to_shape(py::handle obj);

py::object to_scalar(array& a);  // item()
py::object to_list(array& a);    // tolist()
// A NumPy array over the array's memory (zero-copy; bfloat16 converts to float32).
py::array to_numpy(array& a, std::optional<py::dtype> dtype = std::nullopt);

}  // namespace kiln::python
