#include "kiln/backend/cuda/launch.h"

#include <algorithm>

namespace kiln::cuda {

std::string instance(const char* name, std::initializer_list<std::string> args) {
  std::string s = std::string("kiln::cu::") + name + "<";
  bool first = true;
  for (auto& a : args) {
    if (!first) s += ", ";
    s += a;
    first = false;
  }
  return s + ">";
}

unsigned grid_blocks(int64_t work, int device) {
  int64_t needed = ceil_div(std::max<int64_t>(work, 1), kBlock);
  int64_t cap = int64_t(device_properties(device).sm_count) * 16;
  return unsigned(std::min(needed, cap));
}

int vector_width(std::initializer_list<std::pair<const void*, size_t>> ptrs_and_sizes) {
  size_t widest = 1;
  for (auto& [p, size] : ptrs_and_sizes) widest = std::max(widest, size);
  int n = int(16 / widest);
  if (n <= 1) return 1;
  for (auto& [p, size] : ptrs_and_sizes) {
    if (reinterpret_cast<uintptr_t>(p) % (size * n) != 0) return 1;
  }
  return n;
}

}  // namespace kiln::cuda
