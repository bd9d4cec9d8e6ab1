// Pieces shared by the CPU gather and scatter kernels: walking index arrays in runs and
// turning their values into element offsets.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "kiln/array.h"
#include "kiln/backend/common/index_check.h"
#include "kiln/backend/common/strided.h"

namespace kiln::cpu {

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
