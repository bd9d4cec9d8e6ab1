// Caching allocators: freed blocks are kept by size class for reuse, up to a cache limit.
// One instance serves host memory; the CUDA backend makes one per GPU over cudaMalloc.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace kiln {

// Raised when an allocation cannot be satisfied (Python: MemoryError).
class out_of_memory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace allocator {

// Blocks are rounded up to a size class: powers of two up to 4 KiB, then steps of an
// eighth of the power of two (at most 12.5% waste), so freed blocks are easy to reuse.
size_t size_class(size_t bytes);

class CachingAllocator {
 public:
  using RawAlloc = std::function<void*(size_t)>;  // returns nullptr when out of memory
  using RawFree = std::function<void(void*, size_t)>;

  // `after_clear` runs after clear_cache freed the blocks (the host allocator trims malloc).
  CachingAllocator(std::string name, RawAlloc raw_alloc, RawFree raw_free, size_t memory_limit,
                   size_t cache_limit, std::function<void()> after_clear = nullptr);

  void* allocate(size_t bytes);           // throws out_of_memory
  void release(void* ptr, size_t bytes);  // `bytes` as passed to allocate

  size_t active() const;
  size_t peak() const;
  size_t cache() const;
  void reset_peak();
  size_t set_memory_limit(size_t limit);  // returns the previous limit
  size_t set_cache_limit(size_t limit);
  size_t memory_limit() const;
  void clear_cache();

 private:
  void trim_cache_locked(size_t target);
  void clear_cache_locked();

  std::string name_;
  RawAlloc raw_alloc_;
  RawFree raw_free_;
  std::function<void()> after_clear_;
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_blocks_;  // size class -> blocks
  size_t active_ = 0, peak_ = 0, cache_ = 0;
  size_t memory_limit_, cache_limit_;
};

// Host memory: 64-byte aligned; blocks of 1 MiB or more are mapped from the OS so freeing
// them returns the pages.
CachingAllocator& host();
constexpr size_t kHostMapThreshold = size_t(1) << 20;
// Runs with each mapped host block just before it goes back to the OS (the CUDA backend
// unpins the blocks it pinned for transfers).
void set_host_unmap_hook(void (*hook)(void* block));

size_t physical_memory();

}  // namespace allocator
}  // namespace kiln
