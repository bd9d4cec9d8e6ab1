#include "kiln/device.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "kiln/backend/gpu.h"

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

Device& default_device_ref() {
  static Device d = initial_default_device();
  return d;
}
}  // namespace

const Device& default_device() { return default_device_ref(); }

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("set_default_device: " + to_string(d) + " is not available");
  }
  default_device_ref() = d;
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
