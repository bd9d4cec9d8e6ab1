#include "kiln/primitives/indexing.h"

#include "kiln/ops/utils.h"

namespace kiln {

const char* scatter_reduce_name(ScatterReduce r) {
  switch (r) {
    case ScatterReduce::None: return "none";
    case ScatterReduce::Add: return "add";
    case ScatterReduce::Prod: return "prod";
    case ScatterReduce::Max: return "max";
    case ScatterReduce::Min: return "min";
  }
  return "?";
}

bool Gather::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Gather*>(&other);
  return o && o->axes_ == axes_ && o->slice_sizes_ == slice_sizes_;
}

std::vector<Shape> Gather::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs.size() > 1 ? inputs[1].shape() : Shape{};
  shape.insert(shape.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {shape};
}

void Gather::print(std::ostream& os) const {
  os << "Gather(axes=" << axes_to_string(axes_) << ", slice_sizes=" << shape_to_string(slice_sizes_)
     << ")";
}

bool Scatter::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scatter*>(&other);
  return o && o->reduce_ == reduce_ && o->axes_ == axes_;
}

void Scatter::print(std::ostream& os) const {
  os << "Scatter(" << scatter_reduce_name(reduce_) << ", axes=" << axes_to_string(axes_) << ")";
}

bool GatherAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherAxis*>(&other);
  return o && o->axis_ == axis_;
}

bool ScatterAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ScatterAxis*>(&other);
  return o && o->axis_ == axis_;
}

bool DynamicSlice::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const DynamicSlice*>(&other);
  return o && o->axes_ == axes_ && o->slice_size_ == slice_size_;
}

bool DynamicSliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const DynamicSliceUpdate*>(&other);
  return o && o->axes_ == axes_;
}

}  // namespace kiln
