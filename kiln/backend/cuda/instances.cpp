// The kernel instantiations of every family, for the NVRTC check and cache warming.
#include "kiln/backend/cuda/instances.h"

#include <map>
#include <set>

namespace kiln::cuda {

std::vector<std::pair<std::string, std::vector<std::string>>> registered_instances() {
  // Families list combinations of their inputs, so an instance may come more than once.
  std::map<std::string, std::vector<std::string>> by_file;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto family : {unary_kernels, binary_kernels, copy_kernels, gemv_kernels,
                      indexing_kernels, pad_kernels, random_kernels, reduce_kernels,
                      arg_reduce_kernels, scan_kernels, softmax_kernels}) {
    for (const KernelSpec& k : family()) {
      std::string name = k.instance();
      if (seen.emplace(k.file, name).second) by_file[k.file].push_back(std::move(name));
    }
  }
  return {by_file.begin(), by_file.end()};
}

}  // namespace kiln::cuda
