#include "kiln/primitives/compiled_access.h"

#include "kiln/backend/copy.h"

namespace kiln {

AccessPlan plan_access(const FusedGraph& g, const std::vector<array>& inputs,
                       const Shape& shape) {
  AccessPlan plan;
  plan.inputs.assign(inputs.size(), Access::dense);
  const int64_t n = shape_size(shape);
  bool in_order = true;  // every element-wise input is dense in one shared layout
  for (size_t i = 0; i < inputs.size(); ++i) {
    const array& in = inputs[i];
    if (g.constants[i]) {
      plan.inputs[i] = Access::literal;
    } else if (in.data_size() == 1) {
      plan.inputs[i] = Access::uniform;
    } else if (in_order && in.shape() == shape && in.flags().contiguous &&
               in.data_size() == size_t(in.size()) &&
               (!plan.layout || in.strides() == plan.layout->strides())) {
      if (!plan.layout) plan.layout = &in;
    } else {
      in_order = false;
    }
  }
  if (in_order) return plan;
  plan.layout = nullptr;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (plan.inputs[i] == Access::literal || plan.inputs[i] == Access::uniform) continue;
    bool rows = inputs[i].flags().row_contiguous && inputs[i].size() == n;
    plan.inputs[i] = rows ? Access::dense : Access::gathered;
    plan.gathers = plan.gathers || !rows;
  }
  return plan;
}

void place_outputs(const AccessPlan& plan, const std::vector<array>& inputs,
                   std::vector<array>& outputs, const Stream& s,
                   const std::function<bool(size_t output, size_t input)>& may_take) {
  const Shape& shape = outputs[0].shape();
  std::vector<bool> taken(inputs.size(), false);
  for (size_t j = 0; j < outputs.size(); ++j) {
    array& out = outputs[j];
    for (size_t i = 0; i < inputs.size() && !out.data_shared_ptr(); ++i) {
      const array& in = inputs[i];
      if (taken[i] || plan.inputs[i] != Access::dense || in.itemsize() != out.itemsize() ||
          !may_take(j, i) || !in.is_donatable()) {
        continue;
      }
      out.copy_shared_buffer(in, plan.layout ? in.strides() : row_strides(shape), in.flags(),
                             in.data_size(), in.offset());
      taken[i] = true;
    }
    if (out.data_shared_ptr()) continue;
    if (plan.layout) {
      backend::allocate(out, s, size_t(shape_size(shape)), plan.layout->strides(),
                        plan.layout->flags());
    } else {
      backend::allocate(out, s);
    }
  }
}

}  // namespace kiln
