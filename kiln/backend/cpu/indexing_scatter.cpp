// CPU evaluation of the scatters: Scatter (with reductions), ScatterAxis (put_along_axis),
// DynamicSliceUpdate and MaskedScatter. Each writes into a copy of its first input, or into
// that input's own memory when nothing else uses it.
#include <algorithm>

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/copy.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/indexing.h"
#include "kiln/error.h"
#include "kiln/primitives/indexing.h"

namespace kiln {

namespace {

constexpr int64_t kIndexChunk = 256;
constexpr int64_t kPrefetch = 32;

struct Assign {
  template <typename T>
  T operator()(T, T y) const {
    return y;
  }
};

// Combines a run of n updates into the output.
template <typename T, typename Op>
inline void combine_run(T* dst, int64_t ds, const T* src, int64_t ss, int64_t n, Op op) {
  if (n == 1) {
    *dst = op(*dst, *src);
    return;
  }
  if constexpr (std::is_same_v<Op, Assign>) {
    if (ds == 1 && ss == 1) {
      std::memcpy(dst, src, size_t(n) * sizeof(T));
      return;
    }
    if (ds == 1 && ss == 0) {
      std::fill(dst, dst + n, *src);
      return;
    }
  }
  for (int64_t k = 0; k < n; ++k) dst[k * ds] = op(dst[k * ds], src[k * ss]);
}

struct ScatterPlan {
  std::vector<cpu::IndexOperand> ops;
  Shape index_shape;           // I, with contiguous dims merged for the update walk
  Strides update_index_strides;
  int64_t n_index;
  cpu::RowTable rows;          // the update slice: first = out offsets, second = update's
  bool rows_disjoint;
};

template <typename T, typename Op>
void scatter_typed(const ScatterPlan& p, const array& upd, array& out, Op op) {
  T* dst = out.data<T>();
  const T* src = upd.data<T>();
  const int64_t C = p.rows.cols, S = p.rows.rows * C;
  // Applies the slice elements [b, e) (row-major over the slice) of every update whose
  // start lies in the output offsets [lo, hi), in index order.
  auto run = [&](int64_t b, int64_t e, int64_t lo, int64_t hi) {
    int64_t offs[kIndexChunk], ubase[kIndexChunk];
    for (int64_t c0 = 0; c0 < p.n_index; c0 += kIndexChunk) {
      int64_t c1 = std::min(p.n_index, c0 + kIndexChunk);
      cpu::index_offsets(p.ops, c0, c1, offs, "Scatter");
      walk_offsets(p.index_shape, p.update_index_strides, c0, c1,
                        [&](int64_t k, int64_t off) { ubase[k] = off; });
      const int64_t n = c1 - c0;
      if (S == 1) {
        // Single elements at scattered positions: the loop waits on memory, so fetch
        // a few updates ahead.
        T* d0 = dst + p.rows.first[0];
        const T* s0 = src + p.rows.second[0];
        for (int64_t k = 0; k < n; ++k) {
          if (k + kPrefetch < n) __builtin_prefetch(d0 + offs[k + kPrefetch], 1);
          if (offs[k] < lo || offs[k] >= hi) continue;
          d0[offs[k]] = op(d0[offs[k]], s0[ubase[k]]);
        }
        continue;
      }
      for (int64_t k = 0; k < n; ++k) {
        if (offs[k] < lo || offs[k] >= hi) continue;
        for (int64_t r = b / C; r * C < e; ++r) {
          int64_t cb = std::max(b, r * C) - r * C, ce = std::min(e, (r + 1) * C) - r * C;
          combine_run(dst + offs[k] + p.rows.first[r] + cb * p.rows.first_stride,
                      p.rows.first_stride,
                      src + ubase[k] + p.rows.second[r] + cb * p.rows.second_stride,
                      p.rows.second_stride, ce - cb, op);
        }
      }
    }
  };
  // Every thread walks all the indices but owns a part of the output, so each position is
  // written by one thread, in index order: a part of each slice when the slices' elements
  // cannot collide, or a range of the output for single-element updates.
  const int64_t all_lo = INT64_MIN, all_hi = INT64_MAX;
  if (p.rows_disjoint && S > 1) {
    int64_t grain = std::max<int64_t>(256, cpu::kElementwiseGrain / std::max<int64_t>(1, p.n_index));
    cpu::parallel_for(S, grain, [&](int64_t b, int64_t e) { run(b, e, all_lo, all_hi); });
  } else if (S == 1 && p.n_index >= cpu::kElementwiseGrain) {
    // The output is dense, so offsets lie in [0, size).
    int64_t size = out.size();
    cpu::parallel_for(size, std::max<int64_t>(1, size / cpu::num_threads()),
                      [&](int64_t lo, int64_t hi) { run(0, 1, lo, hi); });
  } else {
    run(0, S, all_lo, all_hi);
  }
}

}  // namespace

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& upd = inputs.back();
  backend::copy_or_donate(a, out, stream());
  if (upd.size() == 0) return;

  ScatterPlan p;
  Shape index_shape = axes_.empty() ? Shape{} : inputs[1].shape();
  int ni = int(index_shape.size());
  Shape slice(upd.shape().begin() + ni, upd.shape().end());
  p.rows_disjoint = true;
  for (size_t t = 0; t < axes_.size(); ++t) {
    const array& idx = inputs[t + 1];
    int ax = axes_[t];
    auto lay = collapse_contiguous_dims(index_shape, {idx.strides()});
    p.ops.push_back({&idx, lay.shape, lay.strides[0], ax, a.shape()[ax],
                     a.shape()[ax] - slice[ax], out.strides()[ax]});
    // With extent 1 on every indexed axis, distinct slice elements land on distinct
    // positions whatever the indices.
    p.rows_disjoint &= slice[ax] == 1;
  }
  Strides uis(upd.strides().begin(), upd.strides().begin() + ni);
  auto ilay = collapse_contiguous_dims(index_shape, {uis});
  p.index_shape = ilay.shape;
  p.update_index_strides = ilay.strides[0];
  p.n_index = shape_size(index_shape);
  p.rows = cpu::row_table(slice, out.strides(), Strides(upd.strides().begin() + ni,
                                                        upd.strides().end()));

  if (reduce_ == ScatterReduce::None) {
    dispatch_bits(a.itemsize(), [&]<typename T>(type_tag<T>) {
      scatter_typed<T>(p, upd, out, Assign{});
    });
    return;
  }
  dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    switch (reduce_) {
      case ScatterReduce::Add: return scatter_typed<T>(p, upd, out, ew::Add{});
      case ScatterReduce::Prod: return scatter_typed<T>(p, upd, out, ew::Multiply{});
      case ScatterReduce::Max: return scatter_typed<T>(p, upd, out, ew::Maximum{});
      case ScatterReduce::Min: return scatter_typed<T>(p, upd, out, ew::Minimum{});
      case ScatterReduce::None: break;
    }
  });
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& idx = inputs[1];
  const array& upd = inputs[2];
  backend::copy_or_donate(a, out, stream());
  if (idx.size() == 0) return;
  const int64_t size = a.shape()[axis_], axis_stride = out.strides()[axis_];
  // Lines along the axis are independent (the other coordinates of an update are its own),
  // so they run in parallel, each in order: the last write to a position wins.
  Shape shape;
  Strides os, is, us;
  for (int d = 0; d <= idx.ndim(); ++d) {
    if (d == axis_) continue;
    int dd = d == idx.ndim() ? axis_ : d;
    shape.push_back(idx.shape()[dd]);
    os.push_back(dd == axis_ ? 0 : out.strides()[dd]);
    is.push_back(idx.strides()[dd]);
    us.push_back(upd.strides()[dd]);
  }
  int64_t rows = row_count(shape), cols = shape.back();
  std::array<const int64_t*, 3> st{os.data(), is.data(), us.data()};
  int axis = axis_;
  dispatch_bits(a.itemsize(), [&]<typename T>(type_tag<T>) {
    dispatch_integer(idx.dtype(), [&]<typename I>(type_tag<I>) {
      T* dst = out.data<T>();
      const I* ind = idx.data<I>();
      const T* src = upd.data<T>();
      int64_t grain = std::max<int64_t>(1, cpu::kElementwiseGrain / 4 / cols);
      cpu::parallel_for(rows, grain, [&](int64_t b, int64_t e) {
        for_each_row<3>(shape, st, b, e, [&](auto off, int64_t n, auto s) {
          T* o = dst + off[0];
          const I* ip = ind + off[1];
          const T* u = src + off[2];
          for (int64_t k = 0; k < n; ++k) {
            int64_t pos = checked_index(ip[k * s[1]], size, size - 1, "ScatterAxis", axis);
            o[pos * axis_stride] = u[k * s[2]];
          }
        });
      });
    });
  });
}

void DynamicSliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  const array& start = inputs[2];
  // Check the start before copying anything.
  int64_t offset = 0;
  std::vector<int64_t> pos(axes_.size());
  dispatch_integer(start.dtype(), [&]<typename I>(type_tag<I>) {
    for (size_t t = 0; t < axes_.size(); ++t) {
      int ax = axes_[t];
      I v = start.data<I>()[int64_t(t) * start.strides()[0]];
      int64_t n = src.shape()[ax];
      pos[t] = checked_index(v, n, n - upd.shape()[ax], "slice_update", ax);
    }
  });
  backend::copy_or_donate(src, out, stream());
  for (size_t t = 0; t < axes_.size(); ++t) offset += pos[t] * out.strides()[axes_[t]];
  cpu::copy_general(upd, upd.shape(), upd.strides(), 0, out, out.strides(), offset);
}

void MaskedScatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& mask = inputs[1];
  const array& values = inputs[2];
  backend::copy_or_donate(a, out, stream());
  auto lay = collapse_contiguous_dims(out.shape(), {out.strides(), mask.strides()});
  int64_t rows = out.size() ? row_count(lay.shape) : 0;
  std::array<const int64_t*, 2> st{lay.strides[0].data(), lay.strides[1].data()};
  const bool* m = out.size() ? mask.data<bool>() : nullptr;
  // Two passes over blocks of rows: count the selected positions of each block, then
  // write each block starting at its running total.
  int64_t blocks = std::min<int64_t>(rows, 4 * int64_t(cpu::num_threads()));
  auto block_rows = [&](int64_t blk) {
    return std::pair{rows * blk / blocks, rows * (blk + 1) / blocks};
  };
  std::vector<int64_t> start(size_t(blocks) + 1, 0);
  int64_t grain = out.size() >= cpu::kElementwiseGrain ? 1 : std::max<int64_t>(1, blocks);
  cpu::parallel_for(blocks, grain, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      auto [rb, re] = block_rows(blk);
      int64_t count = 0;
      for_each_row<2>(lay.shape, st, rb, re, [&](auto off, int64_t n, auto s) {
        for (int64_t k = 0; k < n; ++k) count += m[off[1] + k * s[1]];
      });
      start[size_t(blk) + 1] = count;
    }
  });
  for (int64_t blk = 0; blk < blocks; ++blk) start[size_t(blk) + 1] += start[size_t(blk)];
  if (start.back() > values.size()) {
    fail("masked_scatter", "the mask selects ", start.back(), " positions but only ",
         values.size(), " values were given");
  }
  if (start.back() == 0) return;
  const int64_t vs = values.strides()[0];
  dispatch_bits(a.itemsize(), [&]<typename T>(type_tag<T>) {
    T* dst = out.data<T>();
    const T* src = values.data<T>();
    cpu::parallel_for(blocks, grain, [&](int64_t b, int64_t e) {
      for (int64_t blk = b; blk < e; ++blk) {
        auto [rb, re] = block_rows(blk);
        int64_t next = start[size_t(blk)];
        for_each_row<2>(lay.shape, st, rb, re, [&](auto off, int64_t n, auto s) {
          for (int64_t k = 0; k < n; ++k) {
            if (m[off[1] + k * s[1]]) dst[off[0] + k * s[0]] = src[vs * next++];
          }
        });
      }
    });
  });
}

}  // namespace kiln
