// Reading index arrays on the host, for the CPU gather/scatter kernels and the CUDA backend's
// checks before a launch: bounds-checked index values and a walk over a strided index array.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kiln/array.h"
#include "kiln/error.h"

namespace kiln {

// The error for an index value outside its axis.
[[noreturn]] inline void throw_index_error(const char* op, const std::string& value, int axis,
                                           int64_t size) {
  fail<std::out_of_range>(op, "index ", value, " is out of bounds for axis ", axis, " with size ",
                          size);
}

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

}  // namespace kiln
