// The CUDA backend's runtime: devices, the CUDA stream behind each Kiln GPU stream, and the
// encoder that keeps buffers alive until the kernels using them have run.
#pragma once

#include <cuda_runtime.h>

#include <memory>
#include <vector>

#include "kiln/array.h"
#include "kiln/backend/cuda/utils.h"

namespace kiln::cuda {

struct DeviceProperties {
  int index;
  int arch;  // compute capability as 10*major + minor (90 on H100)
  int sm_count;
  size_t total_memory;
  size_t l2_size;
  size_t max_shared_per_block;  // opt-in maximum
  std::string name;
};
const DeviceProperties& device_properties(int device);
allocator::CachingAllocator& device_allocator(int device);

// The CUDA stream of a Kiln GPU stream.
cudaStream_t cuda_stream(const Stream& s);
int stream_device(const Stream& s);

// Buffers used by kernels queued on a stream must outlive those kernels. The encoder holds
// them and, at each flush, hands them to a host callback queued behind the work; they are
// released (on a helper thread: callbacks may not call CUDA) once the GPU gets there.
class Encoder {
 public:
  explicit Encoder(cudaStream_t s) : stream_(s) {}
  void keep(const std::shared_ptr<Data>& d);
  void keep(const array& a) { keep(a.data_shared_ptr()); }
  void flush();

 private:
  cudaStream_t stream_;
  std::vector<std::shared_ptr<Data>> kept_;
};
Encoder& encoder(const Stream& s);

// ---- array memory on the device ----

// Makes a's device copy current (an asynchronous copy on s when only the host holds it).
void make_device_current(const array& a, const Stream& s);
// Gives `out` fresh row-contiguous device memory.
void allocate(array& out, const Stream& s);
// Gives `out` device memory of data_size elements with the given layout.
void allocate(array& out, const Stream& s, size_t data_size, Strides strides, ArrayFlags flags);

// The device address of element 0 (valid after make_device_current or allocate).
template <typename T = void>
T* device_ptr(const array& a) {
  char* base = static_cast<char*>(a.data_shared_ptr()->device_copy().ptr);
  return reinterpret_cast<T*>(base + a.offset());
}

}  // namespace kiln::cuda
