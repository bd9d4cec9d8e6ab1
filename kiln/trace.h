// Internals shared by the transforms (autodiff.cpp, vmap.cpp): the tracing scope and the
// walk that finds the traced part of a graph.
#pragma once

#include <unordered_set>
#include <vector>

#include "kiln/array.h"

namespace kiln::detail {

// While one of these lives, tracer arrays keep their graphs after evaluation (see
// in_tracing). Transforms nest, so this is a count.
class Tracing {
 public:
  Tracing();
  ~Tracing();
  Tracing(const Tracing&) = delete;
  Tracing& operator=(const Tracing&) = delete;
};

struct Tape {
  // One array per primitive application (siblings left out) that depends on the sources
  // and that the outputs depend on, each after its inputs.
  std::vector<array> nodes;
  // Ids of the sources and of every output of the tape's nodes.
  std::unordered_set<uintptr_t> dependent;
  bool depends(const array& a) const { return dependent.count(a.id()) > 0; }
};

// Only tracer nodes are walked (nothing else can depend on a tracer source), iteratively.
// With `cut_stop_gradient`, a StopGradient node does not pass dependence on.
Tape trace_tape(const std::vector<array>& sources, const std::vector<array>& outputs,
                bool cut_stop_gradient);

// A tracer for `a`: a new node (the identity of `a`) whose dependents the tape can find.
array make_tracer(const array& a);

}  // namespace kiln::detail
