// DLPack exchange: __dlpack__/__dlpack_device__ export arrays without copying (views with
// negative strides export a copy), and from_dlpack imports another framework's tensor
// without copying when it lives in host memory.
#include <dlpack/dlpack.h>

#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {

// Boolean type code, added in DLPack 0.8 (Debian's header is 0.6).
constexpr uint8_t kDLBoolCode = 6;

DLDataType to_dl_dtype(Dtype d) {
  DLDataType t{0, uint8_t(d.size * 8), 1};
  if (d == bool_) t.code = kDLBoolCode;
  else if (is_unsigned(d)) t.code = kDLUInt;
  else if (is_signed_integer(d)) t.code = kDLInt;
  else if (d == bfloat16) t.code = kDLBfloat;
  else if (is_complex(d)) t.code = kDLComplex;
  else t.code = kDLFloat;
  return t;
}

Dtype from_dl_dtype(DLDataType t) {
  if (t.lanes != 1) throw py::type_error("from_dlpack: vector dtypes are not supported");
  switch (t.code) {
    case kDLBoolCode: return bool_;
    case kDLUInt:
      if (t.bits == 8) return uint8;
      if (t.bits == 16) return uint16;
      if (t.bits == 32) return uint32;
      if (t.bits == 64) return uint64;
      break;
    case kDLInt:
      if (t.bits == 8) return int8;
      if (t.bits == 16) return int16;
      if (t.bits == 32) return int32;
      if (t.bits == 64) return int64;
      break;
    case kDLFloat:
      if (t.bits == 16) return float16;
      if (t.bits == 32) return float32;
      if (t.bits == 64) return float64;
      break;
    case kDLBfloat:
      if (t.bits == 16) return bfloat16;
      break;
    case kDLComplex:
      if (t.bits == 64) return complex64;
      break;
  }
  throw py::type_error("from_dlpack: unsupported DLPack dtype (code " + std::to_string(t.code) +
                       ", " + std::to_string(t.bits) + " bits)");
}

struct ExportContext {
  array a;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed;
};

void capsule_destructor(PyObject* capsule) {
  // Only a capsule nobody consumed still owns its tensor.
  if (PyCapsule_IsValid(capsule, "dltensor")) {
    auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
    if (t && t->deleter) t->deleter(t);
  }
}

bool has_negative_stride(const array& a) {
  for (size_t i = 0; i < a.shape().size(); ++i) {
    if (a.strides()[i] < 0 && a.shape()[i] > 1) return true;
  }
  return false;
}

// `copy`: None shares the memory where consumers can take its layout, True always copies,
// False never does. Negative strides (flipped views) are legal in DLPack but most consumers
// (torch) refuse them, so those export a row-major copy, as NumPy does.
py::capsule export_dlpack(array& a, py::object copy, py::object dl_device) {
  if (!dl_device.is_none()) {
    py::tuple dev = dl_device;
    if (py::cast<int>(dev[0]) != kDLCPU) {
      throw py::buffer_error("[__dlpack__] kiln exports host (kDLCPU) tensors only");
    }
  }
  {
    py::gil_scoped_release release;
    a.eval();  // a view's strides are known once it is evaluated
  }
  bool must_copy = has_negative_stride(a);
  if (!copy.is_none() && !py::cast<bool>(copy) && must_copy) {
    throw py::buffer_error("[__dlpack__] copy=False: a view with negative strides exports as a "
                           "copy");
  }
  array src = must_copy || (!copy.is_none() && py::cast<bool>(copy)) ? fresh_copy(a) : a;
  auto* ctx = new ExportContext{src, {src.shape().begin(), src.shape().end()},
                                {src.strides().begin(), src.strides().end()}, {}};
  DLTensor& t = ctx->managed.dl_tensor;
  t.data = src.size() ? ctx->a.data<char>() : nullptr;
  t.device = {kDLCPU, 0};
  t.ndim = src.ndim();
  t.dtype = to_dl_dtype(src.dtype());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = [](DLManagedTensor* self) {
    delete static_cast<ExportContext*>(self->manager_ctx);
  };
  return py::reinterpret_steal<py::capsule>(
      PyCapsule_New(&ctx->managed, "dltensor", capsule_destructor));
}

// Everything that can refuse the tensor, checked while its capsule still owns it: a refused
// tensor goes back to its producer with the capsule.
Dtype validate_dl_tensor(const DLTensor& t) {
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost) {
    throw py::value_error("[from_dlpack] only host tensors can be imported on this build");
  }
  Dtype dt = from_dl_dtype(t.dtype);
  if (t.ndim < 0 || (t.ndim > 0 && !t.shape)) {
    throw py::value_error("[from_dlpack] malformed tensor (ndim " + std::to_string(t.ndim) + ")");
  }
  for (int i = 0; i < t.ndim; ++i) {
    if (t.shape[i] < 0) throw py::value_error("[from_dlpack] negative dimension in the shape");
  }
  if (!t.data && shape_size(Shape(t.shape, t.shape + t.ndim)) != 0) {
    throw py::value_error("[from_dlpack] the tensor has elements but no data");
  }
  return dt;
}

}  // namespace

namespace kiln::python {

array from_dlpack(py::handle obj, bool copy) {
  py::object capsule = py::hasattr(obj, "__dlpack__") ? obj.attr("__dlpack__")()
                                                      : py::reinterpret_borrow<py::object>(obj);
  if (!PyCapsule_IsValid(capsule.ptr(), "dltensor")) {
    throw py::type_error("from_dlpack: expected an object with __dlpack__ or a DLPack capsule");
  }
  auto* managed =
      static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  const DLTensor& t = managed->dl_tensor;
  Dtype dt = validate_dl_tensor(t);
  Shape shape(t.shape, t.shape + t.ndim);
  Strides strides = t.strides ? Strides(t.strides, t.strides + t.ndim) : row_strides(shape);
  // The memory the view touches starts `low` elements before element 0 (negative strides).
  int64_t low = 0;
  for (int i = 0; i < t.ndim; ++i) {
    if (strides[i] < 0 && shape[i] > 0) low += strides[i] * (shape[i] - 1);
  }
  char* first = static_cast<char*>(t.data) + t.byte_offset;
  // Taken over from here: the capsule no longer frees the tensor, the array's memory does.
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  auto release = [managed] {
    if (managed->deleter) managed->deleter(managed);
  };
  size_t span = data_span(shape, strides);
  auto mem = std::make_shared<Data>(first + low * int64_t(dt.size), span * dt.size, release);
  array out(mem, shape, dt, strides, -low * int64_t(dt.size));
  return copy ? fresh_copy(out) : out;
}

}  // namespace kiln::python

void init_dlpack(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  cls.def("__dlpack__", [](array& a, py::object, py::object, py::object dl_device,
                           py::object copy) { return export_dlpack(a, copy, dl_device); },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const array&) { return py::make_tuple(int(kDLCPU), 0); });
  m.def("from_dlpack", [](py::object x, py::object copy) {
    return from_dlpack(x, !copy.is_none() && py::cast<bool>(copy));
  }, py::arg("x"), py::kw_only(), py::arg("copy") = py::none());
}
