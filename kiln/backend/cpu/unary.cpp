// CPU kernels for Unary: dense inputs run linearly over their memory (any order), strided
// inputs row by row into a row-contiguous output. Dense float loops vectorize, the libm
// functions included (kiln/types/vector_math.h); float16/bfloat16 run through the float loop
// in blocks.
#include <algorithm>
#include <type_traits>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/half_convert.h"
#include "kiln/backend/cpu/tiles.h"
#include "kiln/primitives/elementwise_traits.h"
#include "kiln/primitives/unary.h"

namespace kiln {

namespace {

template <typename Op, typename In, typename Out>
KILN_SIMD_CLONES void unary_dense_simd(const In* in, Out* out, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) cpu::simd_store(out, i, op(cpu::simd_load(in, i)));
}

// float sin, cos and tan: the vector formula covers |x| < 2^23. The block runs it on every
// element and reports whether any element was out of its range.
template <typename Op> struct RangedCore { static constexpr bool value = false; };
template <> struct RangedCore<ew::Sin> {
  static constexpr bool value = true;
  static float core(float x) { return vmath::sin_core(x); }
};
template <> struct RangedCore<ew::Cos> {
  static constexpr bool value = true;
  static float core(float x) { return vmath::cos_core(x); }
};
template <> struct RangedCore<ew::Tan> {
  static constexpr bool value = true;
  static float core(float x) { return vmath::tan_core(x); }
};

template <typename Op>
KILN_SIMD_CLONES int ranged_simd(const float* in, float* out, int64_t n) {
  int outside = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = RangedCore<Op>::core(in[i]);
    outside |= int(!vmath::sincos_in_range(in[i]));
  }
  return outside;
}

template <typename Op, typename In, typename Out>
void unary_dense(const In* in, Out* out, int64_t n) {
  if constexpr (is_half_type<In>::value) {
    // Convert a block to float, run the float loop, convert back (or write bools directly).
    using F = unary_result_t<Op, float>;
    static_assert(std::is_same_v<Out, In> || std::is_same_v<Out, F>);
    float buf[cpu::kBufferBlock];
    F res[cpu::kBufferBlock];
    for (int64_t b = 0; b < n; b += cpu::kBufferBlock) {
      int64_t m = std::min(cpu::kBufferBlock, n - b);
      cpu::to_float(in + b, buf, m);
      if constexpr (std::is_same_v<Out, F>) {
        unary_dense<Op>(buf, out + b, m);
      } else {
        unary_dense<Op>(buf, res, m);
        cpu::from_float(res, out + b, m);
      }
    }
  } else if constexpr (std::is_same_v<In, float> && RangedCore<Op>::value) {
    // Through a buffer: `out` may be `in` (donated), and the fix-up pass reads `in`.
    float buf[cpu::kBufferBlock];
    Op op;
    for (int64_t b = 0; b < n; b += cpu::kBufferBlock) {
      int64_t m = std::min(cpu::kBufferBlock, n - b);
      if (ranged_simd<Op>(in + b, buf, m)) {
        for (int64_t i = 0; i < m; ++i) {
          if (!vmath::sincos_in_range(in[b + i])) buf[i] = op(in[b + i]);
        }
      }
      std::copy(buf, buf + m, out + b);
    }
  } else if constexpr (std::is_arithmetic_v<In> && std::is_arithmetic_v<Out>) {
    unary_dense_simd<Op>(in, out, n);
  } else {
    Op op;
    for (int64_t i = 0; i < n; ++i) out[i] = op(in[i]);
  }
}

// Ops cheap enough that a large dense loop runs at memory speed (see cpu::use_streaming).
template <typename Op>
constexpr bool kCheap = cpu::is_one_of<Op, ew::Abs, ew::Negative, ew::Sign, ew::Square, ew::Sqrt,
                                  ew::Rsqrt, ew::Reciprocal, ew::Floor, ew::Ceil, ew::Trunc,
                                  ew::Round, ew::Conjugate, ew::Real, ew::Imag, ew::LogicalNot,
                                  ew::BitwiseInvert, ew::IsNan, ew::IsInf, ew::IsFinite,
                                  ew::IsPosInf, ew::IsNegInf>;

template <typename Op, typename In>
void unary_kernel(const array& in, array& out) {
  using Out = unary_result_t<Op, In>;
  bool stream = false;
  auto dense = [&](const In* x, Out* o, int64_t n) {
    if constexpr (kCheap<Op>) {
      if (stream) {
        auto fill = [&](int64_t i, int64_t m, Out* d) { unary_dense<Op>(x + i, d, m); };
        return cpu::write_streamed(o, n, fill);
      }
    }
    unary_dense<Op>(x, o, n);
  };
  if (in.flags().contiguous) {
    cpu::set_output_like(in, out);
    stream = kCheap<Op> && cpu::use_streaming(out, {&in});
    const In* src = in.data<In>();
    Out* dst = out.data<Out>();
    cpu::parallel_for(int64_t(in.data_size()), cpu::kElementwiseGrain,
                      [&](int64_t b, int64_t e) { dense(src + b, dst + b, e - b); });
    return;
  }
  out.allocate();
  if (out.size() == 0) return;
  stream = kCheap<Op> && cpu::use_streaming(out, {&in});
  auto layout = collapse_contiguous_dims(in.shape(), {out.strides(), in.strides()});
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 2> strides{layout.strides[0].data(), layout.strides[1].data()};
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t b, int64_t e) {
                      for_each_row<2>(layout.shape, strides, b, e, [&](auto off, int64_t n, auto st) {
                        Out* o = dst + off[0];
                        const In* x = src + off[1];
                        if (st[0] == 1 && st[1] == 1) return dense(x, o, n);
                        Op op;
                        for (int64_t i = 0; i < n; ++i) o[i * st[0]] = op(x[i * st[1]]);
                      });
                    });
}

}  // namespace

cpu::UnaryTile cpu::unary_tile(UnaryOp op, Dtype in) {
  return dispatch_op<UnaryTile>(op, in, []<typename Op, typename T>(type_tag<Op>, type_tag<T>) {
    return UnaryTile([](const void* x, void* o, int64_t n) {
      unary_dense<Op>(static_cast<const T*>(x), static_cast<unary_result_t<Op, T>*>(o), n);
    });
  });
}

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto kernel = [&]<typename Op, typename T>(type_tag<Op>, type_tag<T>) {
    unary_kernel<Op, T>(inputs[0], out);
  };
  dispatch_op<void>(op_, inputs[0].dtype(), kernel);
}

}  // namespace kiln
