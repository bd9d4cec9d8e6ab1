// Building the traced graph, simplifying it, and replaying it on new inputs.
#include "kiln/compile/graph.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "kiln/primitives/binary.h"
#include "kiln/primitives/compiled.h"
#include "kiln/primitives/creation.h"
#include "kiln/primitives/shape.h"
#include "kiln/primitives/transforms.h"
#include "kiln/primitives/unary.h"

namespace kiln::detail {

namespace {

[[noreturn]] void not_shapeless(const Primitive& p, const std::exception& e) {
  throw std::invalid_argument(std::string("[compile] cannot compile with shapeless=True: ") +
                              p.name() + " cannot infer its output shapes from its input "
                              "shapes (" + e.what() + ")");
}

// For a reshape from `in` to `out` that only drops or inserts dimensions of size 1: the
// input dimension of each output dimension (-1: an inserted 1), matched in order.
std::optional<std::vector<int>> squeeze_map(const Shape& in, const Shape& out) {
  std::vector<int> map;
  size_t i = 0;
  for (int64_t d : out) {
    while (i < in.size() && in[i] != d && in[i] == 1) ++i;  // dropped
    if (i < in.size() && in[i] == d) {
      map.push_back(int(i++));
    } else if (d == 1) {
      map.push_back(-1);
    } else {
      return std::nullopt;
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != 1) return std::nullopt;
  }
  return map;
}

// The sizes a broadcast from `in` to `out` gives dimensions `in` lacks or has as 1.
std::vector<int64_t> expanded_sizes(const Shape& in, const Shape& out) {
  std::vector<int64_t> sizes;
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] > 1 && (i < lead || in[i - lead] == 1)) sizes.push_back(out[i]);
  }
  return sizes;
}

// Refuses a replay on inputs whose changed dimensions had, when traced, a size that a fixed
// broadcast target gave to some dimension: that target may have come from the old shape.
void check_fixed_broadcasts(const Graph& g, const std::vector<array>& inputs) {
  for (int i = 0; i < g.num_inputs; ++i) {
    const Shape& traced = g.values[i].shape;
    for (size_t d = 0; d < traced.size(); ++d) {
      if (inputs[i].shape()[d] == traced[d]) continue;
      for (auto& n : g.nodes) {
        if (std::find(n.expanded.begin(), n.expanded.end(), traced[d]) == n.expanded.end()) {
          continue;
        }
        throw std::invalid_argument(
            "[compile] with shapeless=True, a broadcast to the fixed shape " +
            shape_to_string(g.values[n.outputs[0]].shape) + " cannot follow input " +
            std::to_string(i) + " from shape " + shape_to_string(traced) + " to " +
            shape_to_string(inputs[i].shape()) + " (its size " + std::to_string(traced[d]) +
            " may come from that input's shape); compile without shapeless");
      }
    }
  }
}

// The shape a squeeze map (above) gives an input of a new shape.
Shape squeezed_shape(const std::vector<int>& map, const array& in) {
  Shape out;  // `in` has as many dimensions as when traced: the cache sees to it
  for (int d : map) out.push_back(d < 0 ? 1 : in.shape()[d]);
  if (shape_size(out) != in.size()) {
    throw std::invalid_argument(
        "[compile] with shapeless=True, a reshape traced as dropping or adding dimensions of "
        "size 1 cannot follow an input of shape " + shape_to_string(in.shape()) +
        " (the dimensions it drops must keep size 1)");
  }
  return out;
}

}  // namespace

Graph build_graph(const std::vector<array>& placeholders, const std::vector<array>& nodes,
                  const std::vector<array>& outputs, bool shapeless) {
  Graph g;
  g.num_inputs = int(placeholders.size());
  std::unordered_map<uintptr_t, int> ids;  // array id -> value number
  for (size_t i = 0; i < placeholders.size(); ++i) {
    const array& p = placeholders[i];
    g.values.push_back(GraphValue{p.shape(), p.dtype()});
    g.values.back().input = int(i);
    ids.emplace(p.id(), int(i));
  }
  // Anything that is neither an input nor computed by a traced node is a constant.
  auto value_of = [&](const array& a) {
    auto [it, fresh] = ids.try_emplace(a.id(), int(g.values.size()));
    if (fresh) {
      g.values.push_back(GraphValue{a.shape(), a.dtype()});
      g.values.back().constant = a;
    }
    return it->second;
  };
  for (auto& n : nodes) {
    GraphNode node;
    node.primitive = n.primitive_ptr();
    for (auto& in : n.inputs()) node.inputs.push_back(value_of(in));
    std::vector<array> outs = n.outputs();
    if (shapeless) {
      std::vector<Shape> shapes;
      try {
        shapes = n.primitive().output_shapes(n.inputs());
      } catch (const std::exception& e) {
        if (dynamic_cast<Reshape*>(node.primitive.get())) {
          node.squeeze = squeeze_map(n.inputs()[0].shape(), outs[0].shape());
        }
        if (!node.squeeze) not_shapeless(n.primitive(), e);
        shapes = {outs[0].shape()};
      }
      if (dynamic_cast<Broadcast*>(node.primitive.get()) ||
          dynamic_cast<Full*>(node.primitive.get())) {
        node.expanded = expanded_sizes(n.inputs()[0].shape(), outs[0].shape());
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        if (k >= shapes.size() || shapes[k] != outs[k].shape()) {
          throw std::logic_error(std::string("[compile] ") + n.primitive().name() +
                                 "::output_shapes disagrees with the shapes it built");
        }
      }
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      int v = int(g.values.size());
      g.values.push_back(GraphValue{outs[k].shape(), outs[k].dtype()});
      g.values.back().node = int(g.nodes.size());
      g.values.back().position = int(k);
      ids.emplace(outs[k].id(), v);
      node.outputs.push_back(v);
    }
    g.nodes.push_back(std::move(node));
  }
  for (auto& o : outputs) g.outputs.push_back(value_of(o));
  return g;
}

// ---------------------------------------------------------------- simplify

namespace {

// Follows replacements to the value that stands for v.
int resolve(std::vector<int>& replaced, int v) {
  int r = v;
  while (replaced[r] != r) r = replaced[r];
  for (int x = v; replaced[x] != r;) {  // shorten the chain
    int next = replaced[x];
    replaced[x] = r;
    x = next;
  }
  return r;
}

// The bits of a one-element constant whose value is known now, for merging equal ones.
std::optional<std::string> scalar_key(const GraphValue& v) {
  if (!v.constant || v.constant->size() != 1) return std::nullopt;
  const array& a = *v.constant;
  if (a.has_primitive() || a.status() != Status::available || a.error()) return std::nullopt;
  std::string key(a.itemsize(), '\0');
  std::memcpy(key.data(), a.data<char>(), a.itemsize());
  key += '|' + std::to_string(a.dtype().index()) + '|' + shape_to_string(a.shape());
  return key;
}

// 2, 3 or 4 when v is a one-element constant of that value, else 0.
int small_exponent(const GraphValue& v) {
  if (!v.constant || v.constant->size() != 1) return 0;
  const array& a = *v.constant;
  if (a.has_primitive() || a.status() != Status::available || a.error()) return 0;
  double e = dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) -> double {
    T x = *a.data<T>();
    if constexpr (std::is_same_v<T, complex64_t>) {
      if (x.imag != 0.0f) return 0.0;
    }
    return cast_to<double>(x);
  });
  return (e == 2.0 || e == 3.0 || e == 4.0) ? int(e) : 0;
}

// x ** 2, 3 and 4 with a constant exponent become multiplications: the square is exact like
// pow's, the others within an ulp or so, and all far cheaper than pow (which does not
// vectorize on the CPU).
void reduce_powers(Graph& g) {
  std::vector<GraphNode> nodes;
  nodes.reserve(g.nodes.size());
  auto emit = [&](std::shared_ptr<Primitive> p, std::vector<int> inputs, int out) {
    g.values[out].node = int(nodes.size());
    g.values[out].position = 0;
    nodes.push_back(GraphNode{std::move(p), std::move(inputs), {out}, std::nullopt, {}});
  };
  for (auto& n : g.nodes) {
    auto* b = dynamic_cast<Binary*>(n.primitive.get());
    int k = b && b->op() == BinaryOp::Power ? small_exponent(g.values[n.inputs[1]]) : 0;
    if (k == 0 || g.values[n.outputs[0]].shape != g.values[n.inputs[0]].shape) {
      for (size_t j = 0; j < n.outputs.size(); ++j) g.values[n.outputs[j]].node = int(nodes.size());
      nodes.push_back(std::move(n));
      continue;
    }
    Stream s = n.primitive->stream();
    int x = n.inputs[0], out = n.outputs[0];
    auto square = std::make_shared<Unary>(s, UnaryOp::Square);
    if (k == 2) {
      emit(square, {x}, out);
      continue;
    }
    int sq = int(g.values.size());
    g.values.push_back(GraphValue{g.values[x].shape, g.values[x].dtype});
    emit(square, {x}, sq);
    if (k == 3) {
      emit(std::make_shared<Binary>(s, BinaryOp::Multiply), {sq, x}, out);
    } else {
      emit(square, {sq}, out);
    }
  }
  g.nodes = std::move(nodes);
}

bool same_outputs(const Graph& g, const GraphNode& a, const GraphNode& b) {
  if (a.outputs.size() != b.outputs.size()) return false;
  for (size_t k = 0; k < a.outputs.size(); ++k) {
    const GraphValue &x = g.values[a.outputs[k]], &y = g.values[b.outputs[k]];
    if (x.shape != y.shape || x.dtype != y.dtype) return false;
  }
  return true;
}

}  // namespace

void simplify(Graph& g) {
  reduce_powers(g);
  std::vector<int> replaced(g.values.size());
  for (size_t v = 0; v < replaced.size(); ++v) replaced[v] = int(v);

  // Equal one-element constants become one value (so that CSE sees `x * 2` twice as equal).
  std::map<std::string, int> scalars;
  for (size_t v = 0; v < g.values.size(); ++v) {
    auto key = scalar_key(g.values[v]);
    if (!key) continue;
    auto [it, fresh] = scalars.try_emplace(*key, int(v));
    if (!fresh) replaced[v] = it->second;
  }

  // One pass in order: each node sees its inputs already simplified.
  std::unordered_map<uint64_t, std::vector<int>> seen;  // hash of inputs -> kept nodes
  std::vector<bool> dropped(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GraphNode& n = g.nodes[i];
    for (int& in : n.inputs) in = resolve(replaced, in);
    if (dynamic_cast<Copy*>(n.primitive.get())) {
      replaced[n.outputs[0]] = n.inputs[0];
      dropped[i] = true;
      continue;
    }
    uint64_t h = n.inputs.size();
    for (int in : n.inputs) h = h * 1000003u + uint64_t(in);
    auto& candidates = seen[h];
    bool merged = false;
    for (int c : candidates) {
      GraphNode& m = g.nodes[c];
      if (m.inputs != n.inputs || !(m.primitive->stream() == n.primitive->stream()) ||
          !same_outputs(g, m, n) || !n.primitive->is_equivalent(*m.primitive)) {
        continue;
      }
      for (size_t k = 0; k < n.outputs.size(); ++k) replaced[n.outputs[k]] = m.outputs[k];
      dropped[i] = merged = true;
      break;
    }
    if (!merged) candidates.push_back(int(i));
  }
  for (int& o : g.outputs) o = resolve(replaced, o);

  // Keep the nodes the outputs need.
  std::vector<bool> live(g.values.size(), false);
  for (int o : g.outputs) live[o] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (int i = int(g.nodes.size()) - 1; i >= 0; --i) {
    if (dropped[i]) continue;
    for (int o : g.nodes[i].outputs) keep[i] = keep[i] || live[o];
    if (!keep[i]) continue;
    for (int in : g.nodes[i].inputs) live[in] = true;
  }
  std::vector<GraphNode> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!keep[i]) continue;
    for (int o : g.nodes[i].outputs) g.values[o].node = int(nodes.size());
    nodes.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(nodes);
  // Constants nothing uses any more need not be kept alive.
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].constant && !live[v]) g.values[v].constant.reset();
  }
}

// ---------------------------------------------------------------- replay

std::vector<array> replay(const Graph& g, const std::vector<array>& inputs, bool shapeless) {
  if (shapeless) check_fixed_broadcasts(g, inputs);
  std::vector<std::optional<array>> values(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    const GraphValue& gv = g.values[v];
    if (gv.input >= 0) {
      values[v] = inputs[gv.input];
    } else if (gv.constant) {
      values[v] = *gv.constant;
    }
  }
  for (auto& n : g.nodes) {
    std::vector<array> ins;
    ins.reserve(n.inputs.size());
    for (int v : n.inputs) ins.push_back(*values[v]);
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (int v : n.outputs) dtypes.push_back(g.values[v].dtype);
    if (shapeless && n.squeeze) {
      // A new Reshape: its rules (jvp, vmap) use its target shape.
      Shape shape = squeezed_shape(*n.squeeze, ins[0]);
      auto p = std::make_shared<Reshape>(n.primitive->stream(), shape);
      values[n.outputs[0]] = array(std::move(shape), dtypes[0], std::move(p), std::move(ins));
      continue;
    }
    if (shapeless) {
      shapes = n.primitive->output_shapes(ins);
      auto* c = dynamic_cast<Compiled*>(n.primitive.get());
      bool uniform = true;
      for (auto& s : shapes) uniform = uniform && s == shapes[0];
      if (c && !uniform) {
        // A region runs over one shape; these inputs give its outputs different shapes.
        std::vector<array> outs = c->expand(ins);
        for (size_t k = 0; k < outs.size(); ++k) values[n.outputs[k]] = outs[k];
        continue;
      }
    } else {
      for (int v : n.outputs) shapes.push_back(g.values[v].shape);
    }
    if (n.outputs.size() == 1) {
      values[n.outputs[0]] = array(std::move(shapes[0]), dtypes[0], n.primitive, std::move(ins));
    } else {
      std::vector<array> outs = array::make_arrays(std::move(shapes), dtypes, n.primitive, ins);
      for (size_t k = 0; k < outs.size(); ++k) values[n.outputs[k]] = outs[k];
    }
  }
  std::vector<array> out;
  for (int v : g.outputs) out.push_back(*values[v]);
  return out;
}

}  // namespace kiln::detail
