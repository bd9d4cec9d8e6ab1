#include "convert.h"

#include <complex>
#include <cstring>

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

}  // namespace pybind11::detail

namespace kiln::python {

namespace {

// NumPy's scalar base class, looked up when the module loads (init_convert). Not a
// function-local static: importing NumPy releases the GIL, and a second thread could then
// take the GIL and wait on the static's guard for good.
py::handle numpy_generic;

bool is_numpy_scalar(py::handle obj) { return py::isinstance(obj, numpy_generic); }

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
  return dtype && *dtype != src ? astype(out, *dtype) : out;
}

// Nested Python sequences: collect the shape and the leaves.
void walk_list(py::handle obj, size_t depth, Shape& shape, std::vector<py::handle>& leaves,
               bool& shape_known) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
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
  leaves.push_back(obj);
}

array from_list(py::handle obj, std::optional<Dtype> dtype) {
  Shape shape;
  std::vector<py::handle> leaves;
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
  char kind = 'b';
  for (auto& leaf : leaves) {
    char k = scalar_kind(leaf);
    if (!k) throw py::type_error("array: unsupported element type in the list");
    auto rank = [](char c) { return c == 'b' ? 0 : c == 'i' ? 1 : c == 'f' ? 2 : 3; };
    if (rank(k) > rank(kind)) kind = k;
  }
  if (leaves.empty()) kind = 'f';
  Dtype dt = dtype ? *dtype
                   : kind == 'b' ? bool_ : kind == 'i' ? int32 : kind == 'f' ? float32 : complex64;
  if (!dtype && kind == 'i') {
    for (auto& leaf : leaves) {
      int64_t v = py::cast<int64_t>(leaf);
      if (v > INT32_MAX || v < INT32_MIN) {
        dt = int64;
        break;
      }
    }
  }
  std::vector<char> bytes(leaves.size() * dt.size);
  dispatch_dtype(dt, [&]<typename T>(type_tag<T>) {
    T* out = reinterpret_cast<T*>(bytes.data());
    for (size_t i = 0; i < leaves.size(); ++i) {
      if constexpr (std::is_same_v<T, complex64_t>) {
        auto c = py::cast<std::complex<double>>(leaves[i]);
        out[i] = complex64_t(float(c.real()), float(c.imag()));
      } else if constexpr (std::is_integral_v<T>) {
        out[i] = scalar_kind(leaves[i]) == 'f' ? T(py::cast<double>(leaves[i]))
                                               : T(py::cast<int64_t>(leaves[i]));
      } else {
        if (scalar_kind(leaves[i]) == 'c') {
          out[i] = T(py::cast<std::complex<double>>(leaves[i]).real());
        } else {
          out[i] = T(py::cast<double>(leaves[i]));
        }
      }
    }
  });
  return array(bytes.data(), shape, dt);
}

array scalar_to_array(py::handle obj, char kind, Dtype dt) {
  switch (kind) {
    case 'b':
      return array(py::cast<bool>(obj), dt);
    case 'i': {
      // Python ints are unbounded: read through int64, or uint64 for large positives.
      try {
        return array(py::cast<int64_t>(obj), dt);
      } catch (py::cast_error&) {
        return array(py::cast<uint64_t>(obj), dt);
      }
    }
    case 'f':
      return array(py::cast<double>(obj), dt);
    default: {
      auto c = py::cast<std::complex<double>>(obj);
      if (dt != complex64) return array(c.real(), dt);
      return array(complex64_t(float(c.real()), float(c.imag())), dt);
    }
  }
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
  if (py::isinstance<array>(obj)) {
    array a = py::cast<array>(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  if (char kind = scalar_kind(obj)) {
    if (is_numpy_scalar(obj)) {
      return from_numpy(py::array::ensure(obj), dtype);
    }
    Dtype dt = dtype ? *dtype : weak_scalar_dtype(kind, std::nullopt);
    if (!dtype && kind == 'i') {
      try {
        int64_t v = py::cast<int64_t>(obj);
        if (v > INT32_MAX || v < INT32_MIN) dt = int64;
      } catch (py::cast_error&) {
        dt = uint64;
      }
    }
    return scalar_to_array(obj, kind, dt);
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    return from_list(obj, dtype);
  }
  if (py::isinstance<py::array>(obj)) {
    return from_numpy(py::reinterpret_borrow<py::array>(obj), dtype);
  }
  if (py::hasattr(obj, "__mlx_array__")) return to_array(obj.attr("__mlx_array__")(), dtype);
  if (py::hasattr(obj, "__array__") || py::hasattr(obj, "__array_interface__")) {
    py::object np = py::module_::import("numpy").attr("asarray")(obj);
    return from_numpy(np, dtype);
  }
  if (py::hasattr(obj, "__dlpack__")) {
    py::object np = py::module_::import("numpy").attr("from_dlpack")(obj);
    return from_numpy(np, dtype);
  }
  throw py::type_error("cannot convert an object of type " +
                       std::string(py::str(py::type::of(obj).attr("__name__"))) +
                       " to a kiln array");
}

array to_array_like(py::handle obj, const array& like) {
  if (py::isinstance<array>(obj)) return py::cast<array>(obj);
  char kind = scalar_kind(obj);
  if (kind && !is_numpy_scalar(obj)) {
    return scalar_to_array(obj, kind, weak_scalar_dtype(kind, like.dtype()));
  }
  return to_array(obj);
}

std::pair<array, array> to_arrays(py::handle a, py::handle b) {
  bool a_arr = !scalar_kind(a) || is_numpy_scalar(a);
  bool b_arr = !scalar_kind(b) || is_numpy_scalar(b);
  if (a_arr) {
    array x = to_array(a);
    return {x, to_array_like(b, x)};
  }
  if (b_arr) {
    array y = to_array(b);
    return {to_array_like(a, y), y};
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

std::optional<std::vector<int>> to_axes(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<py::int_>(obj)) return std::vector<int>{py::cast<int>(obj)};
  if (py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj)) {
    std::vector<int> axes;
    for (auto a : obj) {
      if (!py::isinstance<py::int_>(a)) throw py::type_error("axes must be integers");
      axes.push_back(py::cast<int>(a));
    }
    return axes;
  }
  throw py::type_error("axis must be None, an int or a sequence of ints");
}

Shape to_shape(py::handle obj) {
  if (py::isinstance<py::int_>(obj)) return Shape{py::cast<int64_t>(obj)};
  if (py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj)) {
    Shape s;
    for (auto d : obj) {
      if (!py::isinstance<py::int_>(d) && !is_numpy_scalar(d)) {
        throw py::type_error("shape entries must be integers");
      }
      s.push_back(py::cast<int64_t>(d));
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

py::array to_numpy(array& a, std::optional<py::dtype> dtype) {
  array src = a.dtype() == bfloat16 ? astype(a, float32) : a;
  {
    py::gil_scoped_release release;
    src.eval();
  }
  const char* fmt = "";
  switch (src.dtype().val) {
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
  std::vector<py::ssize_t> shape(src.shape().begin(), src.shape().end());
  std::vector<py::ssize_t> strides;
  for (auto s : src.strides()) strides.push_back(py::ssize_t(s * int64_t(src.itemsize())));
  // The capsule owns a handle to the array, keeping its memory alive as long as NumPy's.
  auto* keep = new array(src);
  py::capsule owner(keep, [](void* p) { delete static_cast<array*>(p); });
  void* data = src.size() ? src.data<char>() : nullptr;
  py::array out(py::dtype(fmt), shape, strides, data, owner);
  if (dtype && !out.dtype().is(*dtype)) return out.attr("astype")(*dtype);
  return out;
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
