// GPU evaluation of Full, Arange and Linspace.
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/creation.h"

namespace kiln {

using namespace cuda;

void Full::eval_gpu(const std::vector<array>& inputs, array& out) {
  allocate(out, stream());
  if (out.size() == 0) return;
  launch_kernel(stream(), fill_spec(out.dtype()), grid_blocks(out.size(), stream_device(stream())),
                kBlockThreads, 0,
                device_ptr<void>(out), device_ptr<const void>(inputs[0]), (long long)out.size());
}

void Arange::eval_gpu(const std::vector<array>&, array& out) {
  allocate(out, stream());
  if (out.size() == 0) return;
  Dtype dt = out.dtype();
  Steps s = first_and_step(dt);
  launch_kernel(stream(), arange_spec(dt), grid_blocks(out.size(), stream_device(stream())),
                kBlockThreads, 0,
                device_ptr<void>(out), (long long)out.size(), s.first, s.step,
                (unsigned long long)s.ifirst, (unsigned long long)s.istep);
}

void Linspace::eval_gpu(const std::vector<array>& inputs, array& out) {
  // Small and rarely hot: compute on the host with the CPU formula, then upload.
  array host(out.shape(), out.dtype(), nullptr, {});
  eval_cpu(inputs, host);
  out.set_data(host.data_shared_ptr());
  make_device_current(out, stream());
}

}  // namespace kiln
