// vmap: trace the function once on placeholders (one slice of each mapped input), then
// rewrite the traced nodes, inputs first, through each primitive's vmap rule applied to the
// real (batched) inputs.
#include <stdexcept>
#include <unordered_map>

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/primitive.h"
#include "kiln/primitives/transforms.h"
#include "kiln/trace.h"
#include "kiln/transforms.h"

namespace kiln {

namespace {

std::vector<int> axes_or_zeros(const std::vector<int>& axes, size_t n, const char* what) {
  if (axes.empty()) return std::vector<int>(n, 0);
  if (axes.size() != n) {
    fail("vmap", "got ", axes.size(), " ", what, " for ", n,
         (what[0] == 'i' ? " inputs" : " outputs"));
  }
  return axes;
}

}  // namespace

std::vector<array> detail::vmap_trace(
    const Function& fun, const std::vector<array>& inputs, const std::vector<int>& in_axes,
    const std::function<std::vector<int>(const std::vector<array>&)>& out_axes) {
  std::vector<int> axes = axes_or_zeros(in_axes, inputs.size(), "in_axes");
  int64_t batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    if (axes[i] >= inputs[i].ndim()) {
      fail("vmap", "in_axes ", axes[i], " is out of range for input ", i, " of shape ",
           shape_to_string(inputs[i].shape()));
    }
    int64_t n = inputs[i].shape()[axes[i]];
    if (batch >= 0 && n != batch) {
      fail("vmap", "the mapped axes have different sizes (", batch, " and ", n, ")");
    }
    batch = n;
  }
  if (batch < 0) throw std::invalid_argument("[vmap] at least one input must be mapped");

  detail::Tracing tracing;
  std::vector<array> args = inputs, placeholders;
  std::unordered_map<uintptr_t, std::pair<array, int>> mapped;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    Shape shape = inputs[i].shape();
    shape.erase(shape.begin() + axes[i]);
    array p(std::move(shape), inputs[i].dtype(),
            std::make_shared<VmapPlaceholder>(to_stream({})), {});
    p.set_tracer(true);
    mapped.insert_or_assign(p.id(), std::pair{inputs[i], axes[i]});
    placeholders.push_back(p);
    args[i] = p;
  }
  std::vector<array> outputs = fun(args);
  std::vector<int> oaxes = axes_or_zeros(out_axes(outputs), outputs.size(), "out_axes");
  detail::Tape tape = detail::trace_tape(placeholders, outputs, /*cut_stop_gradient=*/false);

  for (auto& node : tape.nodes) {
    std::vector<array> ins;
    std::vector<int> in_ax;
    for (auto& in : node.inputs()) {
      auto f = mapped.find(in.id());
      ins.push_back(f != mapped.end() ? f->second.first : in);
      in_ax.push_back(f != mapped.end() ? f->second.second : -1);
    }
    Primitive& p = node.primitive();
    auto [outs, out_ax] = p.vmap(ins, in_ax);
    std::vector<array> originals = node.outputs();
    if (outs.size() != originals.size() || out_ax.size() != originals.size()) {
      fail<std::logic_error>("vmap", "the rule of ", p.name(), " returned ", outs.size(),
                             " outputs for ", originals.size());
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      Shape expect = originals[k].shape();
      bool fits = out_ax[k] <= int(expect.size());
      if (fits && out_ax[k] >= 0) expect.insert(expect.begin() + out_ax[k], batch);
      if (!fits || outs[k].shape() != expect) {
        fail<std::logic_error>("vmap", "the rule of ", p.name(), " returned shape ",
                               shape_to_string(outs[k].shape()), ", expected ",
                               shape_to_string(expect));
      }
      // Rules that cannot know their node's output dtype match it here.
      array out = astype(outs[k], originals[k].dtype(), p.stream());
      mapped.insert_or_assign(originals[k].id(), std::pair{out, out_ax[k]});
    }
  }

  std::vector<array> results;
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto f = mapped.find(outputs[i].id());
    int oa = oaxes[i];
    if (f == mapped.end() || f->second.second < 0) {
      array out = f == mapped.end() ? outputs[i] : f->second.first;
      if (oa < 0) {
        results.push_back(out);
        continue;
      }
      if (oa > out.ndim()) {
        fail("vmap", "out_axes ", oa, " is out of range for output ", i, " of shape ",
             shape_to_string(out.shape()));
      }
      Shape shape = out.shape();
      shape.insert(shape.begin() + oa, batch);
      results.push_back(broadcast_to(expand_dims(out, {oa}), shape));
      continue;
    }
    auto [out, ax] = f->second;
    if (oa < 0) {
      fail("vmap", "output ", i,
           " depends on the mapped inputs, so its out_axes cannot be None (-1)");
    }
    if (oa >= out.ndim()) {
      fail("vmap", "out_axes ", oa, " is out of range for output ", i, " of mapped shape ",
           shape_to_string(out.shape()));
    }
    results.push_back(ax == oa ? out : moveaxis(out, ax, oa));
  }
  return results;
}

Function vmap(const Function& fun, std::vector<int> in_axes, std::vector<int> out_axes) {
  return [fun, in_axes, out_axes](const std::vector<array>& inputs) {
    return detail::vmap_trace(fun, inputs, in_axes,
                              [&](const std::vector<array>&) { return out_axes; });
  };
}

std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun,
                                         int in_axis, int out_axis) {
  auto f = vmap([fun](const std::vector<array>& x) { return std::vector{fun(x[0])}; }, {in_axis},
                {out_axis});
  return [f](const array& x) { return f({x})[0]; };
}

}  // namespace kiln
