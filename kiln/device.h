// Devices: the CPU and CUDA GPUs. The default is the GPU when one is usable, else the CPU;
// KILN_DEFAULT_DEVICE=cpu|gpu overrides.
#pragma once

#include <string>

namespace kiln {

struct Device {
  enum class DeviceType { cpu = 0, gpu = 1 };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;
  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
};

const Device& default_device();
void set_default_device(const Device& d);
bool is_available(const Device& d);
int device_count(Device::DeviceType t);
std::string to_string(const Device& d);

}  // namespace kiln
