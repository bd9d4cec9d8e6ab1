// Static strided slicing, with Python's rules for negative and out-of-range bounds.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// One axis of a Python slice; unset bounds mean "from the start/end in the step's direction".
struct SliceBound {
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};

// Python's slice.indices() on an axis of n elements: the first element, the step and the
// number of elements (start is 0 when the slice is empty).
struct ResolvedSlice {
  int64_t start, step, count;
};
ResolvedSlice resolve_slice(const SliceBound& b, int64_t n);

// a[start:stop:step] along every axis (missing trailing axes are taken whole).
array slice(const array& a, const std::vector<SliceBound>& bounds, StreamOrDevice s = {});
// Convenience: start/stop (and steps) per axis, clamped as Python clamps them.
array slice(const array& a, const Shape& start, const Shape& stop, StreamOrDevice s = {});
array slice(const array& a, const Shape& start, const Shape& stop, const Shape& steps,
            StreamOrDevice s = {});
// A copy of `src` with `update` (broadcast to the slice's shape) written into the slice.
array slice_update(const array& src, const array& update, const std::vector<SliceBound>& bounds,
                   StreamOrDevice s = {});
array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop,
                   StreamOrDevice s = {});

}  // namespace kiln
