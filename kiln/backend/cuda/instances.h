// Every kernel instantiation the launch code may request, per kernel file: the NVRTC check
// (CI, no GPU) compiles them all, and warming the cache compiles them ahead of use.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

// (kernel file, instance names), each name once.
std::vector<std::pair<std::string, std::vector<std::string>>> registered_instances();

// The families named by KernelSpec: each loops over the inputs its launcher accepts and calls
// the launcher's spec functions.
std::vector<KernelSpec> unary_kernels();     // unary.cpp
std::vector<KernelSpec> binary_kernels();    // binary.cpp: binary and select
std::vector<KernelSpec> copy_kernels();      // copy.cpp: copies, fill, arange, scale
std::vector<KernelSpec> gemv_kernels();      // matmul.cpp
std::vector<KernelSpec> indexing_kernels();  // indexing_gather.cpp, indexing_scatter.cpp
std::vector<KernelSpec> pad_kernels();       // pad.cpp
std::vector<KernelSpec> random_kernels();    // random.cpp

// The families that still name their instances by hand (until they move to KernelSpec).
std::vector<std::string> reduce_instances();   // reduce.cuh
std::vector<std::string> arg_reduce_instances();  // arg_reduce.cuh
std::vector<std::string> softmax_instances();  // softmax.cuh
std::vector<std::string> scan_instances();     // scan.cuh

// Kernel instance names without repeats (instance lists built from tables of combinations).
class InstanceList {
 public:
  void add(std::string name) {
    if (seen_.insert(name).second) names_.push_back(std::move(name));
  }
  std::vector<std::string> take() { return std::move(names_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> names_;
};

}  // namespace kiln::cuda
