// CPU kernels for Binary and Select. Broadcasting happens here: operands are read with
// stride 0 along broadcast dimensions, so `x + 1` needs no broadcast copy. float16/bfloat16
// run through the float loops in blocks.
#include <type_traits>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/half_convert.h"
#include "kiln/backend/cpu/tiles.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/elementwise_traits.h"

namespace kiln {

namespace {

// Dense loops; sa/sb are 1 for a vector operand and 0 for a scalar one.
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_vv_simd(const T* a, const T* b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) {
    cpu::simd_store(o, i, op(T(cpu::simd_load(a, i)), T(cpu::simd_load(b, i))));
  }
}
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_sv_simd(T a, const T* b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) cpu::simd_store(o, i, op(a, T(cpu::simd_load(b, i))));
}
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_vs_simd(const T* a, T b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) cpu::simd_store(o, i, op(T(cpu::simd_load(a, i)), b));
}

template <typename Op, typename T, typename Out>
void binary_dense(const T* a, int64_t sa, const T* b, int64_t sb, Out* o, int64_t n) {
  constexpr bool simd = std::is_arithmetic_v<T> && std::is_arithmetic_v<Out>;
  if constexpr (is_half_type<T>::value) {
    // Convert blocks of the vector operands to float, run the float loop, convert back (or
    // write bools directly).
    using F = binary_result_t<Op, float>;
    static_assert(std::is_same_v<Out, T> || std::is_same_v<Out, F>);
    float fa[cpu::kBufferBlock], fb[cpu::kBufferBlock];
    F res[cpu::kBufferBlock];
    if (!sa) fa[0] = float(*a);
    if (!sb) fb[0] = float(*b);
    for (int64_t i = 0; i < n; i += cpu::kBufferBlock) {
      int64_t m = std::min(cpu::kBufferBlock, n - i);
      if (sa) cpu::to_float(a + i, fa, m);
      if (sb) cpu::to_float(b + i, fb, m);
      if constexpr (std::is_same_v<Out, F>) {
        binary_dense<Op>(fa, sa, fb, sb, o + i, m);
      } else {
        binary_dense<Op>(fa, sa, fb, sb, res, m);
        cpu::from_float(res, o + i, m);
      }
    }
    return;
  } else if constexpr (simd) {
    if (sa && sb) return binary_vv_simd<Op>(a, b, o, n);
    if (sb) return binary_sv_simd<Op>(*a, b, o, n);
    if (sa) return binary_vs_simd<Op>(a, *b, o, n);
  }
  Op op;
  for (int64_t i = 0; i < n; ++i) o[i] = op(a[i * sa], b[i * sb]);
}

// Ops cheap enough that a large dense loop runs at memory speed (see cpu::use_streaming).
template <typename Op>
constexpr bool kCheap =
    !cpu::is_one_of<Op, ew::Power, ew::LogAddExp, ew::ArcTan2, ew::FloorDivide, ew::Remainder>;

// True when x can be read linearly alongside an output laid out like `like`.
bool same_dense_layout(const array& x, const array& like) {
  return x.flags().contiguous && x.shape() == like.shape() && x.strides() == like.strides() &&
         x.data_size() == size_t(x.size());
}

template <typename Op, typename T>
void binary_kernel(const array& a, const array& b, array& out) {
  using Out = binary_result_t<Op, T>;
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  bool stream = false;  // decided once out has memory
  auto dense = [&](const T* x, int64_t sx, const T* y, int64_t sy, Out* o, int64_t n) {
    if constexpr (kCheap<Op>) {
      if (stream) {
        return cpu::write_streamed(o, n, [&](int64_t i, int64_t m, Out* d) {
          binary_dense<Op>(x + i * sx, sx, y + i * sy, sy, d, m);
        });
      }
    }
    binary_dense<Op>(x, sx, y, sy, o, n);
  };
  auto run_dense = [&](int64_t sa, int64_t sb, int64_t n) {
    stream = kCheap<Op> && cpu::use_streaming(out, {&a, &b});
    Out* po = out.data<Out>();
    cpu::parallel_for(n, cpu::kElementwiseGrain, [&](int64_t s, int64_t e) {
      dense(pa + s * sa, sa, pb + s * sb, sb, po + s, e - s);
    });
  };
  bool a_scalar = a.data_size() == 1, b_scalar = b.data_size() == 1;
  // Fast paths: dense operands sharing a layout, or a dense operand and a scalar.
  if (a.shape() == b.shape() && same_dense_layout(a, b)) {
    cpu::set_output_like(a.is_donatable() ? a : b, out);
    return run_dense(1, 1, int64_t(a.data_size()));
  }
  if (a_scalar && b.shape() == out.shape() && b.flags().contiguous) {
    cpu::set_output_like(b, out);
    return run_dense(0, 1, int64_t(b.data_size()));
  }
  if (b_scalar && a.shape() == out.shape() && a.flags().contiguous) {
    cpu::set_output_like(a, out);
    return run_dense(1, 0, int64_t(a.data_size()));
  }
  // General: row-contiguous output, operands read through broadcast strides.
  out.allocate();
  if (out.size() == 0) return;
  stream = kCheap<Op> && cpu::use_streaming(out, {&a, &b});
  auto layout = collapse_contiguous_dims(
      out.shape(),
      {out.strides(), broadcast_strides(a, out.shape()), broadcast_strides(b, out.shape())});
  Out* po = out.data<Out>();
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 3> strides{layout.strides[0].data(), layout.strides[1].data(),
                                        layout.strides[2].data()};
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t s, int64_t e) {
                      for_each_row<3>(layout.shape, strides, s, e, [&](auto off, int64_t n, auto st) {
                        auto unit = [](int64_t st) { return st == 0 || st == 1; };
                        if (st[0] == 1 && unit(st[1]) && unit(st[2])) {
                          dense(pa + off[1], st[1], pb + off[2], st[2], po + off[0], n);
                          return;
                        }
                        Op op;
                        for (int64_t i = 0; i < n; ++i) {
                          po[off[0] + i * st[0]] = op(pa[off[1] + i * st[1]], pb[off[2] + i * st[2]]);
                        }
                      });
                    });
}

// where: elements are copied as raw bits of their size, so one kernel serves all dtypes of
// that size. SC/SX/SY are 1 for a vector operand and 0 for a broadcast scalar.
// Both operands are read and blended with a mask: a conditional read would be compiled as a
// branch, which random conditions mispredict. The condition is read as bytes (0 or 1): the
// vectorizer does not convert from bool.
template <int SC, int SX, int SY, typename T>
KILN_SIMD_CLONES void select_dense_simd(const uint8_t* c, const T* x, const T* y, T* o,
                                        int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    T mask = T(0) - T(c[i * SC]);
    o[i] = (x[i * SX] & mask) | (y[i * SY] & ~mask);
  }
}

template <typename T>
void select_dense(const bool* cond, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy,
                  T* o, int64_t n) {
  const uint8_t* c = reinterpret_cast<const uint8_t*>(cond);
  switch (sc * 4 + sx * 2 + sy) {
    case 0: return select_dense_simd<0, 0, 0>(c, x, y, o, n);
    case 1: return select_dense_simd<0, 0, 1>(c, x, y, o, n);
    case 2: return select_dense_simd<0, 1, 0>(c, x, y, o, n);
    case 3: return select_dense_simd<0, 1, 1>(c, x, y, o, n);
    case 4: return select_dense_simd<1, 0, 0>(c, x, y, o, n);
    case 5: return select_dense_simd<1, 0, 1>(c, x, y, o, n);
    case 6: return select_dense_simd<1, 1, 0>(c, x, y, o, n);
    default: return select_dense_simd<1, 1, 1>(c, x, y, o, n);
  }
}

template <typename T>
void select_kernel(const array& c, const array& x, const array& y, array& out) {
  const bool* pc = c.data<bool>();
  const T* px = x.data<T>();
  const T* py = y.data<T>();
  bool stream = false;  // decided once out has memory
  auto dense = [&](const bool* c, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy,
                   T* o, int64_t n) {
    if (!stream) return select_dense<T>(c, sc, x, sx, y, sy, o, n);
    cpu::write_streamed(o, n, [&](int64_t i, int64_t m, T* d) {
      select_dense<T>(c + i * sc, sc, x + i * sx, sx, y + i * sy, sy, d, m);
    });
  };
  // Fast path: all three dense with the output's shape and one layout.
  if (c.shape() == out.shape() && x.shape() == out.shape() && y.shape() == out.shape() &&
      same_dense_layout(x, c) && same_dense_layout(y, c)) {
    cpu::set_output_like(x.is_donatable() ? x : y, out);
    stream = cpu::use_streaming(out, {&x, &y});
    T* po = out.data<T>();
    cpu::parallel_for(int64_t(c.data_size()), cpu::kElementwiseGrain, [&](int64_t s, int64_t e) {
      dense(pc + s, 1, px + s, 1, py + s, 1, po + s, e - s);
    });
    return;
  }
  out.allocate();
  if (out.size() == 0) return;
  stream = cpu::use_streaming(out, {});
  auto layout = collapse_contiguous_dims(
      out.shape(), {out.strides(), broadcast_strides(c, out.shape()),
                    broadcast_strides(x, out.shape()), broadcast_strides(y, out.shape())});
  T* po = out.data<T>();
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 4> strides{layout.strides[0].data(), layout.strides[1].data(),
                                        layout.strides[2].data(), layout.strides[3].data()};
  auto unit = [](int64_t st) { return st == 0 || st == 1; };
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t s, int64_t e) {
                      for_each_row<4>(layout.shape, strides, s, e, [&](auto off, int64_t n, auto st) {
                        if (st[0] == 1 && unit(st[1]) && unit(st[2]) && unit(st[3])) {
                          return dense(pc + off[1], st[1], px + off[2], st[2], py + off[3],
                                       st[3], po + off[0], n);
                        }
                        for (int64_t i = 0; i < n; ++i) {
                          po[off[0] + i * st[0]] = pc[off[1] + i * st[1]] ? px[off[2] + i * st[2]]
                                                                          : py[off[3] + i * st[3]];
                        }
                      });
                    });
}

// The where loop over elements of one size, as compile's tiles call it.
template <typename U>
void select_tile_bits(const bool* c, int64_t sc, const void* x, int64_t sx, const void* y,
                      int64_t sy, void* out, int64_t n) {
  select_dense<U>(c, sc, static_cast<const U*>(x), sx, static_cast<const U*>(y), sy,
                  static_cast<U*>(out), n);
}

}  // namespace

cpu::BinaryTile cpu::binary_tile(BinaryOp op, Dtype in) {
  return dispatch_op<BinaryTile>(op, in, []<typename Op, typename T>(type_tag<Op>, type_tag<T>) {
    return BinaryTile(
        [](const void* a, int64_t sa, const void* b, int64_t sb, void* o, int64_t n) {
          binary_dense<Op>(static_cast<const T*>(a), sa, static_cast<const T*>(b), sb,
                           static_cast<binary_result_t<Op, T>*>(o), n);
        });
  });
}

cpu::SelectTile cpu::select_tile(Dtype dtype) {
  return dispatch_bits(dtype.size, []<typename U>(type_tag<U>) -> SelectTile {
    return select_tile_bits<U>;
  });
}

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto kernel = [&]<typename Op, typename T>(type_tag<Op>, type_tag<T>) {
    binary_kernel<Op, T>(inputs[0], inputs[1], out);
  };
  dispatch_op<void>(op_, inputs[0].dtype(), kernel);
}

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_bits(out.itemsize(), [&]<typename U>(type_tag<U>) {
    select_kernel<U>(inputs[0], inputs[1], inputs[2], out);
  });
}

}  // namespace kiln
