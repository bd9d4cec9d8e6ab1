// CPU kernels of ArgReduce: the first index of the extreme value along one axis. A NaN beats
// every number and the first NaN wins, as in NumPy.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "kiln/backend/common/reduce_layout.h"
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/reduce_fold.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

namespace {


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
  red::cmp_t<T> value;
  int64_t index;
};

// Native vectors of 64 bytes of C (GCC vector extensions: plain loops with per-lane
// selects do not vectorize), and lanes of a same-sized signed integer for positions.
template <typename C>
struct Vec {
  using I = std::conditional_t<sizeof(C) == 1, int8_t,
            std::conditional_t<sizeof(C) == 2, int16_t,
            std::conditional_t<sizeof(C) == 4, int32_t, int64_t>>>;
  static constexpr int W = 64 / sizeof(C);
  typedef C values __attribute__((vector_size(64)));
  typedef I indices __attribute__((vector_size(64)));
};

// Single pass over x[0, n) (n >= W): each lane keeps its best value and the step where it
// was seen (strictly better only, so the first occurrence); steps are counted in chunks that
// fit the index lanes, and lanes and chunks merge preferring the lower position on ties.
// NaNs are only flagged here (mask logic on float compares defeats GCC's vector lowering);
// `nan` reports whether one was seen, and the caller then looks for the first.
template <bool IsMax, typename T, typename C>
KILN_SIMD_CLONES Best<IsMax, T> arg_vector(const C* x, int64_t n, bool& nan) {
  using V = Vec<C>;
  using I = typename V::I;
  constexpr int W = V::W;
  constexpr int64_t kSteps = std::numeric_limits<I>::max();
  typename V::indices nans = {};
  auto flag_nans = [&](const typename V::values& v) {
    if constexpr (std::is_floating_point_v<C>) {
      constexpr I kInf = sizeof(C) == 4 ? I(0x7f800000) : I(0x7ff0000000000000);
      typename V::indices bits;
      std::memcpy(&bits, &v, sizeof(bits));
      nans |= (bits & std::numeric_limits<I>::max()) > kInf;
    }
  };
  Best<IsMax, T> r{x[0], 0};
  int64_t start = 0;
  while (start + W <= n) {
    int64_t steps = std::min(kSteps, (n - start) / W);
    typename V::values best, v;
    typename V::indices at = {}, step = {};
    std::memcpy(&best, x + start, sizeof(best));
    flag_nans(best);
    for (int64_t k = 1; k < steps; ++k) {
      std::memcpy(&v, x + start + k * W, sizeof(v));
      flag_nans(v);
      step += 1;
      typename V::indices take;
      if constexpr (IsMax) {
        take = best < v;
      } else {
        take = v < best;
      }
      best = take ? v : best;
      at = take ? step : at;
    }
    for (int j = 0; j < W; ++j) {
      int64_t pos = start + int64_t(at[j]) * W + j;
      C val = best[j];
      if (better<IsMax>(val, r.value) || (!better<IsMax>(r.value, val) && pos < r.index)) {
        r = {val, pos};
      }
    }
    start += steps * W;
  }
  nan = false;
  for (int j = 0; j < W; ++j) nan |= nans[j] != 0;
  for (; start < n; ++start) {
    nan |= is_nan(x[start]);
    if (better<IsMax>(x[start], r.value)) r = {x[start], start};
  }
  return r;
}

// Whether x[0, n) holds `m` (or a NaN, when m is NaN); vectorizes as an OR-reduction.
template <typename T, typename C>
KILN_SIMD_CLONES bool block_holds(const T* x, int64_t n, C m, bool nan) {
  unsigned hit = 0;  // (a bool accumulator defeats the vectorizer)
  if (nan) {
    for (int64_t i = 0; i < n; ++i) hit |= unsigned(is_nan(cast_to<C>(x[i])));
  } else {
    for (int64_t i = 0; i < n; ++i) hit |= unsigned(cast_to<C>(x[i]) == m);
  }
  return hit != 0;
}

// The first position in [b, e) holding m (or a NaN when `nan`); one must exist.
template <typename T, typename C>
int64_t find(const T* x, int64_t b, int64_t e, C m, bool nan) {
  constexpr int64_t kProbe = 256;
  int64_t i = b;
  while (i + kProbe <= e && !block_holds(x + i, kProbe, m, nan)) i += kProbe;
  while (nan ? !is_nan(cast_to<C>(x[i])) : cast_to<C>(x[i]) != m) ++i;
  return i;
}

template <bool IsMax, typename T>
Best<IsMax, T> first_nan(const T* x, int64_t b, int64_t e) {
  using C = red::cmp_t<T>;
  int64_t i = find<T, C>(x, b, e, C(0), true);
  return {cast_to<C>(x[i]), i};
}

// The extreme of x[b, e) and its first index.
template <bool IsMax, typename T>
Best<IsMax, T> scan_run(const T* x, int64_t b, int64_t e) {
  using C = red::cmp_t<T>;
  if constexpr (std::is_arithmetic_v<T>) {
    // bool is a byte holding 0 or 1: ordered like uint8.
    using U = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    if (e - b >= Vec<U>::W) {
      bool nan;
      auto r = arg_vector<IsMax, U, U>(reinterpret_cast<const U*>(x) + b, e - b, nan);
      if (!nan) return {cast_to<C>(r.value), b + r.index};
      return first_nan<IsMax, T>(x, b, e);
    }
  } else if constexpr (is_half_type<T>::value) {
    // Two passes in cache: the vectorized max/min, then the first position holding it.
    using Op = std::conditional_t<IsMax, red::Max<C>, red::Min<C>>;
    C m = cpu::fold_lanes<Op>(x + b, e - b);
    if (is_nan(m)) return first_nan<IsMax, T>(x, b, e);
    return {m, find<T, C>(x, b, e, m, false)};
  }
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
  using C = red::cmp_t<T>;
  int64_t n = L.reduced_size(), stride = L.rin.empty() ? 0 : L.rin[0];
  int64_t ntiles = (L.seg + kTile - 1) / kTile;
  int64_t tasks = L.kept_size() * ntiles;
  cpu::parallel_for(tasks, std::max<int64_t>(1, kGrain / (n * std::min(L.seg, kTile))),
                    [&](int64_t s, int64_t e) {
                      auto best = std::make_unique_for_overwrite<C[]>(kTile);
                      auto idx = std::make_unique_for_overwrite<uint32_t[]>(kTile);
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
  auto L = plan_reduce(src, {axis}, /*reorder=*/false, /*idempotent=*/false);
  if (!L) {
    src = cpu::row_major_copy(in);
    L = plan_reduce(src, {axis}, false, false);
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
