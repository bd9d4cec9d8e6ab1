// Softmax and logsumexp over one or more axes (all of them when none are given; negative
// axes count from the end). Integer and bool inputs give float32. Real floating inputs run
// as one fused Softmax or LogSumExp node along one merged axis.
#pragma once

#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// exp(a - max) / sum(exp(a - max)). 16-bit floats are always accumulated in float32, so
// `precise` never loses accuracy here.
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, const std::vector<int>& axes, bool precise = false,
              StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false, StreamOrDevice s = {});

// log(sum(exp(a))), computed stably. Reduced axes must not be empty.
array logsumexp(const array& a, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false,
                StreamOrDevice s = {});
array logsumexp(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

}  // namespace kiln
