// What the rest of Kiln needs from a GPU backend. The CUDA backend implements it; builds
// without CUDA link backend/no_gpu.cpp, which reports that no GPU exists.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "kiln/allocator.h"

#include "kiln/stream.h"

namespace kiln {
class array;
}

namespace kiln::gpu {

bool is_available();
int device_count();
// Device memory for Data (from the device's caching allocator) and its release. Memory that
// streams used (stream_mask: bits of stream index % 64) returns to the allocator only once
// those streams have passed the work queued so far, so in-flight kernels never see it reused.
void* allocate(size_t nbytes, int device);
void release(void* ptr, size_t nbytes, int device, uint64_t stream_mask);
// Waits for every GPU stream and returns all memory freed behind their work to the allocators.
void drain_releases();
// Copies a device buffer into host memory, synchronously.
void copy_to_host(const void* device_ptr, void* host_ptr, size_t nbytes, int device,
                  bool host_block);  // host_block: host_ptr is a host-allocator block

// Host<->device copies made by the residency logic (each is one whole buffer).
struct TransferStats {
  size_t host_to_device = 0, device_to_host = 0;
};
TransferStats transfer_stats();
// Kernels compiled by NVRTC and kernels loaded from the disk cache in this process.
struct KernelCacheStats {
  size_t compiled = 0, disk_hits = 0;
};
KernelCacheStats kernel_cache_stats();

// float32 matrix products may use TF32 tensor cores (off unless asked; KILN_ALLOW_TF32=1).
void set_allow_tf32(bool allow);

// Name, memory size, architecture and the like for `mx.device_info`.
std::map<std::string, std::variant<std::string, size_t>> device_info(int device);
// The device-memory allocators, one per GPU in use (empty without a GPU).
std::vector<allocator::CachingAllocator*> allocators();

void new_stream(const Stream& s);
// Runs arr's primitive with eval_gpu on its stream (work is encoded on the calling thread).
void eval(array& arr);
// Waits on the host until the stream's work so far is done.
void synchronize(const Stream& s);

std::shared_ptr<void> event_create(const Stream& s);
void event_record(void* event, const Stream& s);
void event_wait_host(void* event);
void event_wait_stream(void* event, const Stream& s);
bool event_query(void* event);

}  // namespace kiln::gpu
