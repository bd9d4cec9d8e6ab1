// GPU evaluation of ArgReduce (kernels/arg_reduce.cuh). Rows (stride 1) give each output a
// group of threads; any other stride gives each thread an output and chunks of the axis.
// Long axes with few outputs split across blocks into candidates that arg_merge combines.
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/cuda/reduce_utils.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

using namespace cuda;

namespace {

constexpr const char* kFile = "arg_reduce.cuh";

// The kernels of one direction for input dtype t: rows (stride 1), any other stride, and the
// merge of split axes' candidates (which hold t's comparison type).
KernelSpec arg_rows_spec(bool is_max, Dtype t) { return {kFile, "arg_rows", {is_max, t}}; }
KernelSpec arg_cols_spec(bool is_max, Dtype t) { return {kFile, "arg_cols", {is_max, t}}; }
KernelSpec arg_merge_spec(bool is_max, Dtype t) {
  return {kFile, "arg_merge", {is_max, red::compare_dtype(t)}};
}

}  // namespace

std::vector<KernelSpec> cuda::arg_reduce_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype d : all_dtypes) {
    for (bool is_max : {true, false}) {
      v.push_back(arg_rows_spec(is_max, d));
      v.push_back(arg_cols_spec(is_max, d));
      v.push_back(arg_merge_spec(is_max, d));
    }
  }
  return v;
}

void ArgReduce::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  allocate(out, s);
  if (out.size() == 0) return;
  bool is_max = op_ == ArgMax;
  Dtype t = in.dtype();
  int dev = stream_device(s);
  Shape kshape;
  Strides kin;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i == axis_) continue;
    kshape.push_back(in.shape()[i]);
    kin.push_back(in.strides()[i]);
  }
  CollapsedLayout kept = collapse_contiguous_dims(kshape, {kin});
  cu::ArgParams p{};
  p.n_out = out.size();
  p.n = in.shape()[axis_];
  p.stride = p.n == 1 ? 1 : in.strides()[axis_];
  p.splits = 1;
  p.kept = pack_dims<1>(kept.shape, {&kept.strides[0]}, name());
  const void* x = device_ptr<const void>(in);
  // Candidates of split axes are 16 bytes each (ArgBest in kernels/arg_reduce.cuh), merged in
  // order.
  auto merge = [&](const array& part) {
    launch_kernel(s, arg_merge_spec(is_max, t),
                  capped_grid(ceil_div(p.n_out, kReduceThreads / 32), dev), kReduceThreads, 0,
                  device_ptr<const void>(part), device_ptr(out), (long long)p.n_out,
                  (long long)p.splits);
  };
  if (p.stride != 1) {
    int bx = int(std::min<uint64_t>(32, std::bit_ceil(uint64_t(p.n_out))));
    int by = int(std::min<int64_t>(kReduceThreads / bx, p.n));
    int64_t tiles = ceil_div(p.n_out, bx);
    // Enough tasks for 8 blocks per SM, each thread still walking 64 or more elements.
    p.splits = std::clamp<int64_t>(ceil_div(int64_t(sm_count(s)) * 8, tiles), 1,
                                   std::max<int64_t>(1, p.n / (int64_t(by) * 64)));
    cudaKernel_t kern = kernel(s, arg_cols_spec(is_max, t));
    dim3 grid(capped_grid(tiles * p.splits, dev)), block(bx, by);
    if (p.splits == 1) {
      launch_kernel(s, kern, grid, block, 0, x, device_ptr(out), static_cast<void*>(nullptr), p);
      return;
    }
    array part = scratch(p.n_out * p.splits * 16, uint8, s);
    launch_kernel(s, kern, grid, block, 0, x, static_cast<void*>(nullptr), device_ptr(part), p);
    return merge(part);
  }
  p.group = group_size(p.n);
  cudaKernel_t rows = kernel(s, arg_rows_spec(is_max, t));
  if (p.group == kReduceThreads && p.n >= 16384) {
    p.splits = wave_splits(rows, kReduceThreads, p.n_out, ceil_div(p.n, 8192), s);
  }
  unsigned grid = capped_grid(ceil_div(p.n_out * p.splits, kReduceThreads / p.group), dev);
  if (p.splits == 1) {
    launch_kernel(s, rows, grid, kReduceThreads, 0, x, device_ptr(out),
                  static_cast<void*>(nullptr), p);
    return;
  }
  array part = scratch(p.n_out * p.splits * 16, uint8, s);
  launch_kernel(s, rows, grid, kReduceThreads, 0, x, static_cast<void*>(nullptr),
                device_ptr(part), p);
  merge(part);
}

}  // namespace kiln
