// Graph transforms: evaluation now; autodiff, vmap and compile live beside it.
#pragma once

#include <vector>

#include "kiln/array.h"

namespace kiln {

// Computes the arrays (and whatever they need that is not yet computed), then returns.
// An error raised by any primitive on the way is rethrown here.
void eval(std::vector<array> outputs);
// Schedules the same work and returns at once; reading the data waits for it.
void async_eval(std::vector<array> outputs);

}  // namespace kiln
