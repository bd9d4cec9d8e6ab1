// The kernel instantiations of every family, for the NVRTC check and cache warming.
#include "kiln/backend/cuda/instances.h"

#include <map>

namespace kiln::cuda {

std::vector<std::pair<std::string, std::vector<std::string>>> registered_instances() {
  std::map<std::string, InstanceList> by_file;
  for (auto family : {unary_kernels, binary_kernels, copy_kernels, gemv_kernels,
                      indexing_kernels, pad_kernels, random_kernels}) {
    for (const KernelSpec& k : family()) by_file[k.file].add(k.instance());
  }
  std::pair<const char*, std::vector<std::string> (*)()> named[] = {
      {"reduce.cuh", reduce_instances},
      {"arg_reduce.cuh", arg_reduce_instances},
      {"softmax.cuh", softmax_instances},
      {"scan.cuh", scan_instances},
  };
  for (auto& [file, family] : named) {
    for (auto& name : family()) by_file[file].add(name);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (auto& [file, list] : by_file) out.emplace_back(file, list.take());
  return out;
}

}  // namespace kiln::cuda
