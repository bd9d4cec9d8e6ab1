// CPU kernels for Unary: dense inputs run linearly over their memory (any order), strided
// inputs row by row into a row-contiguous output.
#include <type_traits>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/tiles.h"
#include "kiln/primitives/elementwise_traits.h"
#include "kiln/primitives/unary.h"

namespace kiln {

namespace {

template <typename Op, typename In, typename Out>
KILN_SIMD_CLONES void unary_dense_simd(const In* in, Out* out, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) out[i] = op(in[i]);
}

template <typename Op, typename In, typename Out>
void unary_dense(const In* in, Out* out, int64_t n) {
  if constexpr (std::is_arithmetic_v<In> && std::is_arithmetic_v<Out>) {
    unary_dense_simd<Op>(in, out, n);
  } else {
    Op op;
    for (int64_t i = 0; i < n; ++i) out[i] = op(in[i]);
  }
}

template <typename Op, typename In>
void unary_kernel(const array& in, array& out) {
  using Out = unary_result_t<Op, In>;
  if (in.flags().contiguous) {
    cpu::set_output_like(in, out);
    const In* src = in.data<In>();
    Out* dst = out.data<Out>();
    cpu::parallel_for(int64_t(in.data_size()), cpu::kElementwiseGrain,
                      [&](int64_t b, int64_t e) { unary_dense<Op>(src + b, dst + b, e - b); });
    return;
  }
  out.allocate();
  if (out.size() == 0) return;
  auto layout = collapse_contiguous_dims(in.shape(), {out.strides(), in.strides()});
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 2> strides{layout.strides[0].data(), layout.strides[1].data()};
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t b, int64_t e) {
                      for_each_row<2>(layout.shape, strides, b, e, [&](auto off, int64_t n, auto st) {
                        Op op;
                        Out* o = dst + off[0];
                        const In* x = src + off[1];
                        for (int64_t i = 0; i < n; ++i) o[i * st[0]] = op(x[i * st[1]]);
                      });
                    });
}

template <typename Op>
void dispatch(const array& in, array& out, UnaryOp op) {
  dispatch_dtype(in.dtype(), [&]<typename T>(type_tag<T>) {
    if constexpr (UnaryAccepts<Op, T>) {
      unary_kernel<Op, T>(in, out);
    } else {
      throw std::invalid_argument(std::string("[") + unary_op_name(op) +
                                  "] not supported for dtype " + dtype_name(in.dtype()));
    }
  });
}

template <typename Op>
cpu::UnaryTile tile_of(UnaryOp op, Dtype in) {
  return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> cpu::UnaryTile {
    if constexpr (UnaryAccepts<Op, T>) {
      return [](const void* x, void* o, int64_t n) {
        unary_dense<Op>(static_cast<const T*>(x), static_cast<unary_result_t<Op, T>*>(o), n);
      };
    } else {
      throw std::invalid_argument(std::string("[") + unary_op_name(op) +
                                  "] not supported for dtype " + dtype_name(in));
    }
  });
}

}  // namespace

cpu::UnaryTile cpu::unary_tile(UnaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) \
  case UnaryOp::name: return tile_of<ew::name>(op, in);
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  throw std::logic_error("unary_tile: corrupt op");
}

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (op_) {
#define KILN_CASE(name) \
  case UnaryOp::name: return dispatch<ew::name>(inputs[0], out, op_);
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
}

}  // namespace kiln
