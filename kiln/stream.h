// Streams: ordered queues of work on one device. CPU streams run on a worker thread; GPU
// streams map to CUDA streams.
#pragma once

#include <string>

#include "kiln/device.h"

namespace kiln {

struct Stream {
  int index;
  Device device;
  bool operator==(const Stream& o) const { return index == o.index; }
};

// Either a stream, a device (its default stream) or nothing (the default device's default).
struct StreamOrDevice {
  enum class Kind { none, stream, device } kind = Kind::none;
  Stream stream{0, Device::cpu};
  Device device{Device::cpu};
  StreamOrDevice() = default;
  StreamOrDevice(Stream s) : kind(Kind::stream), stream(s), device(s.device) {}
  StreamOrDevice(Device d) : kind(Kind::device), device(d) {}
  StreamOrDevice(Device::DeviceType t) : kind(Kind::device), device(t) {}
};

Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
Stream to_stream(StreamOrDevice s);  // resolves the default
void synchronize(Stream s);           // waits for all work queued on s
void synchronize();                   // the default stream of the default device
std::string to_string(const Stream& s);

// Sets the default device and stream for the lifetime of the object (Python's `with mx.stream`).
class StreamContext {
 public:
  explicit StreamContext(StreamOrDevice s);
  ~StreamContext();
 private:
  Device old_device_;
  Stream old_stream_;
};

}  // namespace kiln
