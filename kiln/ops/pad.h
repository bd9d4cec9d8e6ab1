// Ops whose output reads the input through a per-axis index map: pad and roll.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// Pads each axis with (before, after) elements. Modes (NumPy's): "constant" (pad_value,
// cast to a's dtype), "edge", "reflect" (mirror without repeating the edge) and "symmetric"
// (mirror repeating it); reflections wider than the axis continue periodically.
array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width,
          const array& pad_value = array(0), const std::string& mode = "constant",
          StreamOrDevice s = {});
array pad(const array& a, int64_t pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", StreamOrDevice s = {});

// Shifts elements circularly along the axes; without axes the array is rolled flattened.
array roll(const array& a, int64_t shift, StreamOrDevice s = {});
array roll(const array& a, int64_t shift, int axis, StreamOrDevice s = {});
// One shift per axis, or one shift for all the axes.
array roll(const array& a, const Shape& shifts, const std::vector<int>& axes,
           StreamOrDevice s = {});

}  // namespace kiln
