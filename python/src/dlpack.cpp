// DLPack exchange: __dlpack__/__dlpack_device__ export arrays without copying, and
// from_dlpack imports another framework's tensor without copying when it lives in host
// memory.
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

py::capsule export_dlpack(array& a) {
  {
    py::gil_scoped_release release;
    a.eval();
  }
  auto* ctx = new ExportContext{a, {a.shape().begin(), a.shape().end()},
                                {a.strides().begin(), a.strides().end()}, {}};
  DLTensor& t = ctx->managed.dl_tensor;
  t.data = a.size() ? ctx->a.data<char>() : nullptr;
  t.device = {kDLCPU, 0};
  t.ndim = a.ndim();
  t.dtype = to_dl_dtype(a.dtype());
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

array import_dlpack(py::object obj, py::object copy) {
  py::object capsule = py::hasattr(obj, "__dlpack__") ? obj.attr("__dlpack__")() : obj;
  if (!PyCapsule_IsValid(capsule.ptr(), "dltensor")) {
    throw py::type_error("from_dlpack: expected an object with __dlpack__ or a DLPack capsule");
  }
  auto* managed =
      static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  const DLTensor& t = managed->dl_tensor;
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost) {
    managed->deleter(managed);
    throw py::value_error("from_dlpack: only host tensors can be imported on this build");
  }
  Dtype dt = from_dl_dtype(t.dtype);
  Shape shape(t.shape, t.shape + t.ndim);
  Strides strides = t.strides ? Strides(t.strides, t.strides + t.ndim) : row_strides(shape);
  char* data = static_cast<char*>(t.data) + t.byte_offset;
  auto release = [managed] {
    if (managed->deleter) managed->deleter(managed);
  };
  // The external memory is referenced, not copied; its owner frees it when the last view
  // of it dies.
  auto mem = std::make_shared<Data>(data, size_t(shape_size(shape)) * dt.size, release);
  array out(mem, shape, dt, strides, 0);
  if (!copy.is_none() && py::cast<bool>(copy)) {
    array c = contiguous(out);
    c.eval();
    // contiguous() may return a view of a row-major input: force a real copy.
    return array(c.data<char>(), c.shape(), c.dtype());
  }
  return out;
}

}  // namespace

void init_dlpack(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  cls.def("__dlpack__", [](array& a, py::object, py::object, py::object, py::object) {
    return export_dlpack(a);
  }, py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
     py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const array&) { return py::make_tuple(int(kDLCPU), 0); });
  m.def("from_dlpack", &import_dlpack, py::arg("x"), py::kw_only(),
        py::arg("copy") = py::none());
}
