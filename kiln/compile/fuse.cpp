// Fusion: maximal regions of elementwise nodes become Compiled nodes.
//
// A region grows from its last node (the root) towards the inputs, taking in the producers of
// its inputs while they are elementwise nodes (unary, binary, select, astype, and broadcasts
// of region inputs) of the root's shape on the root's stream. So every value of the region
// has the root's shape, or is a region input that broadcasts to it, and the region runs as
// one pass over the root's elements. A node whose value is also needed outside the region
// stays in it as an extra output when those consumers come after the region's root (so
// fusion cannot make the graph cyclic).
#include <algorithm>
#include <cstring>
#include <queue>

#include "kiln/compile/graph.h"
#include "kiln/primitives/compiled.h"
#include "kiln/primitives/shape.h"

namespace kiln::detail {

namespace {

// Limits that keep generated kernels' parameter blocks and sources moderate.
constexpr size_t kMaxRegionInputs = 24;
constexpr size_t kMaxRegionSteps = 256;
constexpr size_t kMaxDuplicates = 16;

std::optional<FusedStep> as_step(const std::shared_ptr<Primitive>& p, bool shapeless) {
  FusedStep s{FusedStep::Kind::unary, 0, p, {}, bool_, {}};
  if (auto* u = dynamic_cast<Unary*>(p.get())) {
    s.op = uint8_t(u->op());
  } else if (auto* b = dynamic_cast<Binary*>(p.get())) {
    s.kind = FusedStep::Kind::binary;
    s.op = uint8_t(b->op());
  } else if (dynamic_cast<Select*>(p.get())) {
    s.kind = FusedStep::Kind::select;
  } else if (dynamic_cast<AsType*>(p.get())) {
    s.kind = FusedStep::Kind::cast;
  } else if (dynamic_cast<Broadcast*>(p.get()) && !shapeless) {
    // With shapeless, a broadcast's fixed target could not follow new input shapes.
    s.kind = FusedStep::Kind::broadcast;
  } else {
    return std::nullopt;
  }
  return s;
}

class Fuser {
 public:
  Fuser(Graph& g, bool shapeless) : g_(g) {
    size_t n = g.nodes.size();
    consumers_.resize(g.values.size());
    for (size_t i = 0; i < n; ++i) {
      for (int v : g.nodes[i].inputs) consumers_[v].push_back(int(i));
    }
    is_output_.assign(g.values.size(), false);
    for (int o : g.outputs) is_output_[o] = true;
    region_.assign(n, -1);
    in_dup_.assign(n, -1);
    steps_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (g.nodes[i].outputs.size() == 1) steps_[i] = as_step(g.nodes[i].primitive, shapeless);
    }
  }

  void run() {
    std::vector<GraphNode> made;   // Compiled nodes
    std::vector<int> made_order;   // their roots' positions, for ordering
    for (int root = int(g_.nodes.size()) - 1; root >= 0; --root) {
      if (region_[root] >= 0 || !steps_[root]) continue;
      int id = int(made.size());
      Grown r = grow(root, id);
      int ops = 0;
      for (int m : r.members) ops += steps_[m]->kind != FusedStep::Kind::broadcast;
      if (ops + int(r.dups.size()) < 2) {  // one op needs no fusion: its kernel broadcasts too
        for (int m : r.members) region_[m] = -1;
        for (int d : r.dups) in_dup_[d] = -1;
        continue;
      }
      made.push_back(make_node(r, id));
      made_order.push_back(root);
      region_roots_.push_back(root);
      // The region reads its duplicates' inputs, not their values: record it (at its root)
      // as a consumer of those inputs, so that a later region keeps them as outputs.
      for (int d : r.dups) {
        auto& users = consumers_[g_.nodes[d].outputs[0]];
        users.erase(std::remove_if(users.begin(), users.end(),
                                   [&](int c) { return region_[c] == id; }),
                    users.end());
        for (int v : g_.nodes[d].inputs) {
          if (!internal(g_.values[v].node, id)) consumers_[v].push_back(root);
        }
      }
    }
    if (made.empty()) return;
    reorder(std::move(made), made_order);
  }

 private:
  // Members move into the region; duplicates are cheap nodes the region recomputes from their
  // inputs because other users keep them outside (so their values need not reach memory
  // just for the region). Both sorted.
  struct Grown {
    std::vector<int> members, dups;
  };

  Grown grow(int root, int id) {
    region_[root] = id;
    Grown r{{root}, {}};
    std::vector<int> order{root};  // everything added, in order
    const Shape& shape = g_.values[g_.nodes[root].outputs[0]].shape;
    const Stream stream = g_.nodes[root].primitive->stream();
    std::vector<int> inputs = g_.nodes[root].inputs;  // region inputs (may repeat)
    // The producer of v if it could join the region, else -1.
    auto candidate = [&](int v) {
      int p = g_.values[v].node;
      if (p < 0 || region_[p] >= 0 || in_dup_[p] == id || !steps_[p]) return -1;
      if (g_.values[v].shape != shape || !(g_.nodes[p].primitive->stream() == stream)) return -1;
      if (order.size() >= kMaxRegionSteps || count_inputs_with(inputs, p, id) > kMaxRegionInputs) {
        return -1;
      }
      return p;
    };
    auto add = [&](int p, bool dup) {
      (dup ? in_dup_[p] : region_[p]) = id;
      (dup ? r.dups : r.members).push_back(p);
      order.push_back(p);
      inputs.insert(inputs.end(), g_.nodes[p].inputs.begin(), g_.nodes[p].inputs.end());
    };
    // Members until nothing more joins (a producer may join once its last user has), then
    // duplicates, then members again from their inputs.
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < order.size(); ++i) {
        std::vector<int> ins = g_.nodes[order[i]].inputs;
        for (int v : ins) {
          int p = candidate(v);
          if (p >= 0 && consumers_after(p, id, root)) {
            add(p, false);
            changed = true;
          }
        }
      }
      for (size_t i = 0; i < order.size() && !changed; ++i) {
        std::vector<int> ins = g_.nodes[order[i]].inputs;
        for (int v : ins) {
          int p = candidate(v);
          if (p >= 0 && r.dups.size() < kMaxDuplicates && cheap(*steps_[p])) {
            add(p, true);
            changed = true;
          }
        }
      }
    }
    std::sort(r.members.begin(), r.members.end());
    std::sort(r.dups.begin(), r.dups.end());
    return r;
  }

  // Ops worth recomputing rather than reading from memory.
  static bool cheap(const FusedStep& s) {
    switch (s.kind) {
      case FusedStep::Kind::cast:
      case FusedStep::Kind::select:
        return true;
      case FusedStep::Kind::broadcast:
        return false;
      case FusedStep::Kind::unary:
        switch (s.unary_op()) {
          case UnaryOp::Abs: case UnaryOp::Negative: case UnaryOp::Sign: case UnaryOp::Square:
          case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Trunc: case UnaryOp::Round:
          case UnaryOp::Conjugate: case UnaryOp::Real: case UnaryOp::Imag:
          case UnaryOp::LogicalNot: case UnaryOp::BitwiseInvert: case UnaryOp::IsNan:
          case UnaryOp::IsInf: case UnaryOp::IsFinite: case UnaryOp::IsPosInf:
          case UnaryOp::IsNegInf:
            return true;
          default:
            return false;
        }
      case FusedStep::Kind::binary:
        switch (s.binary_op()) {
          case BinaryOp::FloorDivide: case BinaryOp::Remainder: case BinaryOp::Power:
          case BinaryOp::LogAddExp: case BinaryOp::ArcTan2:
            return false;
          default:
            return true;
        }
    }
    return false;
  }

  // Whether every consumer of p outside region `id` comes after the region's root. Then,
  // with each region placed at its root, every edge of the fused graph still goes forward
  // (regions are made from the last root back), so fusion cannot make a cycle. A broadcast
  // stays out unless the region is its only user: outside, it is a free view.
  bool consumers_after(int p, int id, int root) const {
    int v = g_.nodes[p].outputs[0];
    bool broadcast = steps_[p]->kind == FusedStep::Kind::broadcast;
    if (broadcast && is_output_[v]) return false;
    for (int c : consumers_[v]) {
      if (region_[c] == id) continue;  // (a duplicated node still reads its inputs itself)
      int at = region_[c] >= 0 ? region_roots_[region_[c]] : c;  // a region sits at its root
      if (broadcast || at < root) return false;
    }
    return true;
  }

  bool internal(int node, int id) const {
    return node >= 0 && (region_[node] == id || in_dup_[node] == id);
  }

  // Distinct region inputs if p joined the region.
  size_t count_inputs_with(const std::vector<int>& inputs, int p, int id) const {
    std::vector<int> all = inputs;
    all.insert(all.end(), g_.nodes[p].inputs.begin(), g_.nodes[p].inputs.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    size_t n = 0;
    for (int v : all) {
      int q = g_.values[v].node;
      if (q == p || internal(q, id)) continue;
      ++n;
    }
    return n;
  }

  GraphNode make_node(const Grown& r, int id) {
    std::vector<int> members = r.members;  // and duplicates, in order
    members.insert(members.end(), r.dups.begin(), r.dups.end());
    std::sort(members.begin(), members.end());
    auto graph = std::make_shared<FusedGraph>();
    GraphNode node;
    std::unordered_map<int, int> local;  // graph value -> region value
    auto input_of = [&](int v) {
      auto [it, fresh] = local.try_emplace(v, int(node.inputs.size()));
      if (fresh) {
        node.inputs.push_back(v);
        graph->input_dtypes.push_back(g_.values[v].dtype);
        graph->constants.push_back(constant_bits(g_.values[v]));
      }
      return it->second;
    };
    // Inputs first (numbered before the steps), in order of first use.
    for (int m : members) {
      for (int v : g_.nodes[m].inputs) {
        if (!internal(g_.values[v].node, id)) input_of(v);
      }
    }
    int n_in = int(node.inputs.size());
    for (int m : members) {
      FusedStep s = *steps_[m];
      for (int v : g_.nodes[m].inputs) s.args.push_back(local.at(v));
      int out = g_.nodes[m].outputs[0];
      s.dtype = g_.values[out].dtype;
      s.shape = g_.values[out].shape;
      local.emplace(out, n_in + int(graph->steps.size()));
      graph->steps.push_back(std::move(s));
      if (region_[m] != id) continue;  // a duplicate: its own node serves the rest
      bool outside = is_output_[out];
      for (int c : consumers_[out]) outside = outside || region_[c] != id;
      if (outside) {
        graph->outputs.push_back(local.at(out));
        node.outputs.push_back(out);
      }
    }
    node.primitive = std::make_shared<Compiled>(g_.nodes[members.back()].primitive->stream(),
                                                std::move(graph));
    return node;
  }

  // The bits of a one-element constant known now (for literals in generated code).
  static std::optional<uint64_t> constant_bits(const GraphValue& v) {
    if (!v.constant || v.constant->size() != 1) return std::nullopt;
    const array& a = *v.constant;
    if (a.has_primitive() || a.status() != Status::available || a.error()) return std::nullopt;
    uint64_t bits = 0;
    std::memcpy(&bits, a.data<char>(), a.itemsize());
    return bits;
  }

  // The kept nodes and the Compiled ones in an order where each follows its inputs'
  // producers, close to the original order (a Compiled node where its root was).
  void reorder(std::vector<GraphNode> made, const std::vector<int>& made_order) {
    std::vector<GraphNode> all;
    std::vector<int> key;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (region_[i] >= 0) continue;
      all.push_back(std::move(g_.nodes[i]));
      key.push_back(int(i));
    }
    for (size_t k = 0; k < made.size(); ++k) {
      all.push_back(std::move(made[k]));
      key.push_back(made_order[k]);
    }
    std::vector<int> producer(g_.values.size(), -1);
    for (size_t i = 0; i < all.size(); ++i) {
      for (int o : all[i].outputs) producer[o] = int(i);
    }
    // Nodes whose every user now recomputes them are no longer needed.
    std::vector<bool> live(all.size(), false);
    std::vector<int> stack;
    for (int o : g_.outputs) {
      if (producer[o] >= 0) stack.push_back(producer[o]);
    }
    while (!stack.empty()) {
      int i = stack.back();
      stack.pop_back();
      if (live[i]) continue;
      live[i] = true;
      for (int v : all[i].inputs) {
        if (producer[v] >= 0) stack.push_back(producer[v]);
      }
    }
    size_t kept = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      if (!live[i]) continue;
      if (kept != i) all[kept] = std::move(all[i]);
      key[kept++] = key[i];
    }
    all.resize(kept);
    key.resize(kept);
    std::fill(producer.begin(), producer.end(), -1);
    for (size_t i = 0; i < all.size(); ++i) {
      for (int o : all[i].outputs) producer[o] = int(i);
    }
    std::vector<int> pending(all.size(), 0);
    std::vector<std::vector<int>> users(all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      for (int v : all[i].inputs) {
        if (producer[v] < 0) continue;
        ++pending[i];
        users[producer[v]].push_back(int(i));
      }
    }
    using Item = std::pair<int, int>;  // (key, node)
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
    for (size_t i = 0; i < all.size(); ++i) {
      if (pending[i] == 0) ready.emplace(key[i], int(i));
    }
    std::vector<GraphNode> ordered;
    while (!ready.empty()) {
      int i = ready.top().second;
      ready.pop();
      for (int u : users[i]) {
        if (--pending[u] == 0) ready.emplace(key[u], u);
      }
      for (size_t k = 0; k < all[i].outputs.size(); ++k) {
        g_.values[all[i].outputs[k]].node = int(ordered.size());
        g_.values[all[i].outputs[k]].position = int(k);
      }
      ordered.push_back(std::move(all[i]));
    }
    if (ordered.size() != all.size()) {
      throw std::logic_error("[compile] fusion made the graph cyclic");
    }
    g_.nodes = std::move(ordered);
  }

  Graph& g_;
  std::vector<std::vector<int>> consumers_;  // value -> consuming nodes
  std::vector<bool> is_output_;
  std::vector<int> region_;  // node -> region, -1 outside any
  std::vector<int> region_roots_;  // region -> its root
  std::vector<int> in_dup_;  // node -> the region (being) made that recomputes it, or -1
  std::vector<std::optional<FusedStep>> steps_;  // node -> its step if fusable
};

}  // namespace

void fuse(Graph& g, bool shapeless) { Fuser(g, shapeless).run(); }

}  // namespace kiln::detail
