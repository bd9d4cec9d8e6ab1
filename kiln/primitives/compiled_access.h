// How a fused region (kiln/primitives/compiled.h) reads its inputs and where its outputs
// live: decided once, here, for the CPU's tile program and the GPU's generated kernel.
//
// Dense inputs that share one layout (and one-element ones) let the region run over memory
// in that layout's order, whatever it is; otherwise the iteration is row-major, inputs that
// are row-contiguous at the region's shape are read at the iteration's index and the others
// through their strides.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "kiln/array.h"
#include "kiln/primitives/compiled.h"

namespace kiln {

enum class Access : uint8_t {
  literal,   // a one-element constant of the trace (generated code may write its value)
  uniform,   // one element in memory (a broadcast scalar)
  dense,     // the element at the iteration's index
  gathered,  // through strides (broadcast, transposed, sliced): the iteration is row-major
};

struct AccessPlan {
  std::vector<Access> inputs;
  // The layout the iteration follows and fresh outputs take: a dense input's (all dense
  // inputs share it), or null for row-major.
  const array* layout = nullptr;
  bool gathers = false;  // some input is gathered
};

// The plan for `inputs` of region g at the region's `shape`.
AccessPlan plan_access(const FusedGraph& g, const std::vector<array>& inputs,
                       const Shape& shape);

// Gives each output its memory: that of a dense input nothing else uses and of the output's
// element size, where may_take(output, input) allows it (each input at most once), else
// fresh memory on s's device in the plan's layout.
void place_outputs(const AccessPlan& plan, const std::vector<array>& inputs,
                   std::vector<array>& outputs, const Stream& s,
                   const std::function<bool(size_t output, size_t input)>& may_take);

}  // namespace kiln
