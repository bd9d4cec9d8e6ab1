// The transforms' own primitives. Their evaluation only shares memory (no arithmetic), so
// one definition serves every device.
#include "kiln/error.h"
#include "kiln/primitives/transforms.h"

#include <stdexcept>

#include "kiln/ops/creation.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/rules.h"

namespace kiln {

namespace {

// A user's rule returned values of the wrong shapes.
void check_shapes(const std::vector<array>& values, const std::vector<array>& like,
                  size_t like_first, const char* rule, const char* what) {
  for (size_t i = 0; i < values.size(); ++i) {
    const Shape& want = like[like_first + i].shape();
    if (values[i].shape() != want) {
      fail("custom_function", "the ", rule, " returned ", what, " ", i, " of shape ",
           shape_to_string(values[i].shape()), ", expected ", shape_to_string(want));
    }
  }
}

void share_tail(const std::vector<array>& inputs, std::vector<array>& outputs, size_t first) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[first + i]);
}

StopGradient* as_stop_gradient(const array& a) {
  return a.has_primitive() ? dynamic_cast<StopGradient*>(&a.primitive()) : nullptr;
}

}  // namespace

// ---------------------------------------------------------------- Copy

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}
void Copy::eval_gpu(const std::vector<array>& inputs, array& out) { eval_cpu(inputs, out); }

std::vector<array> Copy::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Copy::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Copy::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  return {{inputs[0]}, {axes[0]}};
}

// ---------------------------------------------------------------- StopGradient

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}
void StopGradient::eval_gpu(const std::vector<array>& inputs, array& out) {
  eval_cpu(inputs, out);
}

std::vector<array> StopGradient::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}
std::vector<array> StopGradient::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}
std::pair<std::vector<array>, std::vector<int>> StopGradient::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{stop_gradient(inputs[0], stream())}, {axes[0]}};
}

// ---------------------------------------------------------------- Depends

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  share_tail(inputs, outputs, 0);
}
void Depends::eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_cpu(inputs, outputs);
}

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i < n_ ? cotangents[i] : zeros_like(primals[i], std::nullopt, stream()));
  }
  return out;
}
std::vector<array> Depends::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < n_; ++i) {
    out.push_back(rules::tangent_or_zeros(primals, tangents, argnums, i, stream()));
  }
  return out;
}
std::pair<std::vector<array>, std::vector<int>> Depends::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  std::vector<array> in(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(in, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

// ---------------------------------------------------------------- CustomTransforms

void CustomTransforms::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  share_tail(inputs, outputs, size_t(n_));
}
void CustomTransforms::eval_gpu(const std::vector<array>& inputs,
                                std::vector<array>& outputs) {
  eval_cpu(inputs, outputs);
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  std::vector<array> args(primals.begin(), primals.begin() + n_);
  // The user's rule and kiln::vjp take and give cotangents in MLX's complex convention,
  // rules in the conjugate one (see autodiff.cpp): vjp(c) = conj(rule(conj(c))).
  auto conj_complex = [&](std::vector<array> v) {
    for (auto& a : v) {
      if (is_complex(a.dtype())) a = conjugate(a, stream());
    }
    return v;
  };
  std::vector<array> cts = conj_complex(cotangents);
  std::vector<array> g = conj_complex(vjp_ ? (*vjp_)(args, cts, outputs)
                                           : kiln::vjp(fun_, args, cts).second);
  if (int(g.size()) != n_) {
    fail("custom_function", "the vjp returned ", g.size(), " cotangents for ", n_, " inputs");
  }
  check_shapes(g, primals, 0, "vjp", "a cotangent for input");
  std::vector<array> out;
  for (int i : argnums) {
    // The trailing inputs (the forward outputs) are behind stop_gradient.
    out.push_back(i < n_ ? g[i] : zeros_like(primals[i], std::nullopt, stream()));
  }
  return out;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  std::vector<array> args(primals.begin(), primals.begin() + n_);
  std::vector<array> full;
  for (int i = 0; i < n_; ++i) {
    full.push_back(rules::tangent_or_zeros(primals, tangents, argnums, i, stream()));
  }
  size_t n_out = primals.size() - size_t(n_);
  std::vector<array> t = jvp_ ? (*jvp_)(args, full) : kiln::jvp(fun_, args, full).second;
  if (t.size() != n_out) {
    fail("custom_function", "the jvp returned ", t.size(), " tangents for ", n_out, " outputs");
  }
  check_shapes(t, primals, size_t(n_), "jvp", "a tangent for output");
  return t;
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> args(inputs.begin(), inputs.begin() + n_);
  std::vector<int> arg_axes(axes.begin(), axes.begin() + n_);
  size_t n_out = inputs.size() - size_t(n_);
  if (vmap_) {
    auto r = (*vmap_)(args, arg_axes);
    if (r.first.size() != n_out || r.second.size() != n_out) {
      fail("custom_function", "the vmap returned ", r.first.size(), " outputs and ",
           r.second.size(), " axes for ", n_out, " outputs");
    }
    return r;
  }
  // The trailing inputs are the forward outputs, already batched by replaying the forward
  // graph; without stop_gradient they differentiate like the forward function.
  std::vector<array> outs;
  std::vector<int> out_axes;
  for (size_t k = n_; k < inputs.size(); ++k) {
    StopGradient* sg = as_stop_gradient(inputs[k]);
    outs.push_back(sg ? inputs[k].inputs()[0] : inputs[k]);
    out_axes.push_back(axes[k]);
  }
  if (!vjp_ && !jvp_) return {outs, out_axes};

  // Keep the user's rules: a custom function of the batched arguments (every output mapped
  // on axis 0) whose rules are the user's rules vectorized.
  std::vector<array> node_inputs = args;
  for (size_t k = 0; k < outs.size(); ++k) {
    std::vector<array> one = rules::all_batched({outs[k]}, {out_axes[k]}, stream());
    outs[k] = one[0];
    node_inputs.push_back(stop_gradient(outs[k], stream()));
  }
  int n_args = n_;
  std::vector<int> zeros_out(n_out, 0);
  Function batched_fun = kiln::vmap(fun_, arg_axes, zeros_out);
  std::optional<VjpFunction> batched_vjp;
  if (vjp_) {
    batched_vjp = [user = *vjp_, arg_axes, n_args, n_out](const std::vector<array>& p,
                                                           const std::vector<array>& c,
                                                           const std::vector<array>& o) {
      Function f = [&](const std::vector<array>& all) {
        std::vector<array> pp(all.begin(), all.begin() + n_args);
        std::vector<array> cc(all.begin() + n_args, all.begin() + n_args + n_out);
        std::vector<array> oo(all.begin() + n_args + n_out, all.end());
        return user(pp, cc, oo);
      };
      std::vector<int> in_axes = arg_axes;
      in_axes.insert(in_axes.end(), 2 * n_out, 0);
      std::vector<array> all = p;
      all.insert(all.end(), c.begin(), c.end());
      all.insert(all.end(), o.begin(), o.end());
      std::vector<array> g = kiln::vmap(f, in_axes, std::vector<int>(n_args, 0))(all);
      // An unmapped argument gets the sum over the batch of its per-element cotangents.
      for (int i = 0; i < n_args; ++i) {
        g[i] = arg_axes[i] < 0 ? sum(g[i], 0) : moveaxis(g[i], 0, arg_axes[i]);
      }
      return g;
    };
  }
  std::optional<JvpFunction> batched_jvp;
  if (jvp_) {
    batched_jvp = [user = *jvp_, arg_axes, n_args, n_out](const std::vector<array>& p,
                                                           const std::vector<array>& t) {
      Function f = [&](const std::vector<array>& all) {
        std::vector<array> pp(all.begin(), all.begin() + n_args);
        std::vector<array> tt(all.begin() + n_args, all.end());
        return user(pp, tt);
      };
      std::vector<int> in_axes = arg_axes;
      in_axes.insert(in_axes.end(), arg_axes.begin(), arg_axes.end());
      std::vector<array> all = p;
      all.insert(all.end(), t.begin(), t.end());
      return kiln::vmap(f, in_axes, std::vector<int>(n_out, 0))(all);
    };
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outs) {
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  auto p = std::make_shared<CustomTransforms>(stream(), n_, batched_fun, batched_vjp, batched_jvp,
                                              std::nullopt);
  return {array::make_arrays(std::move(shapes), dtypes, p, node_inputs), zeros_out};
}

// ---------------------------------------------------------------- VmapPlaceholder

void VmapPlaceholder::eval_cpu(const std::vector<array>&, array&) {
  throw std::invalid_argument(
      "[vmap] cannot evaluate an array computed from a mapped input inside the function "
      "being vmapped: vmap traces the function once, without data");
}
void VmapPlaceholder::eval_gpu(const std::vector<array>& inputs, array& out) {
  eval_cpu(inputs, out);
}

}  // namespace kiln
