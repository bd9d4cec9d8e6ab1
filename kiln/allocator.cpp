#include "kiln/allocator.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <utility>

namespace kiln::allocator {

size_t size_class(size_t bytes) {
  if (bytes <= 16) return 16;
  size_t p = std::bit_ceil(bytes);
  if (p <= 4096) return p;
  size_t step = p / 16;  // p/2 < bytes <= p: round up to a multiple of (p/2)/8
  return (bytes + step - 1) / step * step;
}

CachingAllocator::CachingAllocator(std::string name, RawAlloc raw_alloc, RawFree raw_free,
                                   size_t memory_limit, size_t cache_limit,
                                   std::function<void()> after_clear)
    : name_(std::move(name)),
      raw_alloc_(std::move(raw_alloc)),
      raw_free_(std::move(raw_free)),
      after_clear_(std::move(after_clear)),
      memory_limit_(memory_limit),
      cache_limit_(cache_limit) {}

void* CachingAllocator::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_blocks_.find(cls);
  if (it != free_blocks_.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    cache_ -= cls;
    active_ += cls;
    peak_ = std::max(peak_, active_);
    return p;
  }
  if (active_ + cls > memory_limit_) {
    clear_cache_locked();
    if (active_ + cls > memory_limit_) {
      throw out_of_memory("[" + name_ + "] allocating " + std::to_string(bytes) +
                          " bytes would exceed the memory limit of " +
                          std::to_string(memory_limit_) + " bytes (" + std::to_string(active_) +
                          " bytes in use)");
    }
  }
  if (active_ + cache_ + cls > memory_limit_) trim_cache_locked(memory_limit_ - active_ - cls);
  void* p = raw_alloc_(cls);
  if (!p) {
    clear_cache_locked();  // give cached blocks back and retry once
    p = raw_alloc_(cls);
  }
  if (!p) {
    throw out_of_memory("[" + name_ + "] out of memory allocating " + std::to_string(bytes) +
                        " bytes (" + std::to_string(active_) + " bytes in use)");
  }
  active_ += cls;
  peak_ = std::max(peak_, active_);
  return p;
}

void CachingAllocator::release(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  active_ -= cls;
  if (cls > cache_limit_) {
    raw_free_(ptr, cls);
    return;
  }
  if (cache_ + cls > cache_limit_) trim_cache_locked(cache_limit_ - cls);
  free_blocks_[cls].push_back(ptr);
  cache_ += cls;
}

void CachingAllocator::trim_cache_locked(size_t target) {
  // Free the largest classes first: they hold the most memory for the fewest blocks.
  std::vector<size_t> classes;
  for (auto& [cls, v] : free_blocks_) {
    if (!v.empty()) classes.push_back(cls);
  }
  std::sort(classes.rbegin(), classes.rend());
  for (size_t cls : classes) {
    auto& v = free_blocks_[cls];
    while (cache_ > target && !v.empty()) {
      raw_free_(v.back(), cls);
      v.pop_back();
      cache_ -= cls;
    }
    if (cache_ <= target) break;
  }
}

void CachingAllocator::clear_cache_locked() {
  for (auto& [cls, v] : free_blocks_) {
    for (void* p : v) raw_free_(p, cls);
  }
  free_blocks_.clear();
  cache_ = 0;
  if (after_clear_) after_clear_();
}

size_t CachingAllocator::active() const { std::lock_guard<std::mutex> l(mutex_); return active_; }
size_t CachingAllocator::peak() const { std::lock_guard<std::mutex> l(mutex_); return peak_; }
size_t CachingAllocator::cache() const { std::lock_guard<std::mutex> l(mutex_); return cache_; }
size_t CachingAllocator::memory_limit() const {
  std::lock_guard<std::mutex> l(mutex_);
  return memory_limit_;
}
void CachingAllocator::reset_peak() { std::lock_guard<std::mutex> l(mutex_); peak_ = 0; }

size_t CachingAllocator::set_memory_limit(size_t limit) {
  std::lock_guard<std::mutex> l(mutex_);
  return std::exchange(memory_limit_, limit);
}

size_t CachingAllocator::set_cache_limit(size_t limit) {
  std::lock_guard<std::mutex> l(mutex_);
  size_t old = std::exchange(cache_limit_, limit);
  if (cache_ > cache_limit_) trim_cache_locked(cache_limit_);
  return old;
}

void CachingAllocator::clear_cache() {
  std::lock_guard<std::mutex> l(mutex_);
  clear_cache_locked();
}

size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return size_t(pages) * size_t(page);
}

namespace {
std::atomic<void (*)(void*)> unmap_hook{nullptr};
constexpr size_t kHugePageThreshold = size_t(4) << 20;

void* host_raw_alloc(size_t bytes) {
  if (bytes >= kHostMapThreshold) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    // Large buffers are streamed by kernels: huge pages spare TLB misses and let the hardware
    // prefetchers run past 4 KiB boundaries (THP is often in "madvise" mode, as NumPy knows).
    if (bytes >= kHugePageThreshold) madvise(p, bytes, MADV_HUGEPAGE);
    return p;
  }
  return std::aligned_alloc(64, (bytes + 63) / 64 * 64);
}

void host_raw_free(void* p, size_t bytes) {
  if (bytes >= kHostMapThreshold) {
    if (auto hook = unmap_hook.load()) hook(p);
    munmap(p, bytes);
  } else {
    std::free(p);
  }
}
}  // namespace

void set_host_unmap_hook(void (*hook)(void*)) { unmap_hook.store(hook); }

CachingAllocator& host() {
  // Never destroyed: worker threads may free memory while statics are torn down.
  static CachingAllocator* a = new CachingAllocator(
      "cpu", host_raw_alloc, [](void* p, size_t n) { host_raw_free(p, n); },
      physical_memory(), physical_memory() / 4, [] { malloc_trim(0); });
  return *a;
}

}  // namespace kiln::allocator
