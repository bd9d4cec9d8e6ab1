// The GPU interface for builds without CUDA: there is no GPU, and asking for one is an error.
#include <stdexcept>

#include "kiln/backend/gpu.h"

namespace kiln::gpu {

namespace {
[[noreturn]] void no_gpu() {
  throw std::runtime_error("Kiln was built without the CUDA backend: no GPU is available");
}
}  // namespace

bool is_available() { return false; }
int device_count() { return 0; }
std::vector<allocator::CachingAllocator*> allocators() { return {}; }
void* allocate(size_t, int) { no_gpu(); }
void set_allow_tf32(bool) { no_gpu(); }
void drain_releases() {}
TransferStats transfer_stats() { return {}; }
KernelCacheStats kernel_cache_stats() { return {}; }
void release(void*, size_t, int, uint64_t) { no_gpu(); }
void copy_to_host(const void*, void*, size_t, int, bool) { no_gpu(); }
std::map<std::string, std::variant<std::string, size_t>> device_info(int) { no_gpu(); }
void new_stream(const Stream&) { no_gpu(); }
void eval(array&) { no_gpu(); }
void synchronize(const Stream&) { no_gpu(); }
std::shared_ptr<void> event_create(const Stream&) { no_gpu(); }
void event_record(void*, const Stream&) { no_gpu(); }
void event_wait_host(void*) { no_gpu(); }
void event_wait_stream(void*, const Stream&) { no_gpu(); }
bool event_query(void*) { no_gpu(); }

}  // namespace kiln::gpu
