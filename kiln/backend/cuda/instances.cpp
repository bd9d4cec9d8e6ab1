// The kernel instantiations of every family, for the NVRTC check and cache warming.
#include "kiln/backend/cuda/jit.h"

namespace kiln::cuda {

std::vector<std::pair<std::string, std::vector<std::string>>> registered_instances() {
  return {
      {"elementwise.cuh", elementwise_instances()},
      {"copy.cuh", copy_instances()},
      {"gemv.cuh", gemv_instances()},
      {"indexing.cuh", indexing_instances()},
      {"pad.cuh", pad_instances()},
      {"reduce.cuh", reduce_instances()},
      {"arg_reduce.cuh", arg_reduce_instances()},
      {"softmax.cuh", softmax_instances()},
      {"scan.cuh", scan_instances()},
      {"random.cuh", random_instances()},
  };
}

}  // namespace kiln::cuda
