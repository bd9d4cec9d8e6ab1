// Reductions fused where the ops spell out a primitive Kiln already has as one kernel.
#include <memory>

#include "kiln/compile/graph.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/reduce.h"
#include "kiln/primitives/transforms.h"
#include "kiln/primitives/unary.h"

namespace kiln::detail {

namespace {

// The node computing value v when it is a T used once (twice for `uses == 2`), else nullptr.
template <typename T>
std::pair<int, T*> single_use(Graph& g, const std::vector<int>& uses, int v, int expected = 1) {
  int node = g.values[v].node;
  if (node < 0 || uses[v] != expected || g.nodes[node].outputs.size() != 1) return {-1, nullptr};
  return {node, dynamic_cast<T*>(g.nodes[node].primitive.get())};
}

bool is_unary(const Unary* u, UnaryOp op) { return u && u->op() == op; }
bool is_binary(const Binary* b, BinaryOp op) { return b && b->op() == op; }
bool is_reduce(const Reduce* r, Reduce::Op op) { return r && r->op() == op && r->axes().size() == 1; }

}  // namespace

void fuse_reductions(Graph& g) {
  std::vector<int> uses(g.values.size(), 0);
  for (auto& n : g.nodes) {
    for (int in : n.inputs) ++uses[in];
  }
  for (int o : g.outputs) ++uses[o];

  std::vector<bool> removed(g.nodes.size(), false);
  for (auto& n : g.nodes) {
    // y = e / sum(e, a) with e = exp(x - max(x, a)) (the max maybe under stop_gradient), each
    // intermediate used only there: one Softmax(x, a) reads x once where the ops read it
    // twice and write and reread three intermediates.
    if (!is_binary(dynamic_cast<Binary*>(n.primitive.get()), BinaryOp::Divide)) continue;
    int e = n.inputs[0], s = n.inputs[1];
    auto [sum_node, sum] = single_use<Reduce>(g, uses, s);
    if (!is_reduce(sum, Reduce::Sum) || g.nodes[sum_node].inputs[0] != e) continue;
    auto [exp_node, ex] = single_use<Unary>(g, uses, e, 2);
    if (!is_unary(ex, UnaryOp::Exp)) continue;
    auto [sub_node, sub] = single_use<Binary>(g, uses, g.nodes[exp_node].inputs[0]);
    if (!is_binary(sub, BinaryOp::Subtract)) continue;
    int x = g.nodes[sub_node].inputs[0], m = g.nodes[sub_node].inputs[1];
    auto [stop_node, stop] = single_use<StopGradient>(g, uses, m);
    if (stop) m = g.nodes[stop_node].inputs[0];
    auto [max_node, max] = single_use<Reduce>(g, uses, m);
    if (!is_reduce(max, Reduce::Max) || g.nodes[max_node].inputs[0] != x ||
        max->axes() != sum->axes()) {
      continue;
    }
    const GraphValue &in = g.values[x], &out = g.values[n.outputs[0]];
    if (!is_floating_point(in.dtype) || in.dtype != out.dtype || in.shape != out.shape) continue;
    for (int k : {sum_node, exp_node, sub_node, max_node}) removed[k] = true;
    if (stop) removed[stop_node] = true;
    n.primitive = std::make_shared<Softmax>(n.primitive->stream(), sum->axes()[0], false);
    n.inputs = {x};
  }

  std::vector<GraphNode> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (removed[i]) continue;
    for (int o : g.nodes[i].outputs) g.values[o].node = int(kept.size());
    kept.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(kept);
}

}  // namespace kiln::detail
