// GPU evaluation of Softmax and LogSumExp (kernels/softmax.cuh) along one axis of a
// row-major (pre, n, post) view. Softmax rows that fit in registers are read once.
#include "kiln/backend/cuda/reduce_utils.h"
#include "kiln/primitives/softmax.h"

namespace kiln {

using namespace cuda;

namespace {

constexpr const char* kFile = "softmax.cuh";
// Register-resident rows: at most 16 registers of values per thread and 1024 threads (a
// 1024-thread block has 64 registers per thread: softmax_block's launch bounds; 32 registers
// of values already spilled there).
constexpr int kRowRegisters = 16;
constexpr int kMaxRowThreads = 1024;

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

void launch_columns(const Stream& s, bool softmax, Dtype t, const void* x, void* y,
                    const cu::AxisParams& p) {
  dim3 block = column_block(p.rows * p.post, p.n);
  cudaKernel_t k = cached_kernel(s, kFile, uint64_t(softmax) * 16 + t.index(), [&] {
    return instance("softmax_cols", {type_name(t), softmax ? "true" : "false"});
  });
  launch_kernel(s, k, capped_grid(ceil_div(p.rows * p.post, block.x), stream_device(s)), block, 0,
                x, y, p);
}

}  // namespace

namespace cuda {
std::vector<std::string> softmax_instances() {
  std::vector<std::string> v;
  for (Dtype d : {float16, bfloat16, float32, float64}) {
    std::string t = type_name(d);
    for (int k = 1; k <= max_vectors(d); k *= 2) {
      v.push_back(instance("softmax_block", {t, std::to_string(k)}));
    }
    v.push_back(instance("softmax_looped", {t}));
    v.push_back(instance("logsumexp_rows", {t}));
    v.push_back(instance("softmax_cols", {t, "true"}));
    v.push_back(instance("softmax_cols", {t, "false"}));
  }
  return v;
}
}  // namespace cuda

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
  if (threads <= kMaxRowThreads) {
    int k = 1;
    while (threads * k * v < b.n) k *= 2;
    cudaKernel_t kern = cached_kernel(s, kFile, uint64_t(k) * 16 + t.index(), [&] {
      return instance("softmax_block", {type_name(t), std::to_string(k)});
    });
    launch_kernel(s, kern, capped_grid(b.pre, dev), unsigned(threads), 0, x, y, p);
    return;
  }
  cudaKernel_t kern = cached_kernel(s, kFile, t.index(), [&] {
    return instance("softmax_looped", {type_name(t)});
  });
  launch_kernel(s, kern, capped_grid(b.pre, dev), kMaxRowThreads, 0, x, y, p);
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
  cudaKernel_t kern = cached_kernel(s, kFile, t.index(), [&] {
    return instance("logsumexp_rows", {type_name(t)});
  });
  launch_kernel(s, kern, capped_grid(ceil_div(b.pre, kReduceThreads / p.group), stream_device(s)),
                kReduceThreads, 0, x, device_ptr(out), p);
}

}  // namespace kiln
