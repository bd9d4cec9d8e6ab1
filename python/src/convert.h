// Conversions between Python objects and kiln arrays: scalars (with MLX's weak typing),
// nested lists, NumPy arrays, DLPack producers; and back to Python scalars, lists and NumPy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string_view>
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

// int and int64 parameters (and py::cast<int>, py::cast<int64_t>) load as pybind11's own
// casters do, except that a Python integer outside the C++ type's range raises OverflowError
// instead of pybind11's TypeError ("incompatible function arguments") or RuntimeError
// ("Unable to cast"). Every binding file includes this header first, so the whole module
// sees one definition.
template <typename T>
struct range_checked_int_caster {
  PYBIND11_TYPE_CASTER(T, const_name("int"));
  bool load(handle src, bool convert);
  static handle cast(T v, return_value_policy, handle) { return PyLong_FromLongLong(v); }
};

template <>
class type_caster<int> : public range_checked_int_caster<int> {};
template <>
class type_caster<long> : public range_checked_int_caster<long> {};

}  // namespace pybind11::detail

namespace kiln::python {

// 'b', 'i', 'f', 'c' for Python (and NumPy) scalars; 0 for anything else.
char scalar_kind(py::handle obj);

// Any array-like to an array: kiln arrays, Python scalars, nested lists, NumPy arrays, DLPack
// producers (torch), objects with __array__ and buffer-protocol objects (bytes: uint8). Python
// scalars take their default dtype (bool, int32 or int64 when it does not fit, float32,
// complex64) and float64 data becomes float32, unless `dtype` is given. Data from outside
// is copied.
array to_array(py::handle obj, std::optional<Dtype> dtype = std::nullopt);

// An array over `obj`'s memory (a kiln array, or a NumPy array, DLPack producer or writable
// buffer on the host), never a copy: ValueError where the memory cannot be shared or `dtype`
// asks for a conversion.
array share_array(py::handle obj, std::optional<Dtype> dtype);

// A DLPack producer (an object with __dlpack__, or a "dltensor" capsule) as an array over its
// memory, or a copy of it with `copy`. Validates the tensor before taking it over, so a
// refused tensor stays with its producer.
array from_dlpack(py::handle obj, bool copy);

// A new array with its own memory holding a's values (evaluated).
array fresh_copy(const array& a);

// A scalar next to an array takes the array's kind where it fits (weak typing): int32
// array + 1 stays int32, float16 array * 2.0 stays float16; a Python int that does not fit
// an integer array's dtype raises ValueError naming `op`. Only Python's own numbers (and
// NumPy's float64/complex128, which subclass them) are weak; other values convert strongly.
bool is_weak_scalar(py::handle obj);
array to_array_like(py::handle obj, const array& like, std::string_view op = {});
std::pair<array, array> to_arrays(py::handle a, py::handle b, std::string_view op = {});

// Optional array arguments (None -> nullopt).
std::optional<array> to_optional_array(py::handle obj);

// Dtype arguments: a Dtype object or None.
std::optional<Dtype> to_dtype(py::handle obj);

// A Python or NumPy integer as int64. OverflowError naming the op (or, without one, the
// argument) where it does not fit, TypeError for a non-integer.
int64_t to_int64(py::handle obj, std::string_view op, std::string_view arg);

// Axis arguments: None, an int or a sequence of ints. `op`, where given, names the op in
// errors.
std::optional<std::vector<int>> to_axes(py::handle obj, std::string_view op = {});

// Shape arguments: an int or a sequence of ints.
Shape to_shape(py::handle obj, std::string_view op = {});

py::object to_scalar(array& a);  // item()
py::object to_list(array& a);    // tolist()
// A NumPy array over the array's memory (zero-copy). ValueError for bfloat16, which NumPy
// lacks.
py::array to_numpy(array& a);

// Inside a catch block of a C callback that Python calls directly (the buffer protocol):
// sets the Python error for the exception in flight as the bindings' translators would.
void set_error_from_exception() noexcept;

}  // namespace kiln::python
