// GPU evaluation of RandomBits (kernels/random.cuh).
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/random.h"

namespace kiln {

using namespace cuda;

namespace cuda {
std::vector<std::string> random_instances() {
  return {instance("random_bits", {type_name(uint32)}),
          instance("random_bits", {type_name(uint64)})};
}
}  // namespace cuda

void RandomBits::eval_gpu(const std::vector<array>& inputs, array& out) {
  allocate(out, stream());
  int64_t num_keys = inputs[0].size() / 2;
  if (out.size() == 0 || num_keys == 0) return;
  array keys = inputs[0].flags().row_contiguous ? inputs[0] : row_major_copy(inputs[0], stream());
  int64_t per_key = out.size() / num_keys;
  int64_t blocks = num_keys * (width_ == 8 ? per_key : (per_key + 1) / 2);
  cudaKernel_t k = cached_kernel(stream(), "random.cuh", uint64_t(width_), [&] {
    return instance("random_bits", {type_name(dtype())});
  });
  launch_kernel(stream(), k, grid_blocks(blocks, stream_device(stream())), kBlock, 0,
                device_ptr<const uint32_t>(keys), device_ptr<void>(out), (long long)num_keys,
                (long long)per_key);
}

}  // namespace kiln
