#include "kiln/backend/cuda/launch.h"

#include <algorithm>
#include <unordered_map>

namespace kiln::cuda {

std::string KernelArg::str() const {
  switch (kind()) {
    case Kind::integer: return std::to_string(value());
    case Kind::type: return kernel_type_name(value());
    case Kind::boolean: return value() ? "true" : "false";
    case Kind::code: return text_;
    case Kind::ew: return std::string("kiln::ew::") + text_;
    case Kind::of_type: return std::string(text_) + "<" + kernel_type_name(value()) + ">";
  }
  return {};
}

std::string KernelSpec::instance() const {
  std::string s = std::string("kiln::cu::") + name;
  if (nargs == 0) return s;
  for (int i = 0; i < nargs; ++i) s += (i ? ", " : "<") + args[i].str();
  return s + ">";
}

namespace {
struct SpecHash {
  size_t operator()(const KernelSpec& k) const { return k.hash(); }
};
}  // namespace

cudaKernel_t kernel(const Stream& s, const KernelSpec& spec) {
  // One table per device and thread: a hit takes no lock and copies nothing.
  thread_local std::vector<std::unordered_map<KernelSpec, cudaKernel_t, SpecHash>> tables;
  int device = stream_device(s);
  if (size_t(device) >= tables.size()) tables.resize(size_t(device) + 1);
  auto& table = tables[size_t(device)];
  auto it = table.find(spec);
  if (it != table.end()) return it->second;
  cudaKernel_t k = get_kernel(source_for(spec.file), spec.instance(), device);
  table.emplace(spec, k);
  return k;
}

unsigned grid_blocks(int64_t work, int device) {
  int64_t needed = ceil_div(std::max<int64_t>(work, 1), kBlockThreads);
  int64_t cap = int64_t(sm_count(device)) * kBlocksPerSm;
  return unsigned(std::min(needed, cap));
}

int vector_width(std::initializer_list<std::pair<const void*, size_t>> ptrs_and_sizes) {
  size_t widest = 1;
  for (auto& [p, size] : ptrs_and_sizes) widest = std::max(widest, size);
  int n = dense_width(widest);
  if (n == 1) return 1;
  for (auto& [p, size] : ptrs_and_sizes) {
    if (!aligned(p, size * n)) return 1;
  }
  return n;
}

}  // namespace kiln::cuda
