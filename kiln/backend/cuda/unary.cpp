// GPU evaluation of Unary: dense operands take the vectorized kernel, anything else
// (broadcast, transposed, sliced) the strided one.
#include "kiln/backend/cuda/elementwise.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/primitives/unary.h"

namespace kiln {

using namespace cuda;

namespace {

// vw: 1, or the vector_width of the operands.
KernelSpec unary_dense_spec(UnaryOp op, Dtype tin, Dtype tout, int vw) {
  return {kElementwiseFile, "unary_dense", {KernelArg::ew(unary_op_name(op)), tin, tout, vw}};
}

KernelSpec unary_strided_spec(UnaryOp op, Dtype tin, Dtype tout) {
  return {kElementwiseFile, "unary_strided", {KernelArg::ew(unary_op_name(op)), tin, tout}};
}

}  // namespace

std::vector<KernelSpec> cuda::unary_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype t : all_dtypes) {
    for (UnaryOp op : all_unary_ops) {
      if (!unary_supports(op, t)) continue;
      Dtype out = unary_output_dtype(op, t);
      for (int w : vector_widths(t.size, out.size)) v.push_back(unary_dense_spec(op, t, out, w));
      v.push_back(unary_strided_spec(op, t, out));
    }
  }
  return v;
}

void Unary::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  if (in.flags().contiguous) {
    set_output_like(in, out, s);
    int64_t n = int64_t(in.data_size());
    int vw = vector_width(
        {{device_ptr<const void>(in), in.itemsize()}, {device_ptr(out), out.itemsize()}});
    launch_kernel(s, unary_dense_spec(op_, in.dtype(), out.dtype(), vw),
                  grid_blocks(ceil_div(n, vw), stream_device(s)), kBlockThreads, 0,
                  device_ptr<const void>(in), device_ptr<void>(out), (long long)n);
    return;
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<2>(out.shape(), {out.strides(), in.strides()});
  launch_kernel(s, unary_strided_spec(op_, in.dtype(), out.dtype()),
                grid_blocks(out.size(), stream_device(s)), kBlockThreads, 0,
                device_ptr<const void>(in), device_ptr<void>(out), (long long)out.size(), p);
}

}  // namespace kiln
