// CPU kernels of Softmax and LogSumExp along one axis, fused: a max pass, then one pass that
// computes exp(x - max) and its sum (Softmax stores it), then (Softmax) a scaling pass. The
// input is viewed as (pre, n, post) row-major blocks. With post == 1 every row is reduced on
// its own and stays in cache between passes; otherwise tiles of `post` columns are processed
// together, vectorized across the columns. 16-bit floats compute in float32.
#include <algorithm>
#include <cmath>
#include <memory>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/vec_exp.h"
#include "kiln/primitives/softmax.h"

namespace kiln {

namespace {

constexpr int64_t kGrain = int64_t(1) << 14;
constexpr int64_t kTile = 512;
constexpr int kLanes = 16;

inline float exp_c(float x) { return cpu::vec_exp(x); }
inline double exp_c(double x) { return std::exp(x); }

template <typename C>
inline C max_nan(C a, C b) {
  return (a > b || a != a) ? a : b;
}

template <typename T, typename C>
KILN_SIMD_CLONES C row_max(const T* x, int64_t n) {
  C m[kLanes];
  for (int j = 0; j < kLanes; ++j) m[j] = -INFINITY;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) m[j] = max_nan(m[j], C(x[i + j]));
  }
  C r = -INFINITY;
  for (; i < n; ++i) r = max_nan(r, C(x[i]));
  for (int j = 0; j < kLanes; ++j) r = max_nan(r, m[j]);
  return r;
}

// Sum of exp(x - m); with Store, also writes the terms to y. Two lane vectors of partial
// sums keep the adds off one dependency chain.
template <bool Store, typename T, typename C>
KILN_SIMD_CLONES C row_exp_sum(const T* x, C* y, int64_t n, C m) {
  C s0[kLanes] = {}, s1[kLanes] = {};
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      C e0 = exp_c(C(x[i + j]) - m);
      C e1 = exp_c(C(x[i + kLanes + j]) - m);
      if constexpr (Store) {
        y[i + j] = e0;
        y[i + kLanes + j] = e1;
      }
      s0[j] += e0;
      s1[j] += e1;
    }
  }
  C r = 0;
  for (; i < n; ++i) {
    C e = exp_c(C(x[i]) - m);
    if constexpr (Store) y[i] = e;
    r += e;
  }
  for (int j = 0; j < kLanes; ++j) r += s0[j] + s1[j];
  return r;
}

template <typename C>
KILN_SIMD_CLONES void scale(C* y, int64_t n, C k) {
  for (int64_t i = 0; i < n; ++i) y[i] *= k;
}

// 16-bit outputs recompute exp(x - m) instead of rounding it twice.
template <typename T, typename C>
KILN_SIMD_CLONES void exp_scale(const T* x, T* y, int64_t n, C m, C k) {
  for (int64_t i = 0; i < n; ++i) y[i] = T(exp_c(C(x[i]) - m) * k);
}

template <typename T, typename C>
void softmax_rows(const T* x, T* y, int64_t rows, int64_t n) {
  cpu::parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const T* xr = x + r * n;
      T* yr = y + r * n;
      C m = row_max<T, C>(xr, n);
      if constexpr (std::is_same_v<T, C>) {
        C sum = row_exp_sum<true, T, C>(xr, yr, n, m);
        scale<C>(yr, n, C(1) / sum);
      } else {
        C sum = row_exp_sum<false, T, C>(xr, nullptr, n, m);
        exp_scale<T, C>(xr, yr, n, m, C(1) / sum);
      }
    }
  });
}

template <typename T, typename C>
KILN_SIMD_CLONES void cols_max(C* m, const T* x, int64_t w) {
  for (int64_t v = 0; v < w; ++v) m[v] = max_nan(m[v], C(x[v]));
}

template <typename T, typename C, typename Y>
KILN_SIMD_CLONES void cols_exp_sum(C* s, const C* m, const T* x, Y* y, int64_t w) {
  for (int64_t v = 0; v < w; ++v) {
    C e = exp_c(C(x[v]) - m[v]);
    if (y) y[v] = Y(e);
    s[v] += e;
  }
}

// Runs f(x, y, m, s, w) for each tile of `w` columns of each (pre) block after filling m with
// the column maxima and s with the sums of exp(x - m) (storing the terms in y when given).
template <typename T, typename C, typename Y, typename F>
void for_each_col_tile(const T* x, Y* y, int64_t pre, int64_t n, int64_t post, F&& f) {
  int64_t ntiles = (post + kTile - 1) / kTile;
  cpu::parallel_for(pre * ntiles, std::max<int64_t>(1, kGrain / (n * std::min(post, kTile))),
                    [&](int64_t s, int64_t e) {
                      auto m = std::make_unique_for_overwrite<C[]>(kTile);
                      auto sum = std::make_unique_for_overwrite<C[]>(kTile);
                      for (int64_t t = s; t < e; ++t) {
                        int64_t p = t / ntiles, c = (t % ntiles) * kTile;
                        int64_t w = std::min(kTile, post - c);
                        const T* xb = x + p * n * post + c;
                        Y* yb = y ? y + p * n * post + c : nullptr;
                        std::fill_n(m.get(), w, C(-INFINITY));
                        std::fill_n(sum.get(), w, C(0));
                        for (int64_t i = 0; i < n; ++i) cols_max<T, C>(m.get(), xb + i * post, w);
                        for (int64_t i = 0; i < n; ++i) {
                          cols_exp_sum<T, C, Y>(sum.get(), m.get(), xb + i * post,
                                                yb ? yb + i * post : nullptr, w);
                        }
                        f(xb, yb, m.get(), sum.get(), w, p * post + c);
                      }
                    });
}

template <typename T, typename C>
void softmax_cols(const T* x, T* y, int64_t pre, int64_t n, int64_t post) {
  constexpr bool store = std::is_same_v<T, C>;
  for_each_col_tile<T, C, T>(x, store ? y : nullptr, pre, n, post,
                             [&](const T* xb, T*, C* m, C* sum, int64_t w, int64_t) {
                               T* yb = y + (xb - x);
                               for (int64_t v = 0; v < w; ++v) sum[v] = C(1) / sum[v];
                               for (int64_t i = 0; i < n; ++i) {
                                 T* yr = yb + i * post;
                                 const T* xr = xb + i * post;
                                 for (int64_t v = 0; v < w; ++v) {
                                   if constexpr (store) yr[v] *= sum[v];
                                   else yr[v] = T(exp_c(C(xr[v]) - m[v]) * sum[v]);
                                 }
                               }
                             });
}

template <typename C>
inline C lse(C m, C sum) {
  // All -inf gives -inf (not NaN), +inf gives +inf, NaN stays NaN.
  return std::isinf(m) ? m : m + std::log(sum);
}

template <typename T, typename C>
void logsumexp_kernel(const T* x, T* y, int64_t pre, int64_t n, int64_t post) {
  if (post == 1) {
    cpu::parallel_for(pre, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
      for (int64_t r = s; r < e; ++r) {
        const T* xr = x + r * n;
        C m = row_max<T, C>(xr, n);
        y[r] = T(lse(m, row_exp_sum<false, T, C>(xr, nullptr, n, m)));
      }
    });
    return;
  }
  for_each_col_tile<T, C, C>(x, nullptr, pre, n, post,
                             [&](const T*, C*, C* m, C* sum, int64_t w, int64_t o) {
                               for (int64_t v = 0; v < w; ++v) y[o + v] = T(lse(m[v], sum[v]));
                             });
}

}  // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  AxisBlocks b(in, axis_, cpu::row_major_copy);
  // Row-major output; it may take over the input's memory (each pass reads an element before
  // writing it).
  if (b.donatable && b.src.dtype() == out.dtype()) {
    out.copy_shared_buffer(b.src);
  } else {
    out.allocate();
  }
  if (out.size() == 0) return;
  dispatch_float(in.dtype(), "softmax", [&]<typename T, typename C>(type_tag<T>, type_tag<C>) {
    const T* x = b.src.data<T>();
    T* y = out.data<T>();
    if (b.post == 1) {
      softmax_rows<T, C>(x, y, b.pre, b.n);
    } else {
      softmax_cols<T, C>(x, y, b.pre, b.n, b.post);
    }
  });
}

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.allocate();
  if (out.size() == 0) return;
  AxisBlocks b(in, axis_, cpu::row_major_copy);
  dispatch_float(in.dtype(), "logsumexp", [&]<typename T, typename C>(type_tag<T>, type_tag<C>) {
    logsumexp_kernel<T, C>(b.src.data<T>(), out.data<T>(), b.pre, b.n, b.post);
  });
}

}  // namespace kiln
