// How a reduction walks its input: the kept dimensions (one output element per index) and
// the reduced dimensions (combined into that element), after dropping size-1 dimensions and
// merging neighbours that are contiguous. Two shapes have fast kernels:
//   Row:    the innermost reduced dimension has stride 1, so every output combines runs of
//           `seg` adjacent elements (full reductions, reducing the last axis);
//   Column: a kept dimension has stride 1, so `seg` adjacent outputs are updated together
//           from adjacent inputs (reducing a leading axis of a row-major array).
// Anything else (gaps in every stride) is copied to row-major order first, which always
// lands in one of the two.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"

namespace kiln::cpu {

struct ReduceLayout {
  enum Kind { Row, Column } kind;
  // Kept dimensions, outermost first (Column: without the stride-1 one).
  Shape kshape;
  Strides kin, kout;
  // Reduced dimensions, outermost first (Row: without the innermost stride-1 run).
  Shape rshape;
  Strides rin;
  int64_t seg = 1;       // Row: length of the contiguous run; Column: number of adjacent outputs
  int64_t seg_out = 1;   // Column: output stride between adjacent outputs
  int64_t in_offset = 0; // elements to add to the input pointer (from flipped strides)
  // Row: how many leading reduced dimensions have strides above every kept stride.
  int outer = 0;

  int64_t kept_size() const;
  int64_t reduced_size() const;  // Row: runs per output; Column: inputs per output
};

// The layout of reducing `axes` of `in` into a row-contiguous output of keepdims shape.
// `reorder` allows visiting reduced elements in any order (every reduction but arg-reduce);
// `idempotent` additionally drops broadcast (stride-0) reduced dimensions (max, min, and,
// or). nullopt when no stride is 1: the caller copies `in` to row-major order and retries.
std::optional<ReduceLayout> plan_reduce(const array& in, const std::vector<int>& axes,
                                        bool reorder, bool idempotent);

// Walks a multi-dimensional index space in row-major order, keeping the element offsets of
// up to two operands.
class Odometer {
 public:
  Odometer(const Shape& shape, const Strides& s0, const Strides& s1);
  Odometer(const Shape& shape, const Strides& s0) : Odometer(shape, s0, s0) {}
  void seek(int64_t flat);  // jump to a row-major position
  void next();
  int64_t off0() const { return off_[0]; }
  int64_t off1() const { return off_[1]; }

 private:
  const Shape& shape_;
  const Strides& s0_;
  const Strides& s1_;
  std::vector<int64_t> idx_;
  int64_t off_[2] = {0, 0};
};

// A row-major copy of `in` (same dtype), for layouts with no unit stride.
array row_major_copy(const array& in);

// `in` seen as row-major (pre, n, post) blocks around `axis` (through a row-major copy when
// it is not row-contiguous), for kernels that run along one axis.
struct AxisBlocks {
  bool donatable;  // nothing else needs src's memory (checked before src adds a reference)
  array src;
  int64_t pre = 1, n = 1, post = 1;
  AxisBlocks(const array& in, int axis);
};

}  // namespace kiln::cpu
