// The traced graph of a compiled function, as compile rewrites it: values (the function's
// inputs, constants, node outputs) and the nodes that compute them, each after the
// producers of its inputs.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/primitive.h"

namespace kiln::detail {

struct GraphValue {
  GraphValue(Shape s, Dtype d) : shape(std::move(s)), dtype(d) {}
  Shape shape;
  Dtype dtype;
  int node = -1;      // producing node; -1 for an input or a constant
  int position = 0;   // among the producing node's outputs
  int input = -1;     // for inputs: the function's input number
  std::optional<array> constant;  // for constants: the array the trace captured
};

struct GraphNode {
  std::shared_ptr<Primitive> primitive;
  std::vector<int> inputs;   // value numbers
  std::vector<int> outputs;  // value numbers
  // Shapeless only, for a Reshape that just drops or inserts dimensions of size 1 (as
  // reductions without keepdims do): for each output dimension, the input dimension it is,
  // or -1 for an inserted 1. Replay reshapes new inputs accordingly.
  std::optional<std::vector<int>> squeeze;
  // Shapeless only, for a Broadcast or a Full (whose shapes are fixed): the sizes they give
  // dimensions that its input lacks or has as 1. A target size may have been read from an
  // input's shape (as the rules of sum's gradient or vmap do), so replay refuses inputs
  // whose changed dimensions had one of these sizes when traced.
  std::vector<int64_t> expanded;
};

struct Graph {
  std::vector<GraphValue> values;
  std::vector<GraphNode> nodes;
  std::vector<int> outputs;  // the function's outputs
  int num_inputs = 0;
};

// The graph computing `outputs` from `placeholders` (input i is placeholders[i]); `nodes`
// are the traced nodes in order (detail::trace_tape). With `shapeless`, every node must be
// able to recompute its output shapes (Primitive::output_shapes, or GraphNode::squeeze),
// else this throws.
Graph build_graph(const std::vector<array>& placeholders, const std::vector<array>& nodes,
                  const std::vector<array>& outputs, bool shapeless);

// Drops identity nodes (the transforms' Copy), turns powers by a constant 2, 3 or 4 into
// multiplications, merges equal one-element constants and common subexpressions (nodes whose
// primitives are equivalent applied to the same values), and removes the nodes the outputs
// do not need.
void simplify(Graph& g);

// Replaces the ops of a softmax (exp(x - max) / sum) or a logsumexp (log(sum(exp(x - max)))
// + max) over one axis, intermediates used nowhere else, by one Softmax or LogSumExp node
// (kiln/compile/patterns.cpp).
void fuse_reductions(Graph& g);

// Replaces maximal regions of elementwise nodes by Compiled nodes (kiln/compile/fuse.cpp).
void fuse(Graph& g, bool shapeless);

// The function's outputs for `inputs`: new nodes applying the graph's primitives. With
// `shapeless`, output shapes are recomputed from the inputs'.
std::vector<array> replay(const Graph& g, const std::vector<array>& inputs, bool shapeless);

}  // namespace kiln::detail
