#include "convert.h"
#include "kiln/error.h"

#include <complex>
#include <cstring>
#include <limits>

#include "kiln/thread_stream.h"

namespace pybind11::detail {

bool type_caster<kiln::StreamOrDevice>::load(handle src, bool) {
  if (src.is_none()) {
    value = kiln::StreamOrDevice();
    return true;
  }
  if (isinstance<kiln::Stream>(src)) {
    value = kiln::StreamOrDevice(src.cast<kiln::Stream>());
    return true;
  }
  if (isinstance<kiln::ThreadLocalStream>(src)) {  // the calling thread's stream
    value = kiln::StreamOrDevice(kiln::to_stream(src.cast<kiln::ThreadLocalStream>()));
    return true;
  }
  if (isinstance<kiln::Device>(src)) {
    value = kiln::StreamOrDevice(src.cast<kiln::Device>());
    return true;
  }
  if (isinstance<kiln::Device::DeviceType>(src)) {
    value = kiln::StreamOrDevice(kiln::Device(src.cast<kiln::Device::DeviceType>()));
    return true;
  }
  return false;
}

namespace {

// An integer (or, when converting, an object with __index__ that is not a float) whose value
// does not fit int64.
bool is_overflowing_int(handle src, bool convert) {
  if (PyFloat_Check(src.ptr())) return false;
  if (!PyLong_Check(src.ptr()) && !(convert && PyIndex_Check(src.ptr()))) return false;
  PyObject* index = PyNumber_Index(src.ptr());
  if (!index) {
    PyErr_Clear();
    return false;
  }
  int overflow = 0;
  PyLong_AsLongLongAndOverflow(index, &overflow);
  Py_DECREF(index);
  return overflow != 0;
}

[[noreturn]] void int_out_of_range(handle src, int bits) {
  std::string text = PyLong_Check(src.ptr()) && _PyLong_NumBits(src.ptr()) <= 256
                         ? std::string(str(src))
                         : std::string("value");
  throw std::overflow_error("Python int " + text + " does not fit a " + std::to_string(bits) +
                            "-bit integer argument");
}

}  // namespace

template <typename T>
bool range_checked_int_caster<T>::load(handle src, bool convert) {
  type_caster<long long> wide;  // pybind11's own caster, for the full int64 range
  if (!wide.load(src, convert)) {
    if (is_overflowing_int(src, convert)) int_out_of_range(src, 64);
    return false;
  }
  long long v = wide;
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
    int_out_of_range(src, int(sizeof(T) * 8));
  }
  value = T(v);
  return true;
}

template struct range_checked_int_caster<int>;
template struct range_checked_int_caster<long>;

}  // namespace pybind11::detail

namespace kiln::python {

namespace {

// NumPy's scalar base class, looked up when the module loads (init_convert). Not a
// function-local static: importing NumPy releases the GIL, and a second thread could then
// take the GIL and wait on the static's guard for good.
py::handle numpy_generic;

bool is_numpy_scalar(py::handle obj) { return py::isinstance(obj, numpy_generic); }

// Python's recursion limit bounds the nesting of sequences and of __mlx_array__ chains: a list
// that contains itself raises RecursionError instead of overflowing the C stack.
class RecursionGuard {
 public:
  explicit RecursionGuard(const char* where) {
    if (Py_EnterRecursiveCall(where)) throw py::error_already_set();
  }
  ~RecursionGuard() { Py_LeaveRecursiveCall(); }
  RecursionGuard(const RecursionGuard&) = delete;
  RecursionGuard& operator=(const RecursionGuard&) = delete;
};

// An int's value for messages: huge ints are named by size (str() refuses over 4300 digits).
std::string int_text(py::handle index) {
  auto bits = py::cast<int64_t>(index.attr("bit_length")());
  if (bits <= 256) return std::string(py::str(index));
  return "of " + std::to_string(bits) + " bits";
}

py::object to_index(py::handle obj) {
  PyObject* index = PyNumber_Index(obj.ptr());
  if (!index) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(index);
}

// A Python integer read exactly: as int64 where it fits, else as uint64.
struct IntValue {
  int64_t s = 0;
  uint64_t u = 0;
  bool above_int64 = false;  // the value is `u`

  template <typename T>
  T as() const {
    return above_int64 ? cast_to<T>(u) : cast_to<T>(s);
  }
};

IntValue read_int(py::handle obj) {
  py::object index = to_index(obj);
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (!overflow) {
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return {v, 0, false};
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(index.ptr());
    if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return {0, u, true};
    PyErr_Clear();
  }
  fail<std::overflow_error>("array", "Python int ", int_text(index),
                            " is out of the range of int64 and uint64");
}

double to_double(py::handle obj) {
  double v = PyFloat_AsDouble(obj.ptr());  // OverflowError for ints beyond float64
  if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
  return v;
}

std::complex<double> to_complex(py::handle obj) {
  Py_complex c = PyComplex_AsCComplex(obj.ptr());
  if (c.real == -1.0 && PyErr_Occurred()) throw py::error_already_set();
  return {c.real, c.imag};
}

// One Python scalar of `kind` as element type T. Complex to real keeps the real part.
template <typename T>
T element_from_python(py::handle obj, char kind) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    auto c = to_complex(obj);
    return complex64_t(float(c.real()), float(c.imag()));
  } else {
    if (kind == 'c') return cast_to<T>(to_complex(obj).real());
    if (kind == 'f' || !std::is_integral_v<T>) return cast_to<T>(to_double(obj));
    return read_int(obj).as<T>();
  }
}

// The default dtype of Python ints: int32, int64 where one does not fit int32, uint64 where
// one only fits there.
Dtype int_dtype(const std::vector<IntValue>& values) {
  bool wide = false, above = false, negative = false;
  for (const auto& v : values) {
    above |= v.above_int64;
    negative |= !v.above_int64 && v.s < 0;
    wide |= v.above_int64 || v.s > INT32_MAX || v.s < INT32_MIN;
  }
  if (above && negative) {
    fail<std::overflow_error>("array", "no integer dtype holds both a negative int and one "
                              "above the int64 range");
  }
  return above ? uint64 : wide ? int64 : int32;
}

// Kiln follows MLX: float64 data from NumPy, DLPack or buffers becomes float32 unless the
// caller names a dtype.
Dtype imported_dtype(Dtype src, std::optional<Dtype> dtype) {
  if (dtype) return *dtype;
  return src == float64 ? float32 : src;
}

Dtype dtype_from_numpy(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = size_t(dt.itemsize());
  switch (kind) {
    case 'b': return bool_;
    case 'u':
      if (size == 1) return uint8;
      if (size == 2) return uint16;
      if (size == 4) return uint32;
      if (size == 8) return uint64;
      break;
    case 'i':
      if (size == 1) return int8;
      if (size == 2) return int16;
      if (size == 4) return int32;
      if (size == 8) return int64;
      break;
    case 'f':
      if (size == 2) return float16;
      if (size == 4) return float32;
      if (size == 8) return float64;
      break;
    case 'c':
      if (size == 8) return complex64;
      if (size == 16) return complex64;  // complex128 narrows: Kiln has complex64 only
      break;
  }
  throw py::type_error("cannot convert NumPy dtype " + std::string(py::str(py::handle(dt))) +
                       " to a kiln dtype");
}

array from_numpy(py::array arr, std::optional<Dtype> dtype) {
  Dtype src = dtype_from_numpy(arr.dtype());
  if (arr.dtype().kind() == 'c' && arr.dtype().itemsize() == 16) {
    arr = py::array::ensure(arr.attr("astype")("complex64"));
  }
  // A C-contiguous, aligned, native-order copy (no-op when it already is one).
  py::array c = py::array::ensure(arr, py::array::c_style | py::array::forcecast);
  if (!c) throw py::value_error("cannot read the NumPy array");
  Shape shape(c.shape(), c.shape() + c.ndim());
  array out(c.data(), shape, src);
  Dtype want = imported_dtype(src, dtype);
  return want != src ? astype(out, want) : out;
}

// A buffer-protocol object (bytes, bytearray, array.array, memoryview) as NumPy sees it:
// its format gives the dtype (bytes: uint8), and the NumPy array shares its memory.
py::object numpy_from_buffer(py::handle obj) {
  auto view = py::memoryview(py::reinterpret_borrow<py::object>(obj));
  return py::module_::import("numpy").attr("asarray")(view);
}

bool is_dlpack_producer(py::handle obj) {
  return py::hasattr(obj, "__dlpack__") && py::hasattr(obj, "__dlpack_device__");
}

// DLPack's device codes for memory the host can read: kDLCPU, kDLCUDAHost.
bool on_host(py::handle producer) {
  py::tuple dev = producer.attr("__dlpack_device__")();
  int type = py::cast<int>(dev[0]);
  return type == 1 || type == 3;
}

// Nested Python sequences: collect the shape and the leaves (owned: converting a leaf may
// run Python code that changes the lists).
void walk_list(py::handle obj, size_t depth, Shape& shape, std::vector<py::object>& leaves,
               bool& shape_known) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    RecursionGuard guard(" while converting a nested sequence to an array");
    auto seq = py::reinterpret_borrow<py::sequence>(obj);
    int64_t n = int64_t(py::len(seq));
    if (depth == shape.size()) {
      if (shape_known) throw py::value_error("array: ragged nested sequence (inhomogeneous shape)");
      shape.push_back(n);
    } else if (shape[depth] != n) {
      throw py::value_error("array: ragged nested sequence (inhomogeneous shape)");
    }
    if (n == 0) shape_known = true;
    for (auto item : seq) walk_list(item, depth + 1, shape, leaves, shape_known);
    return;
  }
  if (depth != shape.size()) {
    throw py::value_error("array: ragged nested sequence (inhomogeneous shape)");
  }
  shape_known = true;
  leaves.push_back(py::reinterpret_borrow<py::object>(obj));
}

array from_list(py::handle obj, std::optional<Dtype> dtype) {
  Shape shape;
  std::vector<py::object> leaves;
  bool known = false;
  walk_list(obj, 0, shape, leaves, known);
  // A list of arrays (or NumPy arrays) stacks them.
  if (!leaves.empty() && !scalar_kind(leaves[0])) {
    std::vector<array> parts;
    for (auto& leaf : leaves) parts.push_back(to_array(leaf, dtype));
    Shape inner = parts[0].shape();
    std::vector<array> flat;
    for (auto& p : parts) {
      if (p.shape() != inner) throw py::value_error("array: arrays in the list differ in shape");
      flat.push_back(p);
    }
    Dtype dt = flat[0].dtype();
    for (auto& p : flat) dt = promote_types(dt, p.dtype());
    Shape full = shape;
    full.insert(full.end(), inner.begin(), inner.end());
    std::vector<char> bytes(size_t(shape_size(full)) * dt.size);
    size_t chunk = size_t(shape_size(inner)) * dt.size;
    for (size_t i = 0; i < flat.size(); ++i) {
      array c = contiguous(astype(flat[i], dt));
      c.eval();
      if (chunk) std::memcpy(bytes.data() + i * chunk, c.data<char>(), chunk);
    }
    return array(bytes.data(), full, dt);
  }
  std::vector<char> kinds(leaves.size());
  char kind = 'b';
  auto rank = [](char c) { return c == 'b' ? 0 : c == 'i' ? 1 : c == 'f' ? 2 : 3; };
  for (size_t i = 0; i < leaves.size(); ++i) {
    kinds[i] = scalar_kind(leaves[i]);
    if (!kinds[i]) throw py::type_error("array: unsupported element type in the list");
    if (rank(kinds[i]) > rank(kind)) kind = kinds[i];
  }
  if (leaves.empty()) kind = 'f';
  Dtype dt = dtype ? *dtype
                   : kind == 'b' ? bool_ : kind == 'i' ? int32 : kind == 'f' ? float32 : complex64;
  if (!dtype && kind == 'i') {
    std::vector<IntValue> values;
    for (auto& leaf : leaves) values.push_back(read_int(leaf));
    dt = int_dtype(values);
  }
  std::vector<char> bytes(leaves.size() * dt.size);
  dispatch_dtype(dt, [&]<typename T>(type_tag<T>) {
    T* out = reinterpret_cast<T*>(bytes.data());
    for (size_t i = 0; i < leaves.size(); ++i) out[i] = element_from_python<T>(leaves[i], kinds[i]);
  });
  return array(bytes.data(), shape, dt);
}

array scalar_to_array(py::handle obj, char kind, Dtype dt) {
  return dispatch_dtype(dt, [&]<typename T>(type_tag<T>) {
    return array(element_from_python<T>(obj, kind), dt);
  });
}

// OverflowError "[op] <what> does not fit a <bits>-bit integer" ("<what> ..." without an op).
[[noreturn]] void too_large(std::string_view op, const std::string& what, int bits) {
  std::string msg = what + " does not fit a " + std::to_string(bits) + "-bit integer";
  throw std::overflow_error(op.empty() ? msg : error_message(op, msg));
}

// An integer argument held in a narrower C++ type (axes are ints).
template <typename Int>
Int to_bounded_int(py::handle obj, std::string_view op, std::string_view arg) {
  int64_t v = to_int64(obj, op, arg);
  if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) {
    too_large(op, std::string(arg) + " " + std::to_string(v), int(sizeof(Int) * 8));
  }
  return Int(v);
}

}  // namespace

char scalar_kind(py::handle obj) {
  if (py::isinstance<py::bool_>(obj)) return 'b';
  if (py::isinstance<py::int_>(obj)) return 'i';
  if (py::isinstance<py::float_>(obj)) return 'f';
  if (PyComplex_Check(obj.ptr())) return 'c';
  if (is_numpy_scalar(obj)) {
    char k = py::cast<py::dtype>(obj.attr("dtype")).kind();
    if (k == 'b') return 'b';
    if (k == 'i' || k == 'u') return 'i';
    if (k == 'f') return 'f';
    if (k == 'c') return 'c';
  }
  return 0;
}

array to_array(py::handle obj, std::optional<Dtype> dtype) {
  RecursionGuard guard(" while converting to an array");
  if (py::isinstance<array>(obj)) {
    array a = py::cast<array>(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  if (char kind = scalar_kind(obj)) {
    if (is_numpy_scalar(obj)) {
      return from_numpy(py::array::ensure(obj), dtype);
    }
    Dtype dt = dtype ? *dtype : weak_scalar_dtype(kind, std::nullopt);
    if (!dtype && kind == 'i') dt = int_dtype({read_int(obj)});
    return scalar_to_array(obj, kind, dt);
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    return from_list(obj, dtype);
  }
  if (py::isinstance<py::array>(obj)) {
    return from_numpy(py::reinterpret_borrow<py::array>(obj), dtype);
  }
  if (py::hasattr(obj, "__mlx_array__")) return to_array(obj.attr("__mlx_array__")(), dtype);
  bool numpy_like = py::hasattr(obj, "__array__") || py::hasattr(obj, "__array_interface__");
  // DLPack before __array__: torch's bfloat16 tensors only convert through DLPack, and
  // __array__ where DLPack refuses (torch 1.13 exports no bool).
  if (is_dlpack_producer(obj) && on_host(obj)) {
    try {
      array shared = from_dlpack(obj, /*copy=*/false);
      return fresh_copy(astype(shared, imported_dtype(shared.dtype(), dtype)));
    } catch (py::error_already_set&) {
      if (!numpy_like) throw;
    } catch (py::type_error&) {
      if (!numpy_like) throw;
    }
  }
  if (numpy_like) {
    py::object np = py::module_::import("numpy").attr("asarray")(obj);
    return from_numpy(np, dtype);
  }
  if (PyObject_CheckBuffer(obj.ptr())) return from_numpy(numpy_from_buffer(obj), dtype);
  throw py::type_error("cannot convert an object of type " +
                       std::string(py::str(py::type::of(obj).attr("__name__"))) +
                       " to a kiln array");
}

array share_array(py::handle obj, std::optional<Dtype> dtype) {
  auto refuse = [](const std::string& why) -> array {
    fail("asarray", "copy=False: ", why);
  };
  if (py::isinstance<array>(obj)) {
    array a = py::cast<array>(obj);
    if (dtype && *dtype != a.dtype()) {
      return refuse(std::string("converting ") + dtype_name(a.dtype()) + " to " +
                    dtype_name(*dtype) + " needs a copy");
    }
    return a;
  }
  py::object producer = py::reinterpret_borrow<py::object>(obj);
  if (!is_dlpack_producer(obj) && PyObject_CheckBuffer(obj.ptr())) {
    producer = numpy_from_buffer(obj);
  }
  if (!is_dlpack_producer(producer)) {
    return refuse("an object of type " + std::string(py::str(py::type::of(obj).attr("__name__"))) +
                  " has no memory to share; its conversion makes a copy");
  }
  if (!on_host(producer)) return refuse("the object's memory is not on the host");
  array a = [&] {
    try {
      return from_dlpack(producer, /*copy=*/false);
    } catch (py::error_already_set& e) {
      // The producer refuses to export (a read-only NumPy array, bytes).
      if (!e.matches(PyExc_BufferError)) throw;
      return refuse(std::string("the object does not share its memory (") + e.what() + ")");
    }
  }();
  Dtype want = imported_dtype(a.dtype(), dtype);
  if (want != a.dtype()) {
    return refuse(std::string(dtype_name(a.dtype())) + " data would become " + dtype_name(want) +
                  " (a copy); pass dtype=" + dtype_name(a.dtype()) + " to share it");
  }
  return a;
}

array fresh_copy(const array& a) {
  array c = contiguous(a);
  {
    py::gil_scoped_release release;
    c.eval();
  }
  if (c.data_shared_ptr() != a.data_shared_ptr()) return c;  // already new memory
  return array(c.size() ? c.data<char>() : nullptr, c.shape(), c.dtype());
}

bool is_weak_scalar(py::handle obj) {
  // Python's own numbers (bool is an int; NumPy's float64 and complex128 subclass float and
  // complex and so count too, as in MLX). Other NumPy scalars carry a dtype of their own.
  return PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) || PyComplex_Check(obj.ptr());
}

array to_array_like(py::handle obj, const array& like, std::string_view op) {
  if (py::isinstance<array>(obj)) return py::cast<array>(obj);
  if (!is_weak_scalar(obj)) return to_array(obj);
  char kind = scalar_kind(obj);
  Dtype dt = weak_scalar_dtype(kind, like.dtype());
  if (kind == 'i' && is_integral(dt)) {
    // A weak int takes an integer array's dtype and must fit it (MLX raises rather than
    // wrapping); next to a bool array it widens as a strong int would.
    iinfo info(dt);
    bool fits = !(obj < py::int_(info.min)) && !(obj > py::int_(info.max));
    IntValue value = fits ? IntValue{} : read_int(obj);  // OverflowError past 64 bits
    if (like.dtype() == bool_ && !fits) {
      dt = int_dtype({value});
    } else if (!fits) {
      fail(op.empty() ? std::string_view("array") : op, "the Python integer ",
           int_text(obj), " does not fit ", dtype_name(dt),
           ", the dtype of the array it is combined with");
    }
  }
  return scalar_to_array(obj, kind, dt);
}

std::pair<array, array> to_arrays(py::handle a, py::handle b, std::string_view op) {
  if (!is_weak_scalar(a)) {
    array x = to_array(a);
    return {x, to_array_like(b, x, op)};
  }
  if (!is_weak_scalar(b)) {
    array y = to_array(b);
    return {to_array_like(a, y, op), y};
  }
  // Two Python scalars: the wider kind wins, both weak.
  array x = to_array(a), y = to_array(b);
  Dtype d = promote_types(x.dtype(), y.dtype());
  return {astype(x, d), astype(y, d)};
}

std::optional<array> to_optional_array(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return to_array(obj);
}

std::optional<Dtype> to_dtype(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<Dtype>(obj)) return py::cast<Dtype>(obj);
  throw py::type_error("expected a kiln Dtype, got " +
                       std::string(py::str(py::type::of(obj).attr("__name__"))));
}

int64_t to_int64(py::handle obj, std::string_view op, std::string_view arg) {
  py::object index = to_index(obj);
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow) too_large(op, std::string(arg) + " " + int_text(index), 64);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return v;
}

namespace {

// A single integer, as opposed to a sequence of them (arrays have __index__ too).
bool is_int_like(py::handle obj) {
  return PyIndex_Check(obj.ptr()) && !py::isinstance<array>(obj) && !py::isinstance<py::array>(obj);
}

bool is_int_sequence_like(py::handle obj) {
  return py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj) &&
         !py::isinstance<py::bytes>(obj);
}

}  // namespace

std::optional<std::vector<int>> to_axes(py::handle obj, std::string_view op) {
  if (obj.is_none()) return std::nullopt;
  if (is_int_like(obj)) return std::vector<int>{to_bounded_int<int>(obj, op, "axis")};
  if (is_int_sequence_like(obj)) {
    std::vector<int> axes;
    for (auto a : obj) {
      if (!is_int_like(a)) throw py::type_error("axes must be integers");
      axes.push_back(to_bounded_int<int>(a, op, "axis"));
    }
    return axes;
  }
  throw py::type_error("axis must be None, an int or a sequence of ints");
}

Shape to_shape(py::handle obj, std::string_view op) {
  if (is_int_like(obj)) return Shape{to_int64(obj, op, "shape")};
  if (is_int_sequence_like(obj)) {
    Shape s;
    for (auto d : obj) {
      if (!is_int_like(d)) throw py::type_error("shape entries must be integers");
      s.push_back(to_int64(d, op, "shape entry"));
    }
    return s;
  }
  throw py::type_error("shape must be an int or a sequence of ints");
}

namespace {

template <typename T>
py::object element_to_python(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(v);
  } else if constexpr (std::is_integral_v<T>) {
    return py::int_(v);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    return py::reinterpret_steal<py::object>(PyComplex_FromDoubles(v.real, v.imag));
  } else {
    return py::float_(double(v));
  }
}

}  // namespace

py::object to_scalar(array& a) {
  if (a.size() != 1) {
    throw py::value_error("item: only size-1 arrays convert to a Python scalar (size " +
                          std::to_string(a.size()) + ")");
  }
  {
    py::gil_scoped_release release;
    a.eval();
  }
  return dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    return element_to_python(*a.data<T>());
  });
}

py::object to_list(array& a) {
  {
    py::gil_scoped_release release;
    a.eval();
  }
  return dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) -> py::object {
    const T* base = a.data<T>();
    std::function<py::object(int, int64_t)> rec = [&](int dim, int64_t off) -> py::object {
      if (dim == a.ndim()) return element_to_python(base[off]);
      py::list l(a.shape()[dim]);
      for (int64_t i = 0; i < a.shape()[dim]; ++i) {
        l[size_t(i)] = rec(dim + 1, off + i * a.strides()[dim]);
      }
      return l;
    };
    return rec(0, 0);
  });
}

py::array to_numpy(array& a) {
  if (a.dtype() == bfloat16) {
    fail("__array__", "NumPy has no bfloat16: convert with astype(float32) first (memoryview "
         "and DLPack carry bfloat16 as it is)");
  }
  {
    py::gil_scoped_release release;
    a.eval();
  }
  const char* fmt = "";
  switch (a.dtype().val) {
    case Dtype::Val::bool_: fmt = "bool"; break;
    case Dtype::Val::uint8: fmt = "uint8"; break;
    case Dtype::Val::uint16: fmt = "uint16"; break;
    case Dtype::Val::uint32: fmt = "uint32"; break;
    case Dtype::Val::uint64: fmt = "uint64"; break;
    case Dtype::Val::int8: fmt = "int8"; break;
    case Dtype::Val::int16: fmt = "int16"; break;
    case Dtype::Val::int32: fmt = "int32"; break;
    case Dtype::Val::int64: fmt = "int64"; break;
    case Dtype::Val::float16: fmt = "float16"; break;
    case Dtype::Val::float32: fmt = "float32"; break;
    case Dtype::Val::float64: fmt = "float64"; break;
    case Dtype::Val::complex64: fmt = "complex64"; break;
    default: break;
  }
  std::vector<py::ssize_t> shape(a.shape().begin(), a.shape().end());
  std::vector<py::ssize_t> strides;
  for (auto s : a.strides()) strides.push_back(py::ssize_t(s * int64_t(a.itemsize())));
  // The capsule owns a handle to the array, keeping its memory alive as long as NumPy's.
  auto* keep = new array(a);
  py::capsule owner(keep, [](void* p) { delete static_cast<array*>(p); });
  void* data = a.size() ? a.data<char>() : nullptr;
  return py::array(py::dtype(fmt), shape, strides, data, owner);
}

void set_error_from_exception() noexcept {
  try {
    throw;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    if (py::detail::apply_exception_translators(
            py::detail::get_local_internals().registered_exception_translators) ||
        py::detail::apply_exception_translators(
            py::detail::get_internals().registered_exception_translators)) {
      return;
    }
    PyErr_SetString(PyExc_SystemError, "an unknown C++ exception reached Python");
  }
}

}  // namespace kiln::python

// NumPy is imported while the module loads, under the import lock and before any other
// thread can call in, for the reason given at numpy_generic; pybind11's own table of NumPy
// functions is a function-local static filled on first use the same way, so it is filled
// here too.
void init_convert(py::module_&) {
  kiln::python::numpy_generic = py::object(py::module_::import("numpy").attr("generic")).release();
  py::detail::npy_api::get();
}
