// GPU evaluation of the shape, creation and slicing primitives. Views move no data, so they
// share the CPU code path; copies and fills run kernels.
#include <cmath>

#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/launch.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/creation.h"
#include "kiln/primitives/shape.h"
#include "kiln/primitives/slicing.h"

namespace kiln {

using namespace cuda;

void Reshape::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.size() == 0 || view_strides(in, out.shape())) return eval_cpu(inputs, out);  // a view
  allocate(out, stream());
  cuda::copy_general(in, in.shape(), in.strides(), 0, out, row_strides(in.shape()), 0, stream());
}

// Views: the same metadata computation as on the CPU, no data moves.
void Transpose::eval_gpu(const std::vector<array>& inputs, array& out) { eval_cpu(inputs, out); }
void Broadcast::eval_gpu(const std::vector<array>& inputs, array& out) { eval_cpu(inputs, out); }
void Slice::eval_gpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return allocate(out, stream());
  make_view(inputs[0], spec_, out);
}

void AsType::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::copy_to_new(inputs[0], out, stream());
}

void Contiguous::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_ && in.flags().col_contiguous)) {
    out.copy_shared_buffer(in);
    return;
  }
  cuda::copy_to_new(in, out, stream(), /*row_major=*/true);
}

void Diagonal::eval_gpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return allocate(out, stream());
  make_view(inputs[0], out);
}

// AsStrided and View mirror the CPU: a view of the input, or of a row-major copy of it.
void AsStrided::eval_gpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return allocate(out, stream());
  array src = inputs[0].flags().row_contiguous ? inputs[0] : row_major_copy(inputs[0], stream());
  ArrayFlags f = layout_flags(out.shape(), strides_);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), strides_);
  out.copy_shared_buffer(src, strides_, f, ds, src.offset() + offset_ * int64_t(src.itemsize()));
}

void View::eval_gpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return allocate(out, stream());
  array src = inputs[0];
  auto st = view_strides(src, dtype_);
  if (!st) {
    src = row_major_copy(src, stream());
    st = view_strides(src, dtype_);
  }
  ArrayFlags f = layout_flags(out.shape(), *st);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), *st);
  out.copy_shared_buffer(src, std::move(*st), f, ds, src.offset());
}

void SliceUpdate::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  if (src.is_donatable() && src.flags().row_contiguous) {
    out.copy_shared_buffer(src);
  } else {
    allocate(out, stream());
    cuda::copy_general(src, src.shape(), src.strides(), 0, out, out.strides(), 0, stream());
  }
  if (upd.size() == 0) return;
  int64_t offset = 0;
  Strides st(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += spec_.start[i] * out.strides()[i];
    st[i] = out.strides()[i] * spec_.step[i];
  }
  cuda::copy_general(upd, upd.shape(), upd.strides(), 0, out, st, offset, stream());
}

void Full::eval_gpu(const std::vector<array>& inputs, array& out) {
  allocate(out, stream());
  if (out.size() == 0) return;
  launch_kernel(stream(), "copy.cuh", instance("fill", {type_name(out.dtype())}),
                grid_blocks(out.size(), stream_device(stream())), kBlock, 0,
                device_ptr<void>(out), device_ptr<const void>(inputs[0]), (long long)out.size());
}

void Arange::eval_gpu(const std::vector<array>&, array& out) {
  allocate(out, stream());
  if (out.size() == 0) return;
  // NumPy's rule (as on the CPU): the first two values cast to the dtype give the step.
  Dtype dt = out.dtype();
  if (dt == bool_) throw std::invalid_argument("[arange] bool dtype is not supported");
  unsigned long long ifirst = 0, idelta = 0;
  double first = 0, delta = 0;
  if (is_integral(dt)) {
    ifirst = uint64_t(int64_t(std::trunc(start_)));
    idelta = uint64_t(int64_t(std::trunc(start_ + step_))) - ifirst;
  } else {
    dispatch_dtype(dt, [&]<typename T>(type_tag<T>) {
      if constexpr (!std::is_integral_v<T>) {
        first = cast_to<double>(cast_to<T>(start_));
        delta = cast_to<double>(cast_to<T>(start_ + step_)) - first;
      }
    });
  }
  launch_kernel(stream(), "copy.cuh", instance("arange", {type_name(dt)}),
                grid_blocks(out.size(), stream_device(stream())), kBlock, 0,
                device_ptr<void>(out), (long long)out.size(), first, delta, ifirst, idelta);
}

void Linspace::eval_gpu(const std::vector<array>& inputs, array& out) {
  // Small and rarely hot: compute on the host with the CPU formula, then upload.
  array host(out.shape(), out.dtype(), nullptr, {});
  eval_cpu(inputs, host);
  out.set_data(host.data_shared_ptr());
  make_device_current(out, stream());
}

}  // namespace kiln
