#include "kiln/device.h"

#include <atomic>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "kiln/backend/gpu.h"
#include "kiln/thread_stream.h"

namespace kiln {

namespace {
Device initial_default_device() {
  if (const char* env = std::getenv("KILN_DEFAULT_DEVICE")) {
    std::string v(env);
    if (v == "cpu") return Device::cpu;
    if (v == "gpu") {
      if (!gpu::is_available()) {
        throw std::runtime_error("KILN_DEFAULT_DEVICE=gpu but no usable GPU was found");
      }
      return Device::gpu;
    }
    throw std::invalid_argument("KILN_DEFAULT_DEVICE must be 'cpu' or 'gpu', got '" + v + "'");
  }
  return gpu::is_available() ? Device(Device::gpu) : Device(Device::cpu);
}

// The process-wide default: set by set_default_device, read by every thread.
std::atomic<Device>& global_default() {
  static std::atomic<Device> d{initial_default_device()};
  return d;
}

// A thread's own default, set while a StreamContext (`with mx.stream(...)`) lives on it.
thread_local std::optional<Device> thread_default;
}  // namespace

namespace detail {
void set_thread_default_device(std::optional<Device> d) { thread_default = d; }
}  // namespace detail

const Device& default_device() {
  thread_local Device current = Device::cpu;  // a copy the caller may hold a reference to
  current = thread_default ? *thread_default : global_default().load();
  return current;
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("set_default_device: " + to_string(d) + " is not available");
  }
  // Inside a `with mx.stream(...)` block the change lasts until the block ends, as the
  // block restores the device it found.
  if (thread_default) {
    thread_default = d;
  } else {
    global_default().store(d);
  }
}

int device_count(Device::DeviceType t) {
  return t == Device::cpu ? 1 : gpu::device_count();
}

bool is_available(const Device& d) {
  return d.index >= 0 && d.index < device_count(d.type);
}

std::string to_string(const Device& d) {
  return std::string(d.type == Device::cpu ? "Device(cpu, " : "Device(gpu, ") +
         std::to_string(d.index) + ")";
}

}  // namespace kiln
