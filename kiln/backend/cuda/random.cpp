// GPU evaluation of RandomBits (kernels/random.cuh).
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/primitives/random.h"

namespace kiln {

using namespace cuda;

namespace {

// out: uint32 or uint64, the draws' width.
KernelSpec random_bits_spec(Dtype out) { return {"random.cuh", "random_bits", {out}}; }

}  // namespace

std::vector<KernelSpec> cuda::random_kernels() {
  return {random_bits_spec(uint32), random_bits_spec(uint64)};
}

void RandomBits::eval_gpu(const std::vector<array>& inputs, array& out) {
  allocate(out, stream());
  int64_t num_keys = inputs[0].size() / 2;
  if (out.size() == 0 || num_keys == 0) return;
  array keys = inputs[0].flags().row_contiguous ? inputs[0] : row_major_copy(inputs[0], stream());
  int64_t per_key = out.size() / num_keys;
  int64_t blocks = num_keys * (width_ == 8 ? per_key : (per_key + 1) / 2);
  launch_kernel(stream(), random_bits_spec(dtype()), grid_blocks(blocks, stream_device(stream())),
                kBlockThreads, 0, device_ptr<const uint32_t>(keys), device_ptr<void>(out),
                (long long)num_keys, (long long)per_key);
}

}  // namespace kiln
