// Devices, streams and the memory counters.
#include "convert.h"
#include "kiln/allocator.h"
#include "kiln/backend/cpu/thread_pool.h"
#include "kiln/backend/gpu.h"
#include "kiln/thread_stream.h"

using namespace kiln;

namespace {

Device to_device(py::handle obj) {
  if (py::isinstance<Device>(obj)) return py::cast<Device>(obj);
  return Device(py::cast<Device::DeviceType>(obj));
}

bool is_device(py::handle obj) {
  return py::isinstance<Device>(obj) || py::isinstance<Device::DeviceType>(obj);
}

py::ssize_t device_hash(const Device& d) {
  return py::hash(py::make_tuple(int(d.type), d.index));
}

// `with mx.stream(s):` — sets the default device and stream inside the block.
class PyStreamContext {
 public:
  explicit PyStreamContext(StreamOrDevice s) : s_(s) {}
  void enter() { ctx_ = std::make_unique<StreamContext>(s_); }
  void exit() { ctx_.reset(); }

 private:
  StreamOrDevice s_;
  std::unique_ptr<StreamContext> ctx_;
};

py::dict device_info_dict(const Device& d) {
  py::dict info;
  if (d.type == Device::cpu) {
    info["device_name"] = "cpu";
    info["architecture"] = "x86_64";
    info["memory_size"] = allocator::physical_memory();
    info["num_threads"] = cpu::num_threads();
  } else {
    if (!gpu::is_available()) throw py::value_error("device_info: no GPU is available");
    for (auto& [k, v] : gpu::device_info(d.index)) info[py::str(k)] = v;
  }
  return info;
}

}  // namespace

void init_device(py::module_& m) {
  // A DeviceType stands for device 0 of its type, in both orders of == and in hashing:
  // mx.cpu == mx.Device(mx.cpu) == mx.cpu, and both hash alike.
  py::enum_<Device::DeviceType> type(m, "DeviceType");
  type.value("cpu", Device::cpu).value("gpu", Device::gpu).export_values();
  // Set, not def'd: def would chain these after pybind11's own enum comparisons, which
  // answer first (False for any other type).
  type.attr("__eq__") = py::cpp_function(
      [](Device::DeviceType a, py::object b) { return is_device(b) && Device(a) == to_device(b); },
      py::name("__eq__"), py::is_method(type));
  type.attr("__ne__") = py::cpp_function(
      [](Device::DeviceType a, py::object b) { return !(is_device(b) && Device(a) == to_device(b)); },
      py::name("__ne__"), py::is_method(type));
  type.attr("__hash__") = py::cpp_function(
      [](Device::DeviceType a) { return device_hash(a); }, py::name("__hash__"),
      py::is_method(type));

  py::class_<Device>(m, "Device")
      .def(py::init<Device::DeviceType, int>(), py::arg("type"), py::arg("index") = 0)
      .def_readonly("type", &Device::type)
      .def("__repr__", [](const Device& d) { return to_string(d); })
      .def("__eq__", [](const Device& a, py::object b) { return is_device(b) && a == to_device(b); })
      .def("__ne__", [](const Device& a, py::object b) {
        return !(is_device(b) && a == to_device(b));
      })
      .def("__hash__", &device_hash);
  py::implicitly_convertible<Device::DeviceType, Device>();

  py::class_<Stream>(m, "Stream")
      .def_readonly("device", &Stream::device)
      .def("__repr__", [](const Stream& s) { return to_string(s); })
      .def("__eq__", [](const Stream& a, py::object b) {
        return py::isinstance<Stream>(b) && a == py::cast<Stream>(b);
      })
      .def("__hash__", [](const Stream& s) { return py::hash(py::int_(s.index)); });

  py::class_<ThreadLocalStream>(m, "ThreadLocalStream",
                                "A stream handle that is a different stream on each thread.")
      .def_readonly("device", &ThreadLocalStream::device)
      .def("__repr__", [](const ThreadLocalStream& s) {
        return "ThreadLocalStream(" + to_string(s.device) + ", " + std::to_string(s.index) + ")";
      })
      .def("__eq__", [](const ThreadLocalStream& a, py::object b) {
        return py::isinstance<ThreadLocalStream>(b) && a == py::cast<ThreadLocalStream>(b);
      })
      .def("__hash__", [](const ThreadLocalStream& s) { return py::hash(py::int_(s.index)); });

  m.def("default_device", &default_device);
  m.def("set_default_device", [](py::object d) { set_default_device(to_device(d)); },
        py::arg("device"));
  m.def("is_available", [](py::object d) { return is_available(to_device(d)); },
        py::arg("device"));
  m.def("device_count", [](Device::DeviceType t) { return device_count(t); },
        py::arg("device_type"));
  m.def("device_info", [](py::object d) {
    return device_info_dict(d.is_none() ? default_device() : to_device(d));
  }, py::arg("d") = py::none());
  m.def("default_stream", [](py::object d) { return default_stream(to_device(d)); },
        py::arg("device"));
  m.def("set_default_stream", &set_default_stream, py::arg("stream"));
  // Kiln streams work from any thread, so new_stream's streams are also "thread unsafe"
  // ones in MLX's sense (usable anywhere).
  m.def("new_stream", [](py::object d) { return new_stream(to_device(d)); }, py::arg("device"));
  m.def("new_thread_unsafe_stream", [](py::object d) { return new_stream(to_device(d)); },
        py::arg("device"));
  m.def("new_thread_local_stream", [](py::object d) {
    return new_thread_local_stream(to_device(d));
  }, py::arg("device"), "A stream handle that is a different stream on each thread using it.");
  m.def("clear_streams", &clear_streams,
        "Gives up the streams this thread was given; it gets new ones when it next needs them.");
  m.def("synchronize", [](StreamOrDevice s) {
    py::gil_scoped_release release;
    s.kind == StreamOrDevice::Kind::none ? synchronize() : synchronize(to_stream(s));
  }, py::arg("stream") = py::none());

  py::class_<PyStreamContext>(m, "StreamContext")
      .def(py::init<StreamOrDevice>(), py::arg("s"))
      .def("__enter__", [](PyStreamContext& c) { c.enter(); })
      .def("__exit__", [](PyStreamContext& c, py::args) { c.exit(); });
  m.def("stream", [](StreamOrDevice s) { return PyStreamContext(s); }, py::arg("s"));

  m.def("get_active_memory", &get_active_memory);
  m.def("get_peak_memory", &get_peak_memory);
  m.def("reset_peak_memory", &reset_peak_memory);
  m.def("get_cache_memory", &get_cache_memory);
  m.def("set_memory_limit", &set_memory_limit, py::arg("limit"));
  m.def("set_cache_limit", &set_cache_limit, py::arg("limit"));
  m.def("set_wired_limit", &set_wired_limit, py::arg("limit"));
  m.def("clear_cache", &clear_cache);

  auto cuda = m.def_submodule("cuda", "CUDA backend queries");
  cuda.def("is_available", &gpu::is_available);
  cuda.def("set_allow_tf32", &gpu::set_allow_tf32, py::arg("allow"),
           "Let float32 matrix products use TF32 tensor cores (off by default).");
  cuda.def("transfer_stats", [] {
    auto t = gpu::transfer_stats();
    py::dict d;
    d["host_to_device"] = t.host_to_device;
    d["device_to_host"] = t.device_to_host;
    return d;
  }, "Whole-buffer copies between host and device made so far (residency changes).");
  cuda.def("kernel_cache_stats", [] {
    auto k = gpu::kernel_cache_stats();
    py::dict d;
    d["compiled"] = k.compiled;
    d["disk_hits"] = k.disk_hits;
    return d;
  }, "Kernels compiled by NVRTC and kernels loaded from the disk cache in this process.");
  auto metal = m.def_submodule("metal", "Metal is Apple's; it is never available here");
  metal.def("is_available", [] { return false; });
}
