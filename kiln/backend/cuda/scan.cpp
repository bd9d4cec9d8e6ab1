// GPU evaluation of Scan (kernels/scan.cuh) along one axis of a row-major (pre, n, post)
// view. Rows scan block by block; a few long rows split into segments (their totals are
// scanned in between, so each segment starts from the right value); other axes scan with
// threads across the columns.
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/cuda/reduce_utils.h"
#include "kiln/primitives/scan.h"

namespace kiln {

using namespace cuda;

namespace {

constexpr const char* kFile = "scan.cuh";
constexpr int kItems = 4;  // cu::kScanItems
constexpr int64_t kChunk = int64_t(kReduceThreads) * kItems;
// Rows up to this long scan with one thread per row (scan_cols).
constexpr int64_t kShortRow = 64;

const char* rule_template(Scan::Op op) {
  switch (op) {
    case Scan::Sum: return "kiln::red::Sum";
    case Scan::Prod: return "kiln::red::Prod";
    case Scan::Max: return "kiln::red::Max";
    case Scan::Min: return "kiln::red::Min";
    case Scan::LogAddExp: return "kiln::red::LogAddExp";
  }
  return "";
}

// The accumulator of scanning into `out` with op.
Dtype accumulator(Scan::Op op, Dtype out) {
  if (op == Scan::Sum || op == Scan::Prod) return red::scan_accumulator(out);
  return red::compare_dtype(out);
}

std::string rule_name(Scan::Op op, Dtype acc) {
  return std::string(rule_template(op)) + "<" + type_name(acc) + ">";
}

struct Combo {
  Scan::Op op;
  Dtype in, out;
};

std::vector<Combo> scan_combos() {
  std::vector<Combo> v;
  for (Dtype d : all_dtypes) {
    v.push_back({Scan::Sum, d, d == bool_ ? int32 : d});
    for (Scan::Op op : {Scan::Prod, Scan::Max, Scan::Min}) v.push_back({op, d, d});
    if (is_floating_point(d)) v.push_back({Scan::LogAddExp, d, d});
  }
  return v;
}

uint64_t key(Scan::Op op, Dtype a, Dtype b) {
  return (uint64_t(op) * 16 + a.index()) * 16 + b.index();
}

void launch_rows(const Stream& s, Scan::Op op, Dtype tin, Dtype tout, const void* x, void* y,
                 int64_t rows, int64_t n, bool reverse, bool inclusive) {
  Dtype acc = accumulator(op, tout);
  int dev = stream_device(s);
  cu::AxisParams p{};
  p.rows = rows;
  p.n = n;
  p.post = 1;
  p.reverse = reverse;
  p.inclusive = inclusive;
  p.vec = n % kItems == 0 && aligned(x, kItems * tin.size) && aligned(y, kItems * tout.size);
  cudaKernel_t k = cached_kernel(s, kFile, key(op, tin, tout), [&] {
    return instance("scan_rows", {rule_name(op, acc), type_name(tin), type_name(tout)});
  });
  // Few long rows: split each into segments of 4 chunks or more to fill the GPU.
  p.nseg = n > 4 * kChunk ? wave_splits(k, kReduceThreads, rows, ceil_div(n, 4 * kChunk), s) : 1;
  p.seg_len = ceil_div(ceil_div(n, p.nseg), kChunk) * kChunk;
  p.nseg = ceil_div(n, p.seg_len);
  unsigned grid = capped_grid(rows * p.nseg, dev);
  void* none = nullptr;
  if (p.nseg == 1) {
    launch_kernel(s, k, grid, kReduceThreads, 0, x, y, none, static_cast<const void*>(none), p);
    return;
  }
  // Segment totals, then their exclusive scan (each segment's starting value), then the
  // segments again from those values.
  array totals = scratch(rows * p.nseg, acc, s);
  array carry = scratch(rows * p.nseg, acc, s);
  launch_kernel(s, k, grid, kReduceThreads, 0, x, none, device_ptr(totals),
                static_cast<const void*>(none), p);
  cu::AxisParams q{};
  q.rows = rows;
  q.n = p.nseg;
  q.post = 1;
  q.seg_len = ceil_div(p.nseg, kChunk) * kChunk;
  q.nseg = 1;
  q.inclusive = false;
  q.vec = p.nseg % kItems == 0;
  cudaKernel_t kt = cached_kernel(s, kFile, key(op, acc, acc), [&] {
    std::string a = type_name(acc);
    return instance("scan_rows", {rule_name(op, acc), a, a});
  });
  launch_kernel(s, kt, capped_grid(rows, dev), kReduceThreads, 0,
                device_ptr<const void>(totals), device_ptr(carry), none,
                static_cast<const void*>(none), q);
  launch_kernel(s, k, grid, kReduceThreads, 0, x, y, none,
                device_ptr<const void>(carry), p);
}

void launch_cols(const Stream& s, Scan::Op op, Dtype tin, Dtype tout, const void* x, void* y,
                 const cu::AxisParams& p) {
  Dtype acc = accumulator(op, tout);
  int64_t cols = p.rows * p.post;
  // Enough columns to fill the GPU: one chunk per column; else chunks of 16 or more.
  dim3 block = cols >= int64_t(sm_count(s)) * 512 ? dim3(kReduceThreads, 1)
                                                  : column_block(cols, p.n / 16);
  cudaKernel_t k = cached_kernel(s, kFile, key(op, tin, tout), [&] {
    return instance("scan_cols", {rule_name(op, acc), type_name(tin), type_name(tout)});
  });
  launch_kernel(s, k, capped_grid(ceil_div(cols, block.x), stream_device(s)), block, 0, x, y,
                p);
}

}  // namespace

namespace cuda {
std::vector<std::string> scan_instances() {
  InstanceList v;
  for (const Combo& c : scan_combos()) {
    Dtype acc = accumulator(c.op, c.out);
    std::string rule = rule_name(c.op, acc), a = type_name(acc);
    v.add(instance("scan_rows", {rule, type_name(c.in), type_name(c.out)}));
    v.add(instance("scan_cols", {rule, type_name(c.in), type_name(c.out)}));
    v.add(instance("scan_rows", {rule, a, a}));
  }
  return v.take();
}
}  // namespace cuda

void Scan::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  Dtype t = in.dtype();
  if (!(op_ == Sum && t == bool_ && out.dtype() == int32) && t != out.dtype()) {
    throw std::invalid_argument(std::string("[") + name() + "] cannot scan " + dtype_name(t) +
                                " into " + dtype_name(out.dtype()));
  }
  if (op_ == LogAddExp && !is_floating_point(t)) {
    throw std::invalid_argument(std::string("[logcumsumexp] not supported for dtype ") +
                                dtype_name(t));
  }
  allocate(out, s);
  if (out.size() == 0) return;
  AxisBlocks b(in, axis_, [&](const array& x) { return row_major_copy(x, s); });
  const void* x = device_ptr<const void>(b.src);
  void* y = device_ptr(out);
  if (b.post == 1 && b.n > kShortRow) {
    return launch_rows(s, op_, t, out.dtype(), x, y, b.pre, b.n, reverse_, inclusive_);
  }
  cu::AxisParams p{};
  p.rows = b.pre;
  p.n = b.n;
  p.post = b.post;
  p.reverse = reverse_;
  p.inclusive = inclusive_;
  launch_cols(s, op_, t, out.dtype(), x, y, p);
}

}  // namespace kiln
