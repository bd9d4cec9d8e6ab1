// How a reduction walks its input: the kept dimensions (one output element per index) and
// the reduced dimensions (combined into that element), after dropping size-1 dimensions and
// merging neighbours that are contiguous. Two shapes have fast kernels:
//   Row:    the innermost reduced dimension has stride 1, so every output combines runs of
//           `seg` adjacent elements (full reductions, reducing the last axis);
//   Column: a kept dimension has stride 1, so `seg` adjacent outputs are updated together
//           from adjacent inputs (reducing a leading axis of a row-major array).
// Anything else (gaps in every stride) is copied to row-major order first, which always
// lands in one of the two. Shared by the CPU kernels and the CUDA launch code.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"

namespace kiln {

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

}  // namespace kiln
