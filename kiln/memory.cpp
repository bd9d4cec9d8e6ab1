#include "kiln/memory.h"

#include <atomic>
#include <utility>
#include <vector>

#include "kiln/allocator.h"
#include "kiln/backend/gpu.h"

namespace kiln {

namespace {
std::vector<allocator::CachingAllocator*> all_allocators() {
  auto v = gpu::allocators();
  v.insert(v.begin(), &allocator::host());
  return v;
}

template <typename F>
size_t sum_over(F f) {
  size_t total = 0;
  for (auto* a : all_allocators()) total += f(*a);
  return total;
}

std::atomic<size_t> wired_limit{0};
}  // namespace

size_t get_active_memory() { return sum_over([](auto& a) { return a.active(); }); }
size_t get_peak_memory() { return sum_over([](auto& a) { return a.peak(); }); }
size_t get_cache_memory() { return sum_over([](auto& a) { return a.cache(); }); }
void reset_peak_memory() {
  for (auto* a : all_allocators()) a->reset_peak();
}
void clear_cache() {
  gpu::drain_releases();  // memory still waiting for the GPU to pass its last use
  for (auto* a : all_allocators()) a->clear_cache();
}
size_t set_memory_limit(size_t limit) {
  size_t old = 0;
  for (auto* a : all_allocators()) old = std::max(old, a->set_memory_limit(limit));
  return old;
}
size_t get_memory_limit() { return allocator::host().memory_limit(); }
size_t set_cache_limit(size_t limit) {
  size_t old = 0;
  for (auto* a : all_allocators()) old = std::max(old, a->set_cache_limit(limit));
  return old;
}
size_t set_wired_limit(size_t limit) { return wired_limit.exchange(limit); }

}  // namespace kiln
