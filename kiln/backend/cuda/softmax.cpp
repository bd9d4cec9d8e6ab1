// GPU evaluation of Softmax and LogSumExp (kernels/softmax.cuh) along one axis of a
// row-major (pre, n, post) view. Softmax rows that fit in registers are read once.
#include "kiln/backend/cuda/reduce_utils.h"
#include "kiln/primitives/softmax.h"

namespace kiln {

using namespace cuda;

namespace {

constexpr const char* kFile = "softmax.cuh";
// Register-resident rows: at most 16 registers of values per thread and
// cu::kSoftmaxRowThreads threads (a 1024-thread block has 64 registers per thread:
// softmax_block's launch bounds; 32 registers of values already spilled there).
constexpr int kRowRegisters = 16;

void check_float(Dtype d, const char* name) {
  if (!is_floating_point(d)) {
    throw std::invalid_argument(std::string("[") + name +
                                "] expects a real floating input, got " + dtype_name(d));
  }
}

int vec_width(Dtype d) { return std::max<int>(1, 16 / d.size); }

// The most 16-byte vectors a thread of softmax_block holds (values are kept as float, or
// double for float64): 2 for 16-bit floats, 4 otherwise.
int max_vectors(Dtype d) {
  int words = vec_width(d) * (d == float64 ? 2 : 1);
  return kRowRegisters / words;
}

KernelSpec softmax_block_spec(Dtype t, int vectors) {
  return {kFile, "softmax_block", {t, vectors}};
}
KernelSpec softmax_looped_spec(Dtype t) { return {kFile, "softmax_looped", {t}}; }
KernelSpec logsumexp_rows_spec(Dtype t) { return {kFile, "logsumexp_rows", {t}}; }
KernelSpec softmax_cols_spec(Dtype t, bool softmax) {
  return {kFile, "softmax_cols", {t, softmax}};
}

void launch_columns(const Stream& s, bool softmax, Dtype t, const void* x, void* y,
                    const cu::AxisParams& p) {
  dim3 block = column_block(p.rows * p.post, p.n);
  launch_kernel(s, softmax_cols_spec(t, softmax),
                capped_grid(ceil_div(p.rows * p.post, block.x), stream_device(s)), block, 0, x,
                y, p);
}

}  // namespace

std::vector<KernelSpec> cuda::softmax_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype d : all_dtypes) {
    if (!is_floating_point(d)) continue;  // check_float refuses it
    for (int k = 1; k <= max_vectors(d); k *= 2) v.push_back(softmax_block_spec(d, k));
    v.push_back(softmax_looped_spec(d));
    v.push_back(logsumexp_rows_spec(d));
    v.push_back(softmax_cols_spec(d, true));
    v.push_back(softmax_cols_spec(d, false));
  }
  return v;
}

void Softmax::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  check_float(in.dtype(), "softmax");
  AxisBlocks b(in, axis_, [&](const array& x) { return row_major_copy(x, s); });
  // The output may take over the input's memory: every kernel reads an element before
  // writing it.
  if (b.donatable && b.src.dtype() == out.dtype()) {
    out.copy_shared_buffer(b.src);
  } else {
    allocate(out, s);
  }
  if (out.size() == 0) return;
  Dtype t = in.dtype();
  const void* x = device_ptr<const void>(b.src);
  void* y = device_ptr(out);
  cu::AxisParams p{};
  p.rows = b.pre;
  p.n = b.n;
  p.post = b.post;
  if (b.post > 1) return launch_columns(s, true, t, x, y, p);
  int dev = stream_device(s);
  int v = vec_width(t);
  p.vec = b.n % v == 0 && aligned(x, 16) && aligned(y, 16);
  // The fewest threads (a multiple of 32) that hold the row in max_vectors vectors each,
  // then the fewest vectors per thread.
  int64_t threads =
      std::max<int64_t>(32, ceil_div(ceil_div(b.n, int64_t(v) * max_vectors(t)), 32) * 32);
  if (threads <= cu::kSoftmaxRowThreads) {
    int k = 1;
    while (threads * k * v < b.n) k *= 2;
    launch_kernel(s, softmax_block_spec(t, k), capped_grid(b.pre, dev), unsigned(threads), 0, x,
                  y, p);
    return;
  }
  launch_kernel(s, softmax_looped_spec(t), capped_grid(b.pre, dev), cu::kSoftmaxRowThreads, 0,
                x, y, p);
}

void LogSumExp::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  check_float(in.dtype(), "logsumexp");
  allocate(out, s);
  if (out.size() == 0) return;
  AxisBlocks b(in, axis_, [&](const array& x) { return row_major_copy(x, s); });
  Dtype t = in.dtype();
  const void* x = device_ptr<const void>(b.src);
  cu::AxisParams p{};
  p.rows = b.pre;
  p.n = b.n;
  p.post = b.post;
  if (b.post > 1) return launch_columns(s, false, t, x, device_ptr(out), p);
  p.group = group_size(b.n);
  launch_kernel(s, logsumexp_rows_spec(t),
                capped_grid(ceil_div(b.pre, kReduceThreads / p.group), stream_device(s)),
                kReduceThreads, 0, x, device_ptr(out), p);
}

}  // namespace kiln
