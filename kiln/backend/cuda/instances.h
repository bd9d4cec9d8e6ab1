// Every kernel instantiation the launch code may request, per kernel file: the NVRTC check
// (CI, no GPU) compiles them all, and warming the cache compiles them ahead of use.
#pragma once

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
std::vector<KernelSpec> reduce_kernels();    // reduce.cpp: Reduce and Trace
std::vector<KernelSpec> arg_reduce_kernels();  // arg_reduce.cpp
std::vector<KernelSpec> scan_kernels();      // scan.cpp
std::vector<KernelSpec> softmax_kernels();   // softmax.cpp: Softmax and LogSumExp

}  // namespace kiln::cuda
