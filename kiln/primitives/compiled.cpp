#include "kiln/primitives/compiled.h"

#include <stdexcept>

#include "kiln/ops/creation.h"
#include "kiln/ops/utils.h"
#include "kiln/transforms.h"

namespace kiln {

std::vector<Shape> FusedGraph::value_shapes(const std::vector<Shape>& input_shapes) const {
  std::vector<Shape> shapes = input_shapes;
  shapes.reserve(size_t(num_values()));
  for (auto& s : steps) {
    switch (s.kind) {
      case FusedStep::Kind::unary:
      case FusedStep::Kind::cast:
        shapes.push_back(shapes[s.args[0]]);
        break;
      case FusedStep::Kind::binary:
        shapes.push_back(broadcast_shapes(shapes[s.args[0]], shapes[s.args[1]]));
        break;
      case FusedStep::Kind::select:
        shapes.push_back(broadcast_shapes(
            {shapes[s.args[0]], shapes[s.args[1]], shapes[s.args[2]]}));
        break;
      case FusedStep::Kind::broadcast:
        shapes.push_back(s.shape);
        break;
    }
  }
  return shapes;
}

bool FusedGraph::operator==(const FusedGraph& o) const {
  if (input_dtypes != o.input_dtypes || constants != o.constants || outputs != o.outputs ||
      steps.size() != o.steps.size()) {
    return false;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const FusedStep &a = steps[i], &b = o.steps[i];
    if (a.kind != b.kind || a.op != b.op || a.args != b.args || a.dtype != b.dtype ||
        a.shape != b.shape) {
      return false;
    }
  }
  return true;
}

bool Compiled::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Compiled*>(&other);
  return o && (o->graph_ == graph_ || *o->graph_ == *graph_);
}

std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> in;
  for (auto& a : inputs) in.push_back(a.shape());
  std::vector<Shape> all = graph_->value_shapes(in);
  std::vector<Shape> out;
  for (int v : graph_->outputs) out.push_back(all[v]);
  return out;
}

std::string Compiled::label() const {
  std::string s = "Compiled(";
  for (size_t i = 0; i < graph_->steps.size(); ++i) {
    s += (i ? ", " : "") + graph_->steps[i].primitive->label();
  }
  return s + ")";
}

std::vector<array> Compiled::expand(const std::vector<array>& inputs) const {
  const FusedGraph& g = *graph_;
  std::vector<Shape> in_shapes;
  for (auto& a : inputs) in_shapes.push_back(a.shape());
  std::vector<Shape> shapes = g.value_shapes(in_shapes);
  std::vector<array> values = inputs;
  values.reserve(size_t(g.num_values()));
  for (size_t k = 0; k < g.steps.size(); ++k) {
    const FusedStep& s = g.steps[k];
    std::vector<array> args;
    for (int a : s.args) args.push_back(values[a]);
    values.emplace_back(shapes[g.num_inputs() + k], s.dtype, s.primitive, std::move(args));
  }
  std::vector<array> out;
  for (int v : g.outputs) out.push_back(values[v]);
  return out;
}

// ---------------------------------------------------------------- transform rules

namespace {

// fun of the inputs in argnums, the others held at their values in `all`.
Function partial_of(const Compiled& c, const std::vector<array>& all,
                    const std::vector<int>& argnums) {
  return [&c, all, argnums](const std::vector<array>& sub) {
    std::vector<array> in = all;
    for (size_t k = 0; k < argnums.size(); ++k) in[argnums[k]] = sub[k];
    return c.expand(in);
  };
}

std::vector<array> select(const std::vector<array>& all, const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i : argnums) out.push_back(all[i]);
  return out;
}

}  // namespace

std::vector<array> Compiled::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  return kiln::vjp(partial_of(*this, primals, argnums), select(primals, argnums), cotangents)
      .second;
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  return kiln::jvp(partial_of(*this, primals, argnums), select(primals, argnums), tangents)
      .second;
}

std::pair<std::vector<array>, std::vector<int>> Compiled::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  size_t n_out = graph_->outputs.size();
  bool mapped = false;
  for (int a : axes) mapped = mapped || a >= 0;
  if (!mapped) return {expand(inputs), std::vector<int>(n_out, -1)};
  auto outs = detail::vmap_trace(
      [this](const std::vector<array>& x) { return expand(x); }, inputs, axes,
      [n_out](const std::vector<array>&) { return std::vector<int>(n_out, 0); });
  return {outs, std::vector<int>(n_out, 0)};
}

// ---------------------------------------------------------------- NumberOfElements

// A count does not change with the values it counts.
std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals,
                                         const std::vector<array>&, const std::vector<int>&,
                                         const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}

std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros({}, dtype_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> NumberOfElements::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Every slice has the same count: the axes of one slice, past the mapped axis.
  std::vector<int> counted;
  for (int a : axes_) counted.push_back(axes[0] >= 0 && a >= axes[0] ? a + 1 : a);
  auto p = std::make_shared<NumberOfElements>(stream(), std::move(counted), dtype_);
  return {{array(Shape{}, dtype_, std::move(p), {inputs[0]})}, {-1}};
}

// ---------------------------------------------------------------- CompilePlaceholder

void CompilePlaceholder::eval_cpu(const std::vector<array>&, array&) {
  throw std::invalid_argument(
      "[compile] cannot evaluate an array computed from an input of a function while compile "
      "traces it (the trace has no data): compile the parts around the evaluation instead, "
      "or pass the value as a non-array argument");
}
void CompilePlaceholder::eval_gpu(const std::vector<array>& inputs, array& out) {
  eval_cpu(inputs, out);
}

}  // namespace kiln
