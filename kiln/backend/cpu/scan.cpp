// CPU kernels of Scan. The input is viewed as row-major (pre, n, post) blocks around the
// axis: with post == 1 each row is scanned serially (rows in parallel); otherwise a tile of
// `post` columns is scanned together, vectorized across the columns.
#include <algorithm>
#include <memory>

#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/primitives/scan.h"

namespace kiln {

namespace {

constexpr int64_t kGrain = int64_t(1) << 15;
constexpr int64_t kTile = 1024;

struct Direction {
  bool reverse, inclusive;
};

template <class Op, typename T, typename O>
void scan_rows(const T* x, O* y, int64_t rows, int64_t n, Direction d) {
  using A = typename Op::acc_t;
  cpu::parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const T* xr = x + r * n;
      O* yr = y + r * n;
      int64_t i = d.reverse ? n - 1 : 0, step = d.reverse ? -1 : 1;
      A acc = Op::init();
      for (int64_t k = 0; k < n; ++k, i += step) {
        A v = cast_to<A>(xr[i]);
        if (d.inclusive) {
          acc = Op{}(acc, v);
          yr[i] = cast_to<O>(acc);
        } else {
          yr[i] = cast_to<O>(acc);
          acc = Op{}(acc, v);
        }
      }
    }
  });
}

template <class Op, typename T, typename O, typename A = typename Op::acc_t>
KILN_SIMD_CLONES void step_inclusive(A* acc, const T* x, O* y, int64_t w) {
  for (int64_t v = 0; v < w; ++v) {
    acc[v] = Op{}(acc[v], cast_to<A>(x[v]));
    y[v] = cast_to<O>(acc[v]);
  }
}

template <class Op, typename T, typename O, typename A = typename Op::acc_t>
KILN_SIMD_CLONES void step_exclusive(A* acc, const T* x, O* y, int64_t w) {
  for (int64_t v = 0; v < w; ++v) {
    A next = Op{}(acc[v], cast_to<A>(x[v]));
    y[v] = cast_to<O>(acc[v]);
    acc[v] = next;
  }
}

template <class Op, typename T, typename O>
void scan_cols(const T* x, O* y, int64_t pre, int64_t n, int64_t post, Direction d) {
  using A = typename Op::acc_t;
  int64_t ntiles = (post + kTile - 1) / kTile;
  cpu::parallel_for(pre * ntiles, std::max<int64_t>(1, kGrain / (n * std::min(post, kTile))),
                    [&](int64_t s, int64_t e) {
                      auto acc = std::make_unique_for_overwrite<A[]>(kTile);
                      for (int64_t t = s; t < e; ++t) {
                        int64_t p = t / ntiles, c = (t % ntiles) * kTile;
                        int64_t w = std::min(kTile, post - c);
                        std::fill_n(acc.get(), w, Op::init());
                        int64_t i = d.reverse ? n - 1 : 0, step = d.reverse ? -1 : 1;
                        for (int64_t k = 0; k < n; ++k, i += step) {
                          int64_t off = (p * n + i) * post + c;
                          if (d.inclusive) {
                            step_inclusive<Op>(acc.get(), x + off, y + off, w);
                          } else {
                            step_exclusive<Op>(acc.get(), x + off, y + off, w);
                          }
                        }
                      }
                    });
}

template <class Op, typename T, typename O>
void scan(const array& in, array& out, int axis, Direction d) {
  out.allocate();
  if (out.size() == 0) return;
  AxisBlocks b(in, axis, cpu::row_major_copy);
  const T* x = b.src.data<T>();
  O* y = out.data<O>();
  if (b.post == 1) {
    scan_rows<Op>(x, y, b.pre, b.n, d);
  } else {
    scan_cols<Op>(x, y, b.pre, b.n, b.post, d);
  }
}

}  // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Direction d{reverse_, inclusive_};
  if (op_ == Sum && in.dtype() == bool_ && out.dtype() == int32) {
    return scan<red::Sum<red::scan_acc_t<int32_t>>, bool, int32_t>(in, out, axis_, d);
  }
  if (in.dtype() != out.dtype()) {
    throw std::invalid_argument(std::string("[") + name() + "] cannot scan " +
                                dtype_name(in.dtype()) + " into " + dtype_name(out.dtype()));
  }
  dispatch_dtype(in.dtype(), [&]<typename T>(type_tag<T>) {
    using S = red::scan_acc_t<T>;
    using C = red::cmp_t<T>;
    switch (op_) {
      case Sum: return scan<red::Sum<S>, T, T>(in, out, axis_, d);
      case Prod: return scan<red::Prod<S>, T, T>(in, out, axis_, d);
      case Max: return scan<red::Max<C>, T, T>(in, out, axis_, d);
      case Min: return scan<red::Min<C>, T, T>(in, out, axis_, d);
      case LogAddExp:
        if constexpr (std::is_floating_point_v<C> || std::is_same_v<C, complex64_t>) {
          return scan<red::LogAddExp<C>, T, T>(in, out, axis_, d);
        } else {
          throw std::invalid_argument(std::string("[logcumsumexp] not supported for dtype ") +
                                      dtype_name(in.dtype()));
        }
    }
  });
}

}  // namespace kiln
