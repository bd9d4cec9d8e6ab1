// CPU kernels of ArgReduce: the first index of the extreme value along one axis. A NaN beats
// every number and the first NaN wins, as in NumPy.
#include <algorithm>
#include <memory>

#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/reduce_layout.h"
#include "kiln/backend/cpu/reduce_ops.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

namespace {

using cpu::Odometer;
using cpu::ReduceLayout;

constexpr int64_t kGrain = int64_t(1) << 15;
constexpr int64_t kTile = 1024;

template <typename C>
inline bool is_nan(C x) {
  if constexpr (std::is_floating_point_v<C>) return x != x;
  else if constexpr (is_complex_type<C>::value) return x.real != x.real || x.imag != x.imag;
  else return false;
}

// Whether x replaces the current best (strictly better, so ties keep the first index).
template <bool IsMax, typename C>
inline bool better(C x, C best) {
  bool strict = IsMax ? best < x : x < best;
  if constexpr (std::is_floating_point_v<C> || is_complex_type<C>::value) {
    return strict || (is_nan(x) && !is_nan(best));
  }
  return strict;
}

template <bool IsMax, typename T>
struct Best {
  cpu::cmp_t<T> value;
  int64_t index;
};

template <bool IsMax, typename T>
Best<IsMax, T> scan_run(const T* x, int64_t b, int64_t e) {
  using C = cpu::cmp_t<T>;
  Best<IsMax, T> r{cast_to<C>(x[b]), b};
  for (int64_t i = b + 1; i < e; ++i) {
    C v = cast_to<C>(x[i]);
    if (better<IsMax>(v, r.value)) r = {v, i};
  }
  return r;
}

template <bool IsMax, typename T>
void arg_rows(const T* in, uint32_t* out, const ReduceLayout& L) {
  int64_t n_out = L.kept_size(), n = L.seg;
  if (n_out >= 4 * cpu::num_threads() || n < 2 * kGrain) {
    cpu::parallel_for(n_out, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
      Odometer ko(L.kshape, L.kin, L.kout);
      ko.seek(s);
      for (int64_t o = s; o < e; ++o, ko.next()) {
        out[ko.off1()] = uint32_t(scan_run<IsMax>(in + ko.off0(), 0, n).index);
      }
    });
    return;
  }
  // Few long rows: split each across the threads; merging in order keeps the first index.
  int64_t pieces = std::min<int64_t>(cpu::num_threads(), n / kGrain);
  std::vector<Best<IsMax, T>> part(pieces);
  Odometer ko(L.kshape, L.kin, L.kout);
  for (int64_t o = 0; o < n_out; ++o, ko.next()) {
    const T* x = in + ko.off0();
    cpu::parallel_for(pieces, 1, [&](int64_t s, int64_t e) {
      for (int64_t p = s; p < e; ++p) part[p] = scan_run<IsMax>(x, n * p / pieces, n * (p + 1) / pieces);
    });
    Best<IsMax, T> r = part[0];
    for (int64_t p = 1; p < pieces; ++p) {
      if (better<IsMax>(part[p].value, r.value)) r = part[p];
    }
    out[ko.off1()] = uint32_t(r.index);
  }
}

template <bool IsMax, typename T, typename C>
KILN_SIMD_CLONES void update_cols(C* best, uint32_t* idx, const T* x, int64_t w, uint32_t i) {
  for (int64_t v = 0; v < w; ++v) {
    C c = cast_to<C>(x[v]);
    bool take = better<IsMax>(c, best[v]);
    best[v] = take ? c : best[v];
    idx[v] = take ? i : idx[v];
  }
}

template <bool IsMax, typename T>
void arg_cols(const T* in, uint32_t* out, const ReduceLayout& L) {
  using C = cpu::cmp_t<T>;
  int64_t n = L.reduced_size(), stride = L.rin.empty() ? 0 : L.rin[0];
  int64_t ntiles = (L.seg + kTile - 1) / kTile;
  int64_t tasks = L.kept_size() * ntiles;
  cpu::parallel_for(tasks, std::max<int64_t>(1, kGrain / (n * std::min(L.seg, kTile))),
                    [&](int64_t s, int64_t e) {
                      auto best = std::unique_ptr<C[]>(new C[kTile]);
                      auto idx = std::unique_ptr<uint32_t[]>(new uint32_t[kTile]);
                      Odometer ko(L.kshape, L.kin, L.kout);
                      for (int64_t t = s; t < e; ++t) {
                        ko.seek(t / ntiles);
                        int64_t c = (t % ntiles) * kTile, w = std::min(kTile, L.seg - c);
                        const T* x = in + ko.off0() + c;
                        for (int64_t v = 0; v < w; ++v) best[v] = cast_to<C>(x[v]);
                        std::fill_n(idx.get(), w, 0u);
                        for (int64_t i = 1; i < n; ++i) {
                          update_cols<IsMax>(best.get(), idx.get(), x + i * stride, w, uint32_t(i));
                        }
                        uint32_t* o = out + ko.off1() + c * L.seg_out;
                        for (int64_t v = 0; v < w; ++v) o[v * L.seg_out] = idx[v];
                      }
                    });
}

template <bool IsMax, typename T>
void arg_reduce(const array& in, array& out, int axis) {
  out.allocate();
  if (out.size() == 0) return;
  array src = in;
  auto L = cpu::plan_reduce(src, {axis}, /*reorder=*/false, /*idempotent=*/false);
  if (!L) {
    src = cpu::row_major_copy(in);
    L = cpu::plan_reduce(src, {axis}, false, false);
  }
  const T* pi = src.data<T>() + L->in_offset;
  uint32_t* po = out.data<uint32_t>();
  if (L->kind == ReduceLayout::Row) {
    arg_rows<IsMax>(pi, po, *L);
  } else {
    arg_cols<IsMax>(pi, po, *L);
  }
}

}  // namespace

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_dtype(inputs[0].dtype(), [&]<typename T>(type_tag<T>) {
    if (op_ == ArgMax) {
      arg_reduce<true, T>(inputs[0], out, axis_);
    } else {
      arg_reduce<false, T>(inputs[0], out, axis_);
    }
  });
}

}  // namespace kiln
