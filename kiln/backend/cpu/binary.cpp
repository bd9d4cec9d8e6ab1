// CPU kernels for Binary and Select. Broadcasting happens here: operands are read with
// stride 0 along broadcast dimensions, so `x + 1` needs no broadcast copy.
#include <type_traits>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/tiles.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/elementwise_traits.h"

namespace kiln {

namespace {

// Dense loops; sa/sb are 1 for a vector operand and 0 for a scalar one.
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_vv_simd(const T* a, const T* b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], b[i]);
}
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_sv_simd(T a, const T* b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) o[i] = op(a, b[i]);
}
template <typename Op, typename T, typename Out>
KILN_SIMD_CLONES void binary_vs_simd(const T* a, T b, Out* o, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], b);
}

template <typename Op, typename T, typename Out>
void binary_dense(const T* a, int64_t sa, const T* b, int64_t sb, Out* o, int64_t n) {
  constexpr bool simd = std::is_arithmetic_v<T> && std::is_arithmetic_v<Out>;
  if constexpr (simd) {
    if (sa && sb) return binary_vv_simd<Op>(a, b, o, n);
    if (sb) return binary_sv_simd<Op>(*a, b, o, n);
    if (sa) return binary_vs_simd<Op>(a, *b, o, n);
  }
  Op op;
  for (int64_t i = 0; i < n; ++i) o[i] = op(a[i * sa], b[i * sb]);
}

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
  auto run_dense = [&](int64_t sa, int64_t sb, int64_t n) {
    Out* po = out.data<Out>();
    cpu::parallel_for(n, cpu::kElementwiseGrain, [&](int64_t s, int64_t e) {
      binary_dense<Op>(pa + s * sa, sa, pb + s * sb, sb, po + s, e - s);
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
                        if (st[0] == 1 && (st[1] == 0 || st[1] == 1) && (st[2] == 0 || st[2] == 1)) {
                          binary_dense<Op>(pa + off[1], st[1], pb + off[2], st[2], po + off[0], n);
                          return;
                        }
                        Op op;
                        for (int64_t i = 0; i < n; ++i) {
                          po[off[0] + i * st[0]] = op(pa[off[1] + i * st[1]], pb[off[2] + i * st[2]]);
                        }
                      });
                    });
}

template <typename Op>
void dispatch(const array& a, const array& b, array& out, BinaryOp op) {
  dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    if constexpr (BinaryAccepts<Op, T>) {
      binary_kernel<Op, T>(a, b, out);
    } else {
      throw std::invalid_argument(std::string("[") + binary_op_name(op) +
                                  "] not supported for dtype " + dtype_name(a.dtype()));
    }
  });
}

template <typename T>
void select_kernel(const array& c, const array& x, const array& y, array& out) {
  out.allocate();
  if (out.size() == 0) return;
  auto layout = collapse_contiguous_dims(
      out.shape(), {out.strides(), broadcast_strides(c, out.shape()),
                    broadcast_strides(x, out.shape()), broadcast_strides(y, out.shape())});
  const bool* pc = c.data<bool>();
  const T* px = x.data<T>();
  const T* py = y.data<T>();
  T* po = out.data<T>();
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 4> strides{layout.strides[0].data(), layout.strides[1].data(),
                                        layout.strides[2].data(), layout.strides[3].data()};
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t s, int64_t e) {
                      for_each_row<4>(layout.shape, strides, s, e, [&](auto off, int64_t n, auto st) {
                        for (int64_t i = 0; i < n; ++i) {
                          po[off[0] + i * st[0]] = pc[off[1] + i * st[1]] ? px[off[2] + i * st[2]]
                                                                          : py[off[3] + i * st[3]];
                        }
                      });
                    });
}

template <typename Op>
cpu::BinaryTile tile_of(BinaryOp op, Dtype in) {
  return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> cpu::BinaryTile {
    if constexpr (BinaryAccepts<Op, T>) {
      return [](const void* a, int64_t sa, const void* b, int64_t sb, void* o, int64_t n) {
        binary_dense<Op>(static_cast<const T*>(a), sa, static_cast<const T*>(b), sb,
                         static_cast<binary_result_t<Op, T>*>(o), n);
      };
    } else {
      throw std::invalid_argument(std::string("[") + binary_op_name(op) +
                                  "] not supported for dtype " + dtype_name(in));
    }
  });
}

// Element bits of one size: select copies values without looking at them.
template <typename U>
void select_tile_bits(const bool* c, int64_t sc, const void* x, int64_t sx, const void* y,
                      int64_t sy, void* out, int64_t n) {
  const U* px = static_cast<const U*>(x);
  const U* py = static_cast<const U*>(y);
  U* po = static_cast<U*>(out);
  for (int64_t i = 0; i < n; ++i) po[i] = c[i * sc] ? px[i * sx] : py[i * sy];
}

}  // namespace

cpu::BinaryTile cpu::binary_tile(BinaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) \
  case BinaryOp::name: return tile_of<ew::name>(op, in);
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  throw std::logic_error("binary_tile: corrupt op");
}

cpu::SelectTile cpu::select_tile(Dtype dtype) {
  switch (dtype.size) {
    case 1: return select_tile_bits<uint8_t>;
    case 2: return select_tile_bits<uint16_t>;
    case 4: return select_tile_bits<uint32_t>;
    case 8: return select_tile_bits<uint64_t>;
  }
  throw std::logic_error("select_tile: unexpected element size");
}

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (op_) {
#define KILN_CASE(name) \
  case BinaryOp::name: return dispatch<ew::name>(inputs[0], inputs[1], out, op_);
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
}

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    select_kernel<T>(inputs[0], inputs[1], inputs[2], out);
  });
}

}  // namespace kiln
