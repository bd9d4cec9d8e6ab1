// The CPU reduction kernels, templated on the rule (Op, from backend/common/reduce_ops.h: it
// names the accumulator A), the input (T) and the output (O) types; reduce.cpp instantiates
// max/min/and/or, reduce_sum_prod.cpp sum and prod (two translation units, so the build
// splits the work).
//
// Row layouts fold contiguous runs with a lane-parallel loop (one independent accumulator per
// SIMD lane, which the compiler vectorizes without reassociating anything); sums split long
// runs in halves (pairwise), so float error grows with log(n) instead of n. Column layouts
// fold whole input rows into a tile of accumulators, reading memory in order. Few outputs
// with long reductions split each reduction across the threads and merge the partials.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "kiln/backend/common/reduce_layout.h"
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/reduce_fold.h"

namespace kiln::cpu {

namespace reduce_kernels {

// Elements below which a reduction stays on one thread.
inline constexpr int64_t kGrain = int64_t(1) << 15;
// Sums of longer runs are split in halves (shorter ones are blocked inside fold_lanes).
inline constexpr int64_t kPairLeaf = int64_t(1) << 22;
// Long chains of runs or rows fold through a cascade of partials: kBlock items into a
// block, kBlock blocks into a group, groups into the total. Float sums of many short runs
// (or tall columns) stay accurate: no partial takes more than kBlock additions until the
// top, which takes n / kBlock^2.
inline constexpr int64_t kBlock = 64;
// Adjacent outputs updated together in column layouts.
inline constexpr int64_t kTile = 4096;

// Folds a contiguous run.
template <class Op, typename T>
typename Op::acc_t fold_run(const T* x, int64_t n) {
  if constexpr (Op::pairwise) {
    if (n > kPairLeaf) {
      int64_t h = ((n / 2) + 63) & ~int64_t(63);
      return Op{}(fold_run<Op>(x, h), fold_run<Op>(x + h, n - h));
    }
  }
  return fold_lanes<Op>(x, n);
}

template <class Op, typename T, typename A = typename Op::acc_t>
KILN_SIMD_CLONES void fold_cols(A* acc, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = Op{}(acc[i], load<A>(x[i]));
}

// Four input rows at once: a quarter of the accumulator traffic.
template <class Op, typename T, typename A = typename Op::acc_t>
KILN_SIMD_CLONES void fold_cols4(A* acc, const T* a, const T* b, const T* c, const T* d,
                                 int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    A ab = Op{}(load<A>(a[i]), load<A>(b[i]));
    A cd = Op{}(load<A>(c[i]), load<A>(d[i]));
    acc[i] = Op{}(acc[i], Op{}(ab, cd));
  }
}

template <class Op, typename A = typename Op::acc_t>
KILN_SIMD_CLONES void merge_cols(A* acc, const A* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = Op{}(acc[i], b[i]);
}

// Folds elements [b, e) of one output's reduction in a Row layout (element f is position
// f % seg of run f / seg).
template <class Op, typename T, typename A = typename Op::acc_t>
A fold_row_range(const T* base, const ReduceLayout& L, int64_t b, int64_t e) {
  A total = Op::init(), group = Op::init(), part = Op::init();
  int64_t runs = 0;
  Odometer od(L.rshape, L.rin);
  od.seek(b / L.seg);
  int64_t pos = b % L.seg;
  while (b < e) {
    int64_t len = std::min(L.seg - pos, e - b);
    part = Op{}(part, fold_run<Op>(base + od.off0() + pos, len));
    if (++runs % kBlock == 0) {
      group = Op{}(group, part);
      part = Op::init();
      if (runs % (kBlock * kBlock) == 0) {
        total = Op{}(total, group);
        group = Op::init();
      }
    }
    b += len;
    pos = 0;
    od.next();
  }
  return Op{}(total, Op{}(group, part));
}

// Row layouts whose outermost reduced dimensions lie outside every kept one in memory (axes
// (0, 2) of a 3-D array): visiting one output at a time would hop between distant slabs, so
// each thread walks its range of outputs once per outer index, in memory order, folding into
// per-output partials (two-level, like every other long chain).
template <class Op, typename T, typename O>
void row_reduce_outer(const T* in, O* out, const ReduceLayout& L) {
  using A = typename Op::acc_t;
  Shape oshape(L.rshape.begin(), L.rshape.begin() + L.outer);
  Strides ostride(L.rin.begin(), L.rin.begin() + L.outer);
  ReduceLayout inner = L;
  inner.rshape.erase(inner.rshape.begin(), inner.rshape.begin() + L.outer);
  inner.rin.erase(inner.rin.begin(), inner.rin.begin() + L.outer);
  int64_t n_out = L.kept_size(), n_outer = shape_size(oshape);
  int64_t per = inner.reduced_size() * L.seg;
  cpu::parallel_for(n_out, std::max<int64_t>(1, kGrain / (per * n_outer)), [&](int64_t s, int64_t e) {
    int64_t m = e - s;
    auto acc = std::make_unique_for_overwrite<A[]>(m);
    auto group = std::make_unique_for_overwrite<A[]>(m);
    auto part = std::make_unique_for_overwrite<A[]>(m);
    std::fill_n(acc.get(), m, Op::init());
    Odometer oo(oshape, ostride), ko(L.kshape, L.kin, L.kout);
    for (int64_t r = 0; r < n_outer;) {
      std::fill_n(group.get(), m, Op::init());
      for (int64_t g = 0; g < kBlock && r < n_outer; ++g) {
        std::fill_n(part.get(), m, Op::init());
        for (int64_t end = std::min(n_outer, r + kBlock); r < end; ++r, oo.next()) {
          ko.seek(s);
          for (int64_t o = 0; o < m; ++o, ko.next()) {
            part[o] = Op{}(part[o], fold_row_range<Op>(in + oo.off0() + ko.off0(), inner, 0, per));
          }
        }
        merge_cols<Op>(group.get(), part.get(), m);
      }
      merge_cols<Op>(acc.get(), group.get(), m);
    }
    ko.seek(s);
    for (int64_t o = 0; o < e - s; ++o, ko.next()) out[ko.off1()] = cast_to<O>(acc[o]);
  });
}

template <class Op, typename T, typename O>
void row_reduce(const T* in, O* out, const ReduceLayout& L) {
  using A = typename Op::acc_t;
  int64_t n_out = L.kept_size();
  int64_t per = L.reduced_size() * L.seg;
  if (L.outer > 0 && n_out > 1) return row_reduce_outer<Op>(in, out, L);
  if (n_out >= 4 * cpu::num_threads() || per < 2 * kGrain) {
    cpu::parallel_for(n_out, std::max<int64_t>(1, kGrain / std::max<int64_t>(per, 1)),
                      [&](int64_t s, int64_t e) {
                        Odometer ko(L.kshape, L.kin, L.kout);
                        ko.seek(s);
                        for (int64_t o = s; o < e; ++o, ko.next()) {
                          out[ko.off1()] = cast_to<O>(fold_row_range<Op>(in + ko.off0(), L, 0, per));
                        }
                      });
    return;
  }
  int64_t pieces = std::min<int64_t>(cpu::num_threads(), per / kGrain);
  auto part = std::make_unique_for_overwrite<A[]>(pieces);
  Odometer ko(L.kshape, L.kin, L.kout);
  for (int64_t o = 0; o < n_out; ++o, ko.next()) {
    const T* base = in + ko.off0();
    cpu::parallel_for(pieces, 1, [&](int64_t s, int64_t e) {
      for (int64_t p = s; p < e; ++p) {
        part[p] = fold_row_range<Op>(base, L, per * p / pieces, per * (p + 1) / pieces);
      }
    });
    A acc = part[0];
    for (int64_t p = 1; p < pieces; ++p) acc = Op{}(acc, part[p]);
    out[ko.off1()] = cast_to<O>(acc);
  }
}

// Folds reduced positions [b, e) of `w` adjacent columns starting at x into acc, four rows
// at a time. Pairwise rules cascade through `scratch` (2 * w: a block and a group).
template <class Op, typename T, typename A = typename Op::acc_t>
void fold_col_range(const T* x, const ReduceLayout& L, int64_t b, int64_t e, A* acc, A* scratch,
                    int64_t w) {
  std::fill_n(acc, w, Op::init());
  A* block = Op::pairwise ? scratch : acc;
  A* group = scratch + w;
  Odometer od(L.rshape, L.rin);
  od.seek(b);
  int64_t blocks = 0;
  if (Op::pairwise) std::fill_n(group, w, Op::init());
  while (b < e) {
    int64_t len = std::min(kBlock, e - b);
    if (Op::pairwise) std::fill_n(block, w, Op::init());
    int64_t k = 0;
    for (; k + 4 <= len; k += 4) {
      const T* r[4];
      for (auto& p : r) {
        p = x + od.off0();
        od.next();
      }
      fold_cols4<Op>(block, r[0], r[1], r[2], r[3], w);
    }
    for (; k < len; ++k, od.next()) fold_cols<Op>(block, x + od.off0(), w);
    b += len;
    if (!Op::pairwise) continue;
    merge_cols<Op>(group, block, w);
    if (++blocks % kBlock == 0 || b == e) {
      merge_cols<Op>(acc, group, w);
      std::fill_n(group, w, Op::init());
    }
  }
}

template <class Op, typename T, typename O>
void col_reduce(const T* in, O* out, const ReduceLayout& L) {
  using A = typename Op::acc_t;
  int64_t ntiles = (L.seg + kTile - 1) / kTile;
  int64_t tasks = L.kept_size() * ntiles;
  int64_t nred = L.reduced_size();
  int64_t width = std::min(L.seg, kTile);
  auto locate = [&](Odometer& ko, int64_t t, const T*& x, O*& o, int64_t& w) {
    ko.seek(t / ntiles);
    int64_t c = (t % ntiles) * kTile;
    x = in + ko.off0() + c;
    o = out + ko.off1() + c * L.seg_out;
    w = std::min(kTile, L.seg - c);
  };
  auto store = [&](O* o, const A* acc, int64_t w) {
    for (int64_t v = 0; v < w; ++v) o[v * L.seg_out] = cast_to<O>(acc[v]);
  };
  if (tasks >= cpu::num_threads() || nred * width < 2 * kGrain) {
    cpu::parallel_for(tasks, std::max<int64_t>(1, kGrain / std::max<int64_t>(nred * width, 1)),
                      [&](int64_t s, int64_t e) {
                        auto acc = std::make_unique_for_overwrite<A[]>(width);
                        auto scratch = std::make_unique_for_overwrite<A[]>(2 * width);
                        Odometer ko(L.kshape, L.kin, L.kout);
                        for (int64_t t = s; t < e; ++t) {
                          const T* x;
                          O* o;
                          int64_t w;
                          locate(ko, t, x, o, w);
                          fold_col_range<Op>(x, L, 0, nred, acc.get(), scratch.get(), w);
                          store(o, acc.get(), w);
                        }
                      });
    return;
  }
  // Few tiles and many reduced rows: each thread folds a share of the rows.
  int64_t pieces = std::min<int64_t>(cpu::num_threads(), nred);
  auto acc = std::make_unique_for_overwrite<A[]>(pieces * width);
  auto scratch = std::make_unique_for_overwrite<A[]>(pieces * 2 * width);
  Odometer ko(L.kshape, L.kin, L.kout);
  for (int64_t t = 0; t < tasks; ++t) {
    const T* x;
    O* o;
    int64_t w;
    locate(ko, t, x, o, w);
    cpu::parallel_for(pieces, 1, [&](int64_t s, int64_t e) {
      for (int64_t p = s; p < e; ++p) {
        fold_col_range<Op>(x, L, nred * p / pieces, nred * (p + 1) / pieces,
                           acc.get() + p * width, scratch.get() + 2 * p * width, w);
      }
    });
    for (int64_t p = 1; p < pieces; ++p) merge_cols<Op>(acc.get(), acc.get() + p * width, w);
    store(o, acc.get(), w);
  }
}

}  // namespace reduce_kernels

// Reduce `axes` of `in` into `out` (keepdims shape, allocated here) with rule Op.
// `idempotent` rules (max, min, and, or) may skip broadcast dimensions.
template <class Op, typename T, typename O>
void reduce(const array& in, array& out, const std::vector<int>& axes, bool idempotent) {
  out.allocate();
  O* po = out.data<O>();
  if (out.size() == 0) return;
  if (in.size() == 0) {
    std::fill_n(po, out.size(), cast_to<O>(Op::init()));
    return;
  }
  array src = in;
  auto L = plan_reduce(src, axes, /*reorder=*/true, idempotent);
  if (!L) {
    src = row_major_copy(in);
    L = plan_reduce(src, axes, true, idempotent);
  }
  const T* pi = src.data<T>() + L->in_offset;
  if (L->kind == ReduceLayout::Row) {
    reduce_kernels::row_reduce<Op>(pi, po, *L);
  } else {
    reduce_kernels::col_reduce<Op>(pi, po, *L);
  }
}

// Sum and Prod (reduce_sum_prod.cpp): the default output dtype of the input, or float32 for
// integer, bool and 16-bit float inputs (Sum only: mean).
void reduce_sum(const array& in, array& out, const std::vector<int>& axes);
void reduce_prod(const array& in, array& out, const std::vector<int>& axes);

}  // namespace kiln::cpu
