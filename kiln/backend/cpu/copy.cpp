#include "kiln/backend/cpu/copy.h"

#include <cstring>

#include "kiln/types/cast.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/half_convert.h"

namespace kiln::cpu {

namespace {

template <typename In, typename Out>
void cast_dense(const In* in, Out* out, int64_t n) {
  if constexpr (std::is_same_v<In, Out>) {
    std::memcpy(out, in, size_t(n) * sizeof(In));
  } else if constexpr (std::is_same_v<In, float> && is_half_type<Out>::value) {
    from_float(in, out, n);  // vectorized (F16C / AVX-512 where present)
  } else if constexpr (is_half_type<In>::value && std::is_same_v<Out, float>) {
    to_float(in, out, n);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = cast_to<Out>(in[i]);
  }
}

template <typename In, typename Out>
void copy_typed(const In* src, const Shape& shape, const Strides& ss, Out* dst,
                const Strides& ds) {
  auto layout = collapse_contiguous_dims(shape, {ds, ss});
  int64_t rows = row_count(layout.shape), cols = layout.shape.back();
  std::array<const int64_t*, 2> strides{layout.strides[0].data(), layout.strides[1].data()};
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / cols), [&](int64_t b, int64_t e) {
    for_each_row<2>(layout.shape, strides, b, e, [&](auto off, int64_t n, auto st) {
      Out* o = dst + off[0];
      const In* x = src + off[1];
      if (st[0] == 1 && st[1] == 1) return cast_dense(x, o, n);
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = cast_to<Out>(x[i * st[1]]);
    });
  });
}

}  // namespace

void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides,
                  int64_t dst_offset) {
  if (shape_size(shape) == 0) return;
  dispatch_dtype(src.dtype(), [&]<typename In>(type_tag<In>) {
    dispatch_dtype(dst.dtype(), [&]<typename Out>(type_tag<Out>) {
      copy_typed(src.data<In>() + src_offset, shape, src_strides, dst.data<Out>() + dst_offset,
                 dst_strides);
    });
  });
}

void copy_to_new(const array& src, array& dst, bool row_major) {
  if (src.flags().contiguous && (!row_major || src.flags().row_contiguous)) {
    set_output_like(src, dst);
    if (dst.data_shared_ptr() == src.data_shared_ptr() && dst.dtype() == src.dtype()) return;
    int64_t n = int64_t(src.data_size());
    dispatch_dtype(src.dtype(), [&]<typename In>(type_tag<In>) {
      dispatch_dtype(dst.dtype(), [&]<typename Out>(type_tag<Out>) {
        const In* in = src.data<In>();
        Out* out = dst.data<Out>();
        parallel_for(n, kElementwiseGrain,
                     [&](int64_t b, int64_t e) { cast_dense(in + b, out + b, e - b); });
      });
    });
    return;
  }
  dst.allocate();
  copy_general(src, src.shape(), src.strides(), 0, dst, dst.strides(), 0);
}

}  // namespace kiln::cpu
