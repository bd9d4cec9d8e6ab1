// Pieces shared by the CPU gather and scatter kernels: dispatch on index types and element
// sizes, reading index values with bounds checks, and walking strided index arrays.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "kiln/array.h"
#include "kiln/backend/common/strided.h"

namespace kiln::cpu {

// Calls f(type_tag<I>{}) with the C++ type of an integer dtype.
template <typename F>
decltype(auto) dispatch_index(Dtype d, F&& f) {
  switch (d.val) {
    case Dtype::Val::uint8: return f(type_tag<uint8_t>{});
    case Dtype::Val::uint16: return f(type_tag<uint16_t>{});
    case Dtype::Val::uint32: return f(type_tag<uint32_t>{});
    case Dtype::Val::uint64: return f(type_tag<uint64_t>{});
    case Dtype::Val::int8: return f(type_tag<int8_t>{});
    case Dtype::Val::int16: return f(type_tag<int16_t>{});
    case Dtype::Val::int32: return f(type_tag<int32_t>{});
    case Dtype::Val::int64: return f(type_tag<int64_t>{});
    default: break;
  }
  throw std::invalid_argument(std::string("indices must be integers, got ") + dtype_name(d));
}

// Gathers and plain scatters only move elements: one instantiation per element size.
template <typename F>
decltype(auto) dispatch_size(size_t size, F&& f) {
  switch (size) {
    case 1: return f(type_tag<uint8_t>{});
    case 2: return f(type_tag<uint16_t>{});
    case 4: return f(type_tag<uint32_t>{});
    case 8: return f(type_tag<uint64_t>{});
  }
  throw std::logic_error("dispatch_size: unexpected element size " + std::to_string(size));
}

[[noreturn]] void throw_index_error(const char* op, const std::string& value, int axis,
                                    int64_t size);

// The position an index value names on an axis of `size` elements (negative values count
// from the end), which must lie in [0, limit]; limit is size - 1 for single elements and
// size - extent for slices of `extent` elements.
template <typename I>
inline int64_t checked_index(I v, int64_t size, int64_t limit, const char* op, int axis) {
  if constexpr (std::is_unsigned_v<I>) {
    if (limit < 0 || uint64_t(v) > uint64_t(limit)) {
      throw_index_error(op, std::to_string(v), axis, size);
    }
    return int64_t(v);
  } else {
    int64_t x = int64_t(v) < 0 ? int64_t(v) + size : int64_t(v);
    if (x < 0 || x > limit) throw_index_error(op, std::to_string(int64_t(v)), axis, size);
    return x;
  }
}

// Calls f(k, offset) for the positions b + k in [b, e) of a row-major walk over `shape`,
// where offset is the position's element offset under `strides`.
template <typename F>
void walk_offsets(const Shape& shape, const Strides& strides, int64_t b, int64_t e, F&& f) {
  int nd = int(shape.size());
  if (b >= e) return;
  if (nd == 0) return f(int64_t(0), int64_t(0));
  std::vector<int64_t> idx(nd);
  int64_t off = 0, r = b;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = r % shape[d];
    r /= shape[d];
    off += idx[d] * strides[d];
  }
  const int64_t inner = shape[nd - 1], is = strides[nd - 1];
  for (int64_t pos = b; pos < e;) {
    int64_t n = std::min(e - pos, inner - idx[nd - 1]);
    for (int64_t k = 0; k < n; ++k) f(pos - b + k, off + k * is);
    pos += n;
    off += n * is;
    idx[nd - 1] += n;
    if (idx[nd - 1] < inner) continue;
    off -= inner * is;
    idx[nd - 1] = 0;
    for (int d = nd - 2; d >= 0; --d) {
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= shape[d] * strides[d];
      idx[d] = 0;
    }
  }
}

// for_each_row over the elements [b, e) of the row-major order rather than whole rows:
// f(offsets, n, strides) gets runs that are whole rows or parts of one.
template <size_t K, typename F>
void for_each_run(const Shape& shape, const std::array<const int64_t*, K>& strides, int64_t b,
                  int64_t e, F&& f) {
  if (b >= e) return;
  const int64_t cols = shape.back();
  int64_t row = b / cols;
  for_each_row<K>(shape, strides, row, (e - 1) / cols + 1, [&](auto off, int64_t n, auto st) {
    int64_t cb = std::max<int64_t>(b - row * cols, 0), ce = std::min<int64_t>(e - row * cols, n);
    for (size_t k = 0; k < K; ++k) off[k] += cb * st[k];
    f(off, ce - cb, st);
    ++row;
  });
}

// One index array of a Gather or Scatter, ready to turn index values into element offsets.
struct IndexOperand {
  const array* indices;
  Shape shape;      // the index shape, with contiguous dimensions merged
  Strides strides;
  int axis;
  int64_t size;     // the axis' length
  int64_t limit;    // the largest valid start on the axis
  int64_t stride;   // of the array the offsets address, along the axis
};

// Sets offs[k] to the element offset of the start named by position b + k of the index
// arrays, for k in [0, e - b).
void index_offsets(const std::vector<IndexOperand>& ops, int64_t b, int64_t e, int64_t* offs,
                   const char* op);

// The offsets of the rows of a collapsed two-operand layout (for_each_row order).
struct RowTable {
  int64_t rows, cols;
  std::vector<int64_t> first, second;  // per row, the offset in each operand
  int64_t first_stride, second_stride;  // along a row
};
RowTable row_table(const Shape& shape, const Strides& first, const Strides& second);

}  // namespace kiln::cpu
