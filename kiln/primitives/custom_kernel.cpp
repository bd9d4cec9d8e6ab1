#include "kiln/primitives/custom_kernel.h"

#include <ostream>
#include <stdexcept>

namespace kiln {

void CustomKernel::eval_cpu(const std::vector<array>&, std::vector<array>&) {
  throw std::invalid_argument("[CustomKernel] the CUDA kernel '" + name_ +
                              "' cannot run on the CPU; run it on a GPU stream");
}

bool CustomKernel::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const CustomKernel*>(&other);
  return o && o->name_ == name_ && o->symbol_ == symbol_ && o->precompiled_ == precompiled_ &&
         o->launch_ == launch_ && o->shape_infos_ == shape_infos_ &&
         o->ensure_row_contiguous_ == ensure_row_contiguous_ && o->init_value_ == init_value_ &&
         o->scalars_ == scalars_ && o->code_ == code_;
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
