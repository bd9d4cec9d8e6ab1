// GPU evaluation of Reduce, Trace (kernels/reduce.cuh) and NumberOfElements. Reduce takes its
// layout from backend/common/reduce_layout.h: row layouts give each output a group of
// threads, column layouts give each thread adjacent outputs. Long reductions with few outputs
// split across blocks into partials that a second launch combines.
#include <optional>

#include "kiln/backend/common/reduce_layout.h"
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/cuda/reduce_utils.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

using namespace cuda;

namespace {

constexpr const char* kFile = "reduce.cuh";

bool idempotent(Reduce::Op op) { return op != Reduce::Sum && op != Reduce::Prod; }

// The kernel rule of op with accumulator `acc` (e.g. kiln::red::Sum<float>).
KernelArg rule(Reduce::Op op, Dtype acc) {
  switch (op) {
    case Reduce::And: return "kiln::red::And";
    case Reduce::Or: return "kiln::red::Or";
    case Reduce::Sum: return KernelArg::of("kiln::red::Sum", acc);
    case Reduce::Prod: return KernelArg::of("kiln::red::Prod", acc);
    case Reduce::Max: return KernelArg::of("kiln::red::Max", acc);
    case Reduce::Min: return KernelArg::of("kiln::red::Min", acc);
  }
  return {};
}

// The accumulator of reducing `in` into `out` with op, or nothing where Reduce does not take
// that pair: sums may also go to float32 from bool, integers and 16-bit floats (mean).
std::optional<Dtype> accumulator(Reduce::Op op, Dtype in, Dtype out) {
  switch (op) {
    case Reduce::And:
    case Reduce::Or:
      if (in == bool_ && out == bool_) return bool_;
      break;
    case Reduce::Max:
    case Reduce::Min:
      if (out == in) return red::compare_dtype(in);
      break;
    case Reduce::Sum:
      if (out == float32 && (in == bool_ || is_integral(in) || in == float16 || in == bfloat16)) {
        return float32;
      }
      [[fallthrough]];
    case Reduce::Prod:
      if (out == sum_dtype(in)) return red::sum_accumulator(out);
      break;
  }
  return std::nullopt;
}

Dtype reduce_accumulator(Reduce::Op op, Dtype in, Dtype out, const char* name) {
  if ((op == Reduce::And || op == Reduce::Or) && in != bool_) {
    throw std::invalid_argument(std::string("[") + name + "] expects a bool input, got " +
                                dtype_name(in));
  }
  if (auto acc = accumulator(op, in, out)) return *acc;
  throw std::invalid_argument(std::string("[") + name + "] cannot reduce " + dtype_name(in) +
                              " into " + dtype_name(out));
}

// The kernels reducing elements of tin into tout with op (accumulator acc): a first pass
// reads the input (tin: its dtype), a second combines partials (tin: acc).
KernelSpec row_reduce_spec(Reduce::Op op, Dtype acc, Dtype tin, Dtype tout) {
  return {kFile, "row_reduce", {rule(op, acc), tin, tout}};
}
KernelSpec col_reduce_spec(Reduce::Op op, Dtype acc, Dtype tin, Dtype tout) {
  return {kFile, "col_reduce", {rule(op, acc), tin, tout}};
}
KernelSpec trace_spec(Dtype t) { return {kFile, "trace", {red::sum_accumulator(t), t}}; }

// A reduction's op and accumulator.
struct Kernel {
  Reduce::Op op;
  Dtype acc;
};

void launch_rows(const Stream& s, const Kernel& k, Dtype tin, Dtype tout, const void* x,
                 void* out, const ReduceLayout& L) {
  cu::RowReduceParams p{};
  p.n_out = L.kept_size();
  p.nruns = L.reduced_size();
  p.seg = L.seg;
  p.splits = 1;
  p.kept = pack_dims<2>(L.kshape, {&L.kin, &L.kout}, "reduce");
  p.runs = pack_dims<1>(L.rshape, {&L.rin}, "reduce");
  int64_t per = p.nruns * p.seg;
  p.group = group_size(per);
  int dev = stream_device(s);
  cudaKernel_t first = kernel(s, row_reduce_spec(k.op, k.acc, tin, tout));
  // Few long reductions: split each (8192 elements per block at least) to fill the GPU.
  if (p.group == kReduceThreads && per >= 16384) {
    p.splits = wave_splits(first, kReduceThreads, p.n_out, ceil_div(per, 8192), s);
  }
  auto launch = [&](cudaKernel_t kern, const cu::RowReduceParams& q, const void* src, void* dst,
                    void* partial) {
    int64_t per_block = kReduceThreads / q.group;
    launch_kernel(s, kern, capped_grid(ceil_div(q.n_out * q.splits, per_block), dev),
                  kReduceThreads, 0, src, dst, partial, q);
  };
  if (p.splits == 1) return launch(first, p, x, out, nullptr);
  array part = scratch(p.n_out * p.splits, k.acc, s);
  launch(first, p, x, nullptr, device_ptr(part));
  // Second pass: each output's partials are one contiguous run.
  cu::RowReduceParams q{};
  q.n_out = p.n_out;
  q.nruns = 1;
  q.seg = p.splits;
  q.splits = 1;
  q.group = group_size(q.seg);
  Strides kin = row_strides(L.kshape);
  for (auto& st : kin) st *= p.splits;
  q.kept = pack_dims<2>(L.kshape, {&kin, &L.kout}, "reduce");
  q.runs = {};
  cudaKernel_t second = kernel(s, row_reduce_spec(k.op, k.acc, k.acc, tout));
  launch(second, q, device_ptr<const void>(part), out, nullptr);
}

// Columns per thread for a column layout (16-byte loads when every access is aligned).
int column_width(Dtype t, const void* x, const cu::ColReduceParams& p) {
  int v = std::max<int>(1, 16 / t.size);
  if (v == 1 || !aligned(x, 16) || p.seg % v != 0) return 1;
  for (int d = 0; d < p.kept.ndim; ++d) {
    if (p.kept.strides[0][d] % v != 0) return 1;
  }
  for (int d = 0; d < p.reduced.ndim; ++d) {
    if (p.reduced.strides[0][d] % v != 0) return 1;
  }
  return v;
}

// Block shape (columns x reduction lanes) and column tiles of a column reduction.
dim3 column_tiles(cu::ColReduceParams& p) {
  dim3 block = column_block(ceil_div(p.seg, p.vec), p.nred);
  p.ntiles = ceil_div(p.seg, int64_t(block.x) * p.vec);
  return block;
}

void launch_cols(const Stream& s, const Kernel& k, Dtype tin, Dtype tout, const void* x,
                 void* out, const ReduceLayout& L) {
  cu::ColReduceParams p{};
  p.seg = L.seg;
  p.seg_out = L.seg_out;
  p.nred = L.reduced_size();
  p.n_kept = L.kept_size();
  p.splits = 1;
  p.kept = pack_dims<2>(L.kshape, {&L.kin, &L.kout}, "reduce");
  p.reduced = pack_dims<1>(L.rshape, {&L.rin}, "reduce");
  p.vec = column_width(tin, x, p);
  dim3 block = column_tiles(p);
  int dev = stream_device(s);
  int64_t tasks = p.ntiles * p.n_kept;
  cudaKernel_t first = kernel(s, col_reduce_spec(k.op, k.acc, tin, tout));
  // Few column tiles with long reductions: split the rows (32 per lane at least).
  if (p.nred >= int64_t(block.y) * 64) {
    p.splits = wave_splits(first, int(block.x * block.y), tasks,
                           std::min<int64_t>(ceil_div(p.nred, block.y * 32), 65535), s);
  }
  dim3 grid(capped_grid(tasks, dev), unsigned(p.splits));
  if (p.splits == 1) {
    return launch_kernel(s, first, grid, block, 0, x, out, static_cast<void*>(nullptr), p);
  }
  array part = scratch(p.splits * p.n_kept * p.seg, k.acc, s);
  launch_kernel(s, first, grid, block, 0, x, static_cast<void*>(nullptr), device_ptr(part), p);
  // Second pass: a column reduction of the (splits, kept, seg) partials.
  cu::ColReduceParams q = p;
  q.nred = p.splits;
  q.splits = 1;
  Strides kin = row_strides(L.kshape);
  for (auto& st : kin) st *= p.seg;
  Shape rshape{p.splits};
  Strides rin{p.n_kept * p.seg};
  q.kept = pack_dims<2>(L.kshape, {&kin, &L.kout}, "reduce");
  q.reduced = pack_dims<1>(rshape, {&rin}, "reduce");
  q.vec = column_width(k.acc, device_ptr<const void>(part), q);
  dim3 block2 = column_tiles(q);
  cudaKernel_t second = kernel(s, col_reduce_spec(k.op, k.acc, k.acc, tout));
  launch_kernel(s, second, dim3(capped_grid(q.ntiles * q.n_kept, dev)), block2, 0,
                device_ptr<const void>(part), out, static_cast<void*>(nullptr), q);
}

}  // namespace

std::vector<KernelSpec> cuda::reduce_kernels() {
  std::vector<KernelSpec> v;
  for (auto op : {Reduce::And, Reduce::Or, Reduce::Sum, Reduce::Prod, Reduce::Max, Reduce::Min}) {
    for (Dtype in : all_dtypes) {
      for (Dtype out : all_dtypes) {
        auto acc = accumulator(op, in, out);
        if (!acc) continue;
        for (Dtype t : {in, *acc}) {
          v.push_back(row_reduce_spec(op, *acc, t, out));
          v.push_back(col_reduce_spec(op, *acc, t, out));
        }
      }
    }
  }
  for (Dtype d : all_dtypes) v.push_back(trace_spec(d));
  return v;
}

void Reduce::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  const char* op_name = op_ == Sum ? "sum" : op_ == Prod ? "prod" : name();
  Kernel k{op_, reduce_accumulator(op_, in.dtype(), out.dtype(), op_name)};
  allocate(out, s);
  if (out.size() == 0) return;
  if (in.size() == 0) {
    // Nothing to combine: every output is the identity (no runs to fold).
    ReduceLayout L;
    L.kind = ReduceLayout::Row;
    L.kshape = {out.size()};
    L.kin = {0};
    L.kout = {1};
    L.rshape = {0};
    L.rin = {0};
    return launch_rows(s, k, in.dtype(), out.dtype(), nullptr, device_ptr(out), L);
  }
  array src = in;
  auto L = plan_reduce(src, axes_, /*reorder=*/true, idempotent(op_));
  if (!L) {
    src = row_major_copy(in, s);  // a row-major layout always plans
    L = plan_reduce(src, axes_, true, idempotent(op_));
  }
  const void* x = device_ptr<const char>(src) + L->in_offset * int64_t(src.itemsize());
  if (L->kind == ReduceLayout::Row) {
    launch_rows(s, k, in.dtype(), out.dtype(), x, device_ptr(out), *L);
  } else {
    launch_cols(s, k, in.dtype(), out.dtype(), x, device_ptr(out), *L);
  }
}

// A host scalar that kernels read by value.
void NumberOfElements::eval_gpu(const std::vector<array>& inputs, array& out) {
  eval_cpu(inputs, out);
}

void Trace::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  allocate(out, s);
  if (out.size() == 0) return;
  Dtype t = out.dtype();
  DiagonalSpan d = diagonal(in);
  cu::TraceParams p{};
  p.n_out = out.size();
  p.len = d.len;
  p.step = d.step;
  p.start = d.start;
  CollapsedLayout kept = collapse_contiguous_dims(d.kshape, {d.kstrides});
  p.kept = pack_dims<1>(kept.shape, {&kept.strides[0]}, "trace");
  launch_kernel(s, trace_spec(t),
                capped_grid(ceil_div(p.n_out, kReduceThreads / 32), stream_device(s)),
                kReduceThreads, 0, device_ptr<const void>(in), device_ptr(out), p);
}

}  // namespace kiln
