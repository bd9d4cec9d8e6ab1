// Reductions fused where the ops spell out a primitive Kiln already has as one kernel.
#include <memory>

#include "kiln/compile/graph.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/reduce.h"
#include "kiln/primitives/softmax.h"
#include "kiln/primitives/transforms.h"
#include "kiln/primitives/unary.h"

namespace kiln::detail {

namespace {

struct Matcher {
  Graph& g;
  std::vector<int> uses;         // per value: consuming nodes, and 1 for a function output
  std::vector<bool> removed;     // per node: folded into a fused node
  std::vector<int> matched = {};  // nodes of the current candidate

  // The node computing v, if it is a P used exactly `count` times (else nullptr).
  template <typename P>
  P* producer(int v, int count = 1) {
    int node = g.values[v].node;
    if (node < 0 || uses[v] != count || g.nodes[node].outputs.size() != 1) return nullptr;
    auto* p = dynamic_cast<P*>(g.nodes[node].primitive.get());
    if (p) matched.push_back(node);
    return p;
  }
  const GraphNode& node_of(int v) const { return g.nodes[g.values[v].node]; }

  Unary* unary(int v, UnaryOp op, int count = 1) {
    auto* u = producer<Unary>(v, count);
    return u && u->op() == op ? u : nullptr;
  }
  Binary* binary(int v, BinaryOp op) {
    auto* b = producer<Binary>(v);
    return b && b->op() == op ? b : nullptr;
  }
  Reduce* reduce(int v, Reduce::Op op, int count = 1) {
    auto* r = producer<Reduce>(v, count);
    return r && r->op() == op && r->axes().size() == 1 ? r : nullptr;
  }
  // x - max(x, a) (the max maybe under stop_gradient, its result used `max_uses` times in
  // all): the max, with x in `x` and the max's value in `m`.
  Reduce* centred(int v, int max_uses, int& x, int& m) {
    if (!binary(v, BinaryOp::Subtract)) return nullptr;
    x = node_of(v).inputs[0];
    m = node_of(v).inputs[1];
    if (producer<StopGradient>(m)) m = node_of(m).inputs[0];
    Reduce* max = reduce(m, Reduce::Max, max_uses);
    return max && node_of(m).inputs[0] == x ? max : nullptr;
  }
  static bool is(const GraphNode& n, BinaryOp op) {
    auto* b = dynamic_cast<Binary*>(n.primitive.get());
    return b && b->op() == op;
  }
  // Replaces n by `p` applied to x, dropping the matched nodes, when the types allow it.
  bool replace(GraphNode& n, int x, std::shared_ptr<Primitive> p, const Shape& shape) {
    const GraphValue &in = g.values[x], &out = g.values[n.outputs[0]];
    if (!is_floating_point(in.dtype) || in.dtype != out.dtype || out.shape != shape) return false;
    for (int k : matched) removed[k] = true;
    n.primitive = std::move(p);
    n.inputs = {x};
    return true;
  }

  // e / sum(e, a) with e = exp(x - max(x, a)): one Softmax(x, a) reads x once where the ops
  // read it twice and write and reread three intermediates.
  bool softmax(GraphNode& n) {
    matched.clear();
    if (!is(n, BinaryOp::Divide)) return false;
    int e = n.inputs[0], s = n.inputs[1], x, m;
    Reduce* sum = reduce(s, Reduce::Sum);
    if (!sum || node_of(s).inputs[0] != e || !unary(e, UnaryOp::Exp, 2)) return false;
    Reduce* max = centred(node_of(e).inputs[0], 1, x, m);
    if (!max || max->axes() != sum->axes()) return false;
    auto p = std::make_shared<Softmax>(n.primitive->stream(), sum->axes()[0], false);
    return replace(n, x, p, g.values[x].shape);
  }

  // log(sum(exp(x - m), a)) + m with m = max(x, a) (either order): one LogSumExp(x, a).
  bool logsumexp(GraphNode& n) {
    if (!is(n, BinaryOp::Add)) return false;
    for (int side = 0; side < 2; ++side) {
      matched.clear();
      int l = n.inputs[side], added = n.inputs[1 - side], x, m;
      if (!unary(l, UnaryOp::Log)) continue;
      int s = node_of(l).inputs[0];
      Reduce* sum = reduce(s, Reduce::Sum);
      if (!sum || !unary(node_of(s).inputs[0], UnaryOp::Exp)) continue;
      Reduce* max = centred(node_of(node_of(s).inputs[0]).inputs[0], 2, x, m);
      // The max subtracted must be the one added back.
      if (!max || max->axes() != sum->axes() || m != added) continue;
      int axis = sum->axes()[0];
      Shape shape = g.values[x].shape;
      shape[axis] = 1;
      return replace(n, x, std::make_shared<LogSumExp>(n.primitive->stream(), axis), shape);
    }
    return false;
  }
};

}  // namespace

void fuse_reductions(Graph& g) {
  Matcher m{g, std::vector<int>(g.values.size(), 0), std::vector<bool>(g.nodes.size(), false)};
  for (auto& n : g.nodes) {
    for (int in : n.inputs) ++m.uses[in];
  }
  for (int o : g.outputs) ++m.uses[o];
  for (auto& n : g.nodes) {
    if (!m.softmax(n)) m.logsumexp(n);
  }
  std::vector<GraphNode> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (m.removed[i]) continue;
    for (int o : g.nodes[i].outputs) g.values[o].node = int(kept.size());
    kept.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(kept);
}

}  // namespace kiln::detail
