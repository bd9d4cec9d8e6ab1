#include "kiln/backend/cpu/copy.h"

#include <algorithm>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "kiln/types/cast.h"
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/half_convert.h"
#include "kiln/backend/cpu/tiles.h"

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

// ---- transposing copies ----
// When the destination's dense axis `a` is not the source's dense axis `b`, going row by row
// reads one element per cache line. Instead the (a, b) planes are copied in square tiles
// that stay in L1, tiles spread over threads; same-dtype tiles move raw bits in small blocks
// transposed in registers.

constexpr int64_t kTile = 32;

std::optional<std::pair<int, int>> transposed_axes(const CollapsedLayout& l) {
  int a = -1, b = -1;
  for (int d = 0; d < int(l.shape.size()); ++d) {
    if (l.strides[0][d] == 1 && l.shape[d] >= 8) a = d;
    if (l.strides[1][d] == 1 && l.shape[d] >= 8) b = d;
  }
  if (a < 0 || b < 0 || a == b) return std::nullopt;
  return std::pair{a, b};
}

// Calls f(dst, src, na, nb) for each tile: element (i, j) of the tile (i along a, j along b)
// is read at src[i * (source stride of a) + j] and written at dst[j * (dest stride of b) + i].
template <typename In, typename Out, typename F>
void for_each_tile(const In* src, Out* dst, const CollapsedLayout& l, int a, int b, F&& f) {
  Shape rest;
  Strides rest_d, rest_s;
  for (int d = 0; d < int(l.shape.size()); ++d) {
    if (d == a || d == b) continue;
    rest.push_back(l.shape[d]);
    rest_d.push_back(l.strides[0][d]);
    rest_s.push_back(l.strides[1][d]);
  }
  int64_t na = l.shape[a], nb = l.shape[b];
  int64_t ta = (na + kTile - 1) / kTile, tb = (nb + kTile - 1) / kTile;
  int64_t dst_b = l.strides[0][b], src_a = l.strides[1][a];
  int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kTile * kTile));
  parallel_for(shape_size(rest) * ta * tb, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t batch = t / (ta * tb), ia = (t % ta) * kTile, ib = (t / ta % tb) * kTile;
      int64_t doff = ia + ib * dst_b, soff = ia * src_a + ib;
      for (int d = int(rest.size()) - 1; d >= 0; --d) {
        int64_t i = batch % rest[d];
        batch /= rest[d];
        doff += i * rest_d[d];
        soff += i * rest_s[d];
      }
      f(dst + doff, src + soff, std::min(kTile, na - ia), std::min(kTile, nb - ib), dst_b,
        src_a);
    }
  });
}

// A K x K block, K = 16 bytes / item size: src rows are K apart by `ss`, dst rows by `ds`.
template <typename U>
inline void transpose_block(const U* src, int64_t ss, U* dst, int64_t ds) {
  constexpr int K = 16 / sizeof(U);
#if defined(__SSE2__)
  if constexpr (sizeof(U) == 4) {
    __m128 r0 = _mm_loadu_ps(reinterpret_cast<const float*>(src));
    __m128 r1 = _mm_loadu_ps(reinterpret_cast<const float*>(src + ss));
    __m128 r2 = _mm_loadu_ps(reinterpret_cast<const float*>(src + 2 * ss));
    __m128 r3 = _mm_loadu_ps(reinterpret_cast<const float*>(src + 3 * ss));
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(reinterpret_cast<float*>(dst), r0);
    _mm_storeu_ps(reinterpret_cast<float*>(dst + ds), r1);
    _mm_storeu_ps(reinterpret_cast<float*>(dst + 2 * ds), r2);
    _mm_storeu_ps(reinterpret_cast<float*>(dst + 3 * ds), r3);
    return;
  } else if constexpr (sizeof(U) == 2) {
    // Three rounds of interleaving: 16-bit pairs, then 32-bit, then 64-bit halves.
    __m128i r[8], t[8], u[8];
    for (int i = 0; i < 8; ++i) {
      r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i * ss));
    }
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm_unpacklo_epi16(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm_unpackhi_epi16(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; ++h) {    // rows 0-3, rows 4-7
      for (int q = 0; q < 2; ++q) {  // columns 0-3, columns 4-7
        u[4 * h + 2 * q] = _mm_unpacklo_epi32(t[4 * h + q], t[4 * h + q + 2]);
        u[4 * h + 2 * q + 1] = _mm_unpackhi_epi32(t[4 * h + q], t[4 * h + q + 2]);
      }
    }
    for (int c = 0; c < 4; ++c) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * c * ds),
                       _mm_unpacklo_epi64(u[c], u[c + 4]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (2 * c + 1) * ds),
                       _mm_unpackhi_epi64(u[c], u[c + 4]));
    }
    return;
  } else if constexpr (sizeof(U) == 8) {
    __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + ss));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi64(r0, r1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + ds), _mm_unpackhi_epi64(r0, r1));
    return;
  }
#endif
  U tmp[K][K];
  for (int r = 0; r < K; ++r) {
    for (int c = 0; c < K; ++c) tmp[c][r] = src[r * ss + c];
  }
  for (int c = 0; c < K; ++c) std::memcpy(dst + c * ds, tmp[c], sizeof(tmp[c]));
}

template <typename U>
void transpose_bits(const U* src, U* dst, const CollapsedLayout& l, int a, int b) {
  constexpr int64_t K = 16 / sizeof(U);
  for_each_tile(src, dst, l, a, b, [](U* o, const U* x, int64_t na, int64_t nb, int64_t ds,
                                      int64_t ss) {
    int64_t i = 0;
    for (; i + K <= na; i += K) {
      int64_t j = 0;
      for (; j + K <= nb; j += K) transpose_block(x + i * ss + j, ss, o + j * ds + i, ds);
      for (; j < nb; ++j) {
        for (int64_t r = i; r < i + K; ++r) o[j * ds + r] = x[r * ss + j];
      }
    }
    for (; i < na; ++i) {
      for (int64_t j = 0; j < nb; ++j) o[j * ds + i] = x[i * ss + j];
    }
  });
}

template <typename In, typename Out>
void transpose_cast(const In* src, Out* dst, const CollapsedLayout& l, int a, int b) {
  for_each_tile(src, dst, l, a, b, [](Out* o, const In* x, int64_t na, int64_t nb, int64_t ds,
                                      int64_t ss) {
    for (int64_t j = 0; j < nb; ++j) {
      for (int64_t i = 0; i < na; ++i) o[j * ds + i] = cast_to<Out>(x[i * ss + j]);
    }
  });
}

// ---- general copies, row by row ----

template <typename In, typename Out>
void copy_rows(const In* src, Out* dst, const CollapsedLayout& layout) {
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

CastTile cast_tile(Dtype in, Dtype out) {
  return dispatch_dtype(in, [&]<typename In>(type_tag<In>) {
    return dispatch_dtype(out, [&]<typename Out>(type_tag<Out>) -> CastTile {
      return [](const void* x, void* o, int64_t n) {
        cast_dense(static_cast<const In*>(x), static_cast<Out*>(o), n);
      };
    });
  });
}

void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides,
                  int64_t dst_offset) {
  if (shape_size(shape) == 0) return;
  auto layout = collapse_contiguous_dims(shape, {dst_strides, src_strides});
  auto ab = transposed_axes(layout);
  if (ab && src.dtype() == dst.dtype()) {
    auto bits = [&]<typename U>(type_tag<U>) {
      transpose_bits(src.data<U>() + src_offset, dst.data<U>() + dst_offset, layout, ab->first,
                     ab->second);
    };
    switch (src.itemsize()) {
      case 1: return bits(type_tag<uint8_t>{});
      case 2: return bits(type_tag<uint16_t>{});
      case 4: return bits(type_tag<uint32_t>{});
      case 8: return bits(type_tag<uint64_t>{});
    }
  }
  dispatch_dtype(src.dtype(), [&]<typename In>(type_tag<In>) {
    dispatch_dtype(dst.dtype(), [&]<typename Out>(type_tag<Out>) {
      const In* x = src.data<In>() + src_offset;
      Out* o = dst.data<Out>() + dst_offset;
      if (ab) return transpose_cast(x, o, layout, ab->first, ab->second);
      copy_rows(x, o, layout);
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

array row_major_copy(const array& in) {
  array tmp(in.shape(), in.dtype(), nullptr, {});
  copy_to_new(in, tmp, /*row_major=*/true);
  return tmp;
}

}  // namespace kiln::cpu
