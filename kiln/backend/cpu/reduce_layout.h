// CPU helpers around the reduction layouts (backend/common/reduce_layout.h): an odometer
// over strided index spaces and row-major copies for layouts without a unit stride.
#pragma once

#include <vector>

#include "kiln/array.h"
#include "kiln/backend/common/reduce_layout.h"

namespace kiln::cpu {

using kiln::ReduceLayout;
using kiln::plan_reduce;

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
