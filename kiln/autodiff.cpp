// Reverse and forward mode automatic differentiation, custom functions and checkpointing.
//
// A transform traces the function on tracers: fresh identity nodes over the primals, marked
// so that evaluation inside the function keeps their graphs (Python control flow can read
// values). The nodes that depend on the tracers form the tape; vjp walks it backwards
// calling each primitive's vjp rule and summing cotangents, jvp walks it forwards. Rules
// build ordinary lazy nodes, so the results can be transformed again.
#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "kiln/error.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/transforms.h"
#include "kiln/trace.h"
#include "kiln/transforms.h"

namespace kiln {

namespace {
std::atomic<int> tracing_depth{0};
}  // namespace

bool in_tracing() { return tracing_depth.load(std::memory_order_relaxed) > 0; }

namespace detail {

Tracing::Tracing() { tracing_depth.fetch_add(1, std::memory_order_relaxed); }
Tracing::~Tracing() { tracing_depth.fetch_sub(1, std::memory_order_relaxed); }

Tape trace_tape(const std::vector<array>& sources, const std::vector<array>& outputs,
                bool cut_stop_gradient) {
  Tape tape;
  // Visited nodes and whether they depend on a source (final once the node is finished).
  std::unordered_map<uintptr_t, bool> depends;
  for (auto& s : sources) {
    depends[s.id()] = true;
    tape.dependent.insert(s.id());
  }
  std::vector<std::pair<array, size_t>> stack;
  auto push = [&](const array& a) {
    if (!depends.emplace(a.id(), false).second) return;
    if (!a.is_tracer() || !a.has_primitive()) return;
    for (auto& s : a.sibling_group()) depends.emplace(s.id(), false);
    stack.emplace_back(a, 0);
  };
  // One output at a time: a node on the stack is an ancestor of the current one, so every
  // visited node that is not on the stack is finished.
  for (auto& out : outputs) {
    push(out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        array in = node.inputs()[next++];
        push(in);
        continue;
      }
      array n = std::move(node);
      stack.pop_back();
      bool dep = false;
      if (!cut_stop_gradient || !dynamic_cast<StopGradient*>(&n.primitive())) {
        for (auto& in : n.inputs()) dep = dep || depends[in.id()];
      }
      if (!dep) continue;
      for (auto& o : n.outputs()) {
        depends[o.id()] = true;
        tape.dependent.insert(o.id());
      }
      tape.nodes.push_back(std::move(n));
    }
  }
  return tape;
}

array make_tracer(const array& a) {
  Stream s = a.has_primitive() ? a.primitive().stream() : to_stream({});
  array t(a.shape(), a.dtype(), std::make_shared<Copy>(s), {a});
  t.set_tracer(true);
  return t;
}

}  // namespace detail

namespace {

using detail::Tape;

// Cotangents for some of the outputs, chosen once the outputs are known.
using Seeds = std::function<std::vector<std::pair<size_t, array>>(const std::vector<array>&)>;

// Derivatives flow through floating-point and complex values. As in MLX, integer arrays can
// be differentiated too, through integer arithmetic: a node whose outputs are all integers
// passes derivatives between its integer inputs and outputs (as integers). Steps between
// integers and floats (casts, indices, argmax) and booleans pass none.
bool integer_node(const std::vector<array>& outputs) {
  for (auto& o : outputs) {
    if (!is_integral(o.dtype())) return false;
  }
  return true;
}
bool carries(Dtype d, bool in_integer_node) {
  return is_inexact(d) || (in_integer_node && is_integral(d));
}

void check_rule_result(const Primitive& p, const char* rule, const array& value,
                       const array& like) {
  if (value.shape() != like.shape()) {
    fail<std::logic_error>(rule, "the rule of ", p.name(), " returned shape ",
                           shape_to_string(value.shape()), " for shape ",
                           shape_to_string(like.shape()));
  }
}

// Complex values follow MLX's (and PyTorch's) convention: a cotangent stands for dL/d(conj z),
// so the vjp of a holomorphic f multiplies it by conj(f'(z)), and the gradient of a real
// loss points uphill. The primitives' rules are written in the other convention (dL/dz,
// JAX's); the two are related by vjp(c) = conj(rule(conj(c))), applied where cotangents
// enter and leave: here and around user-written vjp rules (CustomTransforms).
array conj_if_complex(const array& a) { return is_complex(a.dtype()) ? conjugate(a) : a; }

std::pair<std::vector<array>, std::vector<array>> vjp_impl(const Function& fun,
                                                          const std::vector<array>& primals,
                                                          const Seeds& seeds) {
  detail::Tracing tracing;
  std::vector<array> tracers;
  for (auto& p : primals) tracers.push_back(detail::make_tracer(p));
  std::vector<array> outputs = fun(tracers);
  auto seeded = seeds(outputs);
  Tape tape = detail::trace_tape(tracers, outputs, /*cut_stop_gradient=*/true);

  std::unordered_map<uintptr_t, array> cots;
  auto accumulate = [&](const array& node, const array& c) {
    auto [it, fresh] = cots.try_emplace(node.id(), c);
    if (!fresh) it->second = add(it->second, c);
  };
  for (auto& [i, c] : seeded) {
    const array& out = outputs[i];
    if (tape.depends(out) && carries(out.dtype(), true)) {
      accumulate(out, conj_if_complex(astype(c, out.dtype())));
    }
  }

  for (auto it = tape.nodes.rbegin(); it != tape.nodes.rend(); ++it) {
    array node = std::move(*it);
    std::vector<array> outs = node.outputs();
    std::vector<std::optional<array>> found(outs.size());
    bool any = false;
    for (size_t k = 0; k < outs.size(); ++k) {
      auto f = cots.find(outs[k].id());
      if (f == cots.end()) continue;
      found[k] = std::move(f->second);
      cots.erase(f);
      any = true;
    }
    if (!any) continue;
    Primitive& p = node.primitive();
    std::vector<int> argnums;
    const std::vector<array>& inputs = node.inputs();
    bool integers = integer_node(outs);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (tape.depends(inputs[i]) && carries(inputs[i].dtype(), integers)) {
        argnums.push_back(int(i));
      }
    }
    if (argnums.empty()) continue;
    std::vector<array> cts;
    for (size_t k = 0; k < outs.size(); ++k) {
      cts.push_back(found[k] ? *found[k] : zeros_like(outs[k], std::nullopt, p.stream()));
    }
    std::vector<array> g = p.vjp(inputs, cts, argnums, outs);
    if (g.size() != argnums.size()) {
      fail<std::logic_error>("vjp", "the rule of ", p.name(), " returned ", g.size(),
                             " cotangents for ", argnums.size(), " inputs");
    }
    for (size_t k = 0; k < g.size(); ++k) {
      const array& in = inputs[argnums[k]];
      check_rule_result(p, "vjp", g[k], in);
      accumulate(in, astype(g[k], in.dtype(), p.stream()));
    }
  }

  std::vector<array> grads;
  for (size_t i = 0; i < primals.size(); ++i) {
    auto f = cots.find(tracers[i].id());
    grads.push_back(f != cots.end() ? conj_if_complex(f->second) : zeros_like(primals[i]));
  }
  return {std::move(outputs), std::move(grads)};
}

void check_like(const std::vector<array>& values, const std::vector<array>& like,
                const char* op, const char* what, const char* of) {
  if (values.size() != like.size()) {
    fail(op, "got ", values.size(), " ", what, " for ", like.size(), " ", of);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].shape() != like[i].shape()) {
      fail(op, what, " ", i, " has shape ", shape_to_string(values[i].shape()), " but ", of, " ", i,
           " has shape ", shape_to_string(like[i].shape()));
    }
  }
}

}  // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(const Function& fun,
                                                     const std::vector<array>& primals,
                                                     const std::vector<array>& cotangents) {
  return vjp_impl(fun, primals, [&](const std::vector<array>& outputs) {
    check_like(cotangents, outputs, "vjp", "cotangents", "outputs");
    std::vector<std::pair<size_t, array>> seeds;
    for (size_t i = 0; i < outputs.size(); ++i) seeds.emplace_back(i, cotangents[i]);
    return seeds;
  });
}

std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent) {
  auto [outs, grads] = vjp([&](const std::vector<array>& x) { return std::vector{fun(x[0])}; },
                           {primal}, {cotangent});
  return {outs[0], grads[0]};
}

std::pair<std::vector<array>, std::vector<array>> jvp(const Function& fun,
                                                     const std::vector<array>& primals,
                                                     const std::vector<array>& tangents) {
  check_like(tangents, primals, "jvp", "tangents", "primals");
  detail::Tracing tracing;
  std::vector<array> tracers;
  for (auto& p : primals) tracers.push_back(detail::make_tracer(p));
  std::vector<array> outputs = fun(tracers);
  Tape tape = detail::trace_tape(tracers, outputs, /*cut_stop_gradient=*/true);

  std::unordered_map<uintptr_t, array> tans;
  for (size_t i = 0; i < primals.size(); ++i) {
    if (carries(primals[i].dtype(), true)) {
      tans.insert_or_assign(tracers[i].id(), astype(tangents[i], primals[i].dtype()));
    }
  }
  for (auto& node : tape.nodes) {
    Primitive& p = node.primitive();
    const std::vector<array>& inputs = node.inputs();
    std::vector<array> outs = node.outputs();
    bool integers = integer_node(outs);
    std::vector<int> argnums;
    std::vector<array> ts;
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto f = tans.find(inputs[i].id());
      if (f == tans.end() || !carries(inputs[i].dtype(), integers)) continue;
      argnums.push_back(int(i));
      ts.push_back(f->second);
    }
    if (argnums.empty()) continue;
    std::vector<array> t = p.jvp(inputs, ts, argnums);
    if (t.size() != outs.size()) {
      fail<std::logic_error>("jvp", "the rule of ", p.name(), " returned ", t.size(),
                             " tangents for ", outs.size(), " outputs");
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      if (!carries(outs[k].dtype(), integers)) continue;
      check_rule_result(p, "jvp", t[k], outs[k]);
      tans.insert_or_assign(outs[k].id(), astype(t[k], outs[k].dtype(), p.stream()));
    }
  }

  std::vector<array> out_tangents;
  for (auto& o : outputs) {
    auto f = tans.find(o.id());
    out_tangents.push_back(f != tans.end() ? f->second : zeros_like(o));
  }
  return {std::move(outputs), std::move(out_tangents)};
}

std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent) {
  auto [outs, tans] = jvp([&](const std::vector<array>& x) { return std::vector{fun(x[0])}; },
                          {primal}, {tangent});
  return {outs[0], tans[0]};
}

ValueAndGradFn value_and_grad(const Function& fun, std::vector<int> argnums) {
  if (argnums.empty()) throw std::invalid_argument("[grad] argnums must not be empty");
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] < 0) {
      fail("grad", "argnums must be non-negative, got ", argnums[i]);
    }
    for (size_t j = 0; j < i; ++j) {
      if (argnums[j] == argnums[i]) {
        fail("grad", "argnums repeats argument ", argnums[i]);
      }
    }
  }
  return [fun, argnums](const std::vector<array>& inputs) {
    std::vector<array> primals;
    for (int a : argnums) {
      if (a >= int(inputs.size())) {
        fail("grad", "cannot differentiate with respect to argument ", a,
             ": the function was called with ", inputs.size(), " arguments");
      }
      if (inputs[a].dtype() == bool_) {
        fail("grad", "cannot differentiate with respect to argument ", a,
             " of dtype bool: only numeric arrays are differentiable");
      }
      primals.push_back(inputs[a]);
    }
    Function partial = [&](const std::vector<array>& p) {
      std::vector<array> args = inputs;
      for (size_t k = 0; k < argnums.size(); ++k) args[argnums[k]] = p[k];
      return fun(args);
    };
    return vjp_impl(partial, primals, [](const std::vector<array>& outs) {
      if (outs.empty()) throw std::invalid_argument("[grad] the function returned no arrays");
      if (outs[0].size() != 1) {
        fail("grad", "the function must return a scalar (one element) to be differentiated, ",
             "but its output has shape ", shape_to_string(outs[0].shape()));
      }
      return std::vector<std::pair<size_t, array>>{{0, ones_like(outs[0])}};
    });
  };
}

std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad([fun](const std::vector<array>& x) { return std::vector{fun(x[0])}; });
  return [vg](const array& x) {
    auto [v, g] = vg({x});
    return std::pair{v[0], g[0]};
  };
}

Function grad(const Function& fun, std::vector<int> argnums) {
  auto vg = value_and_grad(fun, std::move(argnums));
  return [vg](const std::vector<array>& inputs) { return vg(inputs).second; };
}

std::function<array(const array&)> grad(const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad(fun);
  return [vg](const array& x) { return vg(x).second; };
}

// ---------------------------------------------------------------- custom functions

Function custom_function(Function fun, std::optional<VjpFunction> fun_vjp,
                         std::optional<JvpFunction> fun_jvp,
                         std::optional<VmapFunction> fun_vmap) {
  return [=](const std::vector<array>& args) {
    std::vector<array> outs = fun(args);
    if (outs.empty()) {
      throw std::invalid_argument("[custom_function] the function returned no arrays");
    }
    Stream s = outs[0].has_primitive() ? outs[0].primitive().stream() : to_stream({});
    std::vector<array> inputs = args;
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : outs) {
      inputs.push_back(stop_gradient(o, s));
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
    }
    auto p = std::make_shared<CustomTransforms>(s, int(args.size()), fun, fun_vjp, fun_jvp,
                                                fun_vmap);
    return array::make_arrays(std::move(shapes), dtypes, p, inputs);
  };
}

Function custom_vjp(Function fun, VjpFunction fun_vjp) {
  return custom_function(std::move(fun), std::move(fun_vjp));
}

Function checkpoint(Function fun) {
  VjpFunction recompute = [fun](const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<array>& outputs) {
    // The recomputation waits for the forward outputs, so it runs in the backward pass
    // instead of keeping the forward intermediates alive until then.
    return vjp(fun, depends(primals, outputs), cotangents).second;
  };
  return custom_vjp(std::move(fun), std::move(recompute));
}

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  Stream s = inputs[0].has_primitive() ? inputs[0].primitive().stream() : to_stream({});
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& a : inputs) {
    shapes.push_back(a.shape());
    dtypes.push_back(a.dtype());
  }
  return array::make_arrays(std::move(shapes), dtypes,
                            std::make_shared<Depends>(s, int(inputs.size())), all);
}

}  // namespace kiln
