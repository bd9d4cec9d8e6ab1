// The CUDA backend's runtime: devices, the CUDA stream behind each Kiln GPU stream, and the
// encoder that defers frees until the kernels using the memory have run.
#pragma once

#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <type_traits>
#include <unordered_map>
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

// Device memory freed while kernels may still use it goes back to the allocator only after
// the GPU passes them: the encoder collects such frees and, at each flush, queues them behind
// an event recorded on the stream; they are released once the event has completed (checked
// when memory is allocated or the host waits for the GPU). Buffers are never held alive by
// the encoder, so donation works as on the CPU.
//
// A block whose every use was on this one stream needs no wait to be reused by later work on
// the same stream (stream order keeps the two apart): such blocks are kept here and handed
// to the stream's next allocations of their size class, so the memory an eval frees is
// reused within it, as on the CPU. flush() returns the ones left over to the allocator.
struct PendingFree;
class Encoder {
 public:
  Encoder(cudaStream_t s, int device) : stream_(s), device_(device) {}
  void defer_free(const std::shared_ptr<PendingFree>& f);
  void keep_for_reuse(void* ptr, size_t nbytes, int device);
  void* take_reusable(size_t nbytes);  // a kept block of nbytes' size class, or nullptr
  void flush();
  // Waits for the stream's work and returns every block freed behind it.
  void synchronize();

 private:
  cudaStream_t stream_;
  int device_;
  std::mutex mutex_;
  void take_all_pending_locked();  // moves the kept blocks to pending_
  std::vector<std::shared_ptr<PendingFree>> pending_;
  std::unordered_map<size_t, std::vector<std::shared_ptr<PendingFree>>> reusable_;
  size_t reusable_bytes_ = 0;
};
Encoder& encoder(const Stream& s);

// ---- array memory on the device ----

// Makes a's device copy current (an asynchronous copy on s when only the host holds it).
void make_device_current(const array& a, const Stream& s);
// Gives `out` fresh row-contiguous device memory.
void allocate(array& out, const Stream& s);
// Gives `out` device memory of data_size elements with the given layout.
void allocate(array& out, const Stream& s, size_t data_size, Strides strides, ArrayFlags flags);

// The stream whose kernels the calling thread is encoding (gpu::eval sets it).
const Stream& current_stream();
struct CurrentStream {
  explicit CurrentStream(const Stream& s);
  ~CurrentStream();
  const Stream* previous;
};

// True for a one-element array whose only current copy is on the host: such scalars are not
// uploaded up front; kernels that can take them by value read them on the host.
inline bool is_host_scalar(const array& a) {
  const Data& d = *a.data_shared_ptr();
  return a.data_size() == 1 && d.host_valid() && !d.device_valid();
}

// The device address of element 0. An input whose device copy is not current (a host
// scalar) is uploaded here, on the current stream, the first time a kernel needs it.
// Asking for a non-const pointer records a write: the host copy is then stale after the
// primitive (read-only access, e.g. `device_ptr<const float>`, keeps a view's host copy).
template <typename T = void>
T* device_ptr(const array& a) {
  Data& d = *a.data_shared_ptr();
  if (!d.device_valid()) make_device_current(a, current_stream());
  if constexpr (!std::is_const_v<T>) d.note_device_write();
  char* base = static_cast<char*>(d.device_copy().ptr);
  return reinterpret_cast<T*>(base + a.offset());
}

}  // namespace kiln::cuda
