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
constexpr int64_t kChunk = int64_t(kReduceThreads) * cu::kScanItems;
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

// Whether Scan takes `in` into `out`: scans keep the dtype, except that sums of bools may
// count in int32.
bool converts(Scan::Op op, Dtype in, Dtype out) {
  return in == out || (op == Scan::Sum && in == bool_ && out == int32);
}

// The rule of op scanning into `out` (e.g. kiln::red::Sum<double>).
KernelArg rule(Scan::Op op, Dtype out) {
  return KernelArg::of(rule_template(op), accumulator(op, out));
}

KernelSpec scan_rows_spec(Scan::Op op, Dtype tin, Dtype tout) {
  return {kFile, "scan_rows", {rule(op, tout), tin, tout}};
}
KernelSpec scan_cols_spec(Scan::Op op, Dtype tin, Dtype tout) {
  return {kFile, "scan_cols", {rule(op, tout), tin, tout}};
}
// The scan of split rows' segment totals (held in the accumulator type) into their starting
// values.
KernelSpec segment_totals_spec(Scan::Op op, Dtype tout) {
  Dtype acc = accumulator(op, tout);
  return {kFile, "scan_rows", {rule(op, tout), acc, acc}};
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
  p.vec = n % cu::kScanItems == 0 && aligned(x, cu::kScanItems * tin.size) &&
          aligned(y, cu::kScanItems * tout.size);
  cudaKernel_t k = kernel(s, scan_rows_spec(op, tin, tout));
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
  q.vec = p.nseg % cu::kScanItems == 0;
  launch_kernel(s, segment_totals_spec(op, tout), capped_grid(rows, dev), kReduceThreads, 0,
                device_ptr<const void>(totals), device_ptr(carry), none,
                static_cast<const void*>(none), q);
  launch_kernel(s, k, grid, kReduceThreads, 0, x, y, none,
                device_ptr<const void>(carry), p);
}

void launch_cols(const Stream& s, Scan::Op op, Dtype tin, Dtype tout, const void* x, void* y,
                 const cu::AxisParams& p) {
  int64_t cols = p.rows * p.post;
  // Enough columns to fill the GPU: one chunk per column; else chunks of 16 or more.
  dim3 block = cols >= int64_t(sm_count(s)) * 512 ? dim3(kReduceThreads, 1)
                                                  : column_block(cols, p.n / 16);
  launch_kernel(s, scan_cols_spec(op, tin, tout),
                capped_grid(ceil_div(cols, block.x), stream_device(s)), block, 0, x, y, p);
}

}  // namespace

std::vector<KernelSpec> cuda::scan_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype in : all_dtypes) {
    for (Scan::Op op : {Scan::Sum, Scan::Prod, Scan::Max, Scan::Min, Scan::LogAddExp}) {
      if (op == Scan::LogAddExp && !is_inexact(in)) continue;
      for (Dtype out : all_dtypes) {
        if (!converts(op, in, out)) continue;
        v.push_back(scan_rows_spec(op, in, out));
        v.push_back(scan_cols_spec(op, in, out));
        v.push_back(segment_totals_spec(op, out));
      }
    }
  }
  return v;
}

void Scan::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  Dtype t = in.dtype();
  if (!converts(op_, t, out.dtype())) {
    throw std::invalid_argument(std::string("[") + name() + "] cannot scan " + dtype_name(t) +
                                " into " + dtype_name(out.dtype()));
  }
  if (op_ == LogAddExp && !is_inexact(t)) {
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
