#include "kiln/primitives/custom_kernel.h"

#include <ostream>
#include <stdexcept>

#include "kiln/error.h"

namespace kiln {

void CustomKernel::eval_cpu(const std::vector<array>&, std::vector<array>&) {
  fail("CustomKernel", "the CUDA kernel '", name_,
       "' cannot run on the CPU; run it on a GPU stream");
}

std::string CustomKernel::label() const {
  auto triple = [](const auto& v) {
    return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
           std::to_string(v[2]) + ")";
  };
  return "CustomKernel(" + name_ + ", grid=" + triple(launch_.grid) +
         ", threadgroup=" + triple(launch_.threadgroup) + ")";
}

}  // namespace kiln
