#include "kiln/primitives/reduce.h"

#include <ostream>

namespace kiln {

namespace {

Shape with_ones(Shape shape, const std::vector<int>& axes) {
  for (int ax : axes) shape[ax] = 1;
  return shape;
}

}  // namespace

Dtype sum_dtype(Dtype in) {
  if (in == bool_) return int32;
  if (is_signed_integer(in)) return in.size <= 4 ? int32 : int64;
  if (is_unsigned(in)) return in.size <= 4 ? uint32 : uint64;
  return in;
}

const char* Reduce::name() const {
  switch (op_) {
    case And: return "All";
    case Or: return "Any";
    case Sum: return "Sum";
    case Prod: return "Prod";
    case Max: return "Max";
    case Min: return "Min";
  }
  return "Reduce";
}

void Reduce::print(std::ostream& os) const {
  os << name() << "(axes=[";
  for (size_t i = 0; i < axes_.size(); ++i) os << (i ? ", " : "") << axes_[i];
  os << "])";
}

bool Reduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Reduce*>(&other);
  return o && o->op_ == op_ && o->axes_ == axes_;
}

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  return {with_ones(inputs[0].shape(), axes_)};
}

bool ArgReduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgReduce*>(&other);
  return o && o->op_ == op_ && o->axis_ == axis_;
}

std::vector<Shape> ArgReduce::output_shapes(const std::vector<array>& inputs) {
  return {with_ones(inputs[0].shape(), {axis_})};
}

bool LogSumExp::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const LogSumExp*>(&other);
  return o && o->axis_ == axis_;
}

std::vector<Shape> LogSumExp::output_shapes(const std::vector<array>& inputs) {
  return {with_ones(inputs[0].shape(), {axis_})};
}

bool Softmax::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Softmax*>(&other);
  return o && o->axis_ == axis_ && o->precise_ == precise_;
}

std::vector<Shape> Softmax::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

bool Trace::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Trace*>(&other);
  return o && o->offset_ == offset_ && o->axis1_ == axis1_ && o->axis2_ == axis2_;
}

std::vector<Shape> Trace::output_shapes(const std::vector<array>& inputs) {
  Shape out;
  const Shape& in = inputs[0].shape();
  for (int i = 0; i < int(in.size()); ++i) {
    if (i != axis1_ && i != axis2_) out.push_back(in[i]);
  }
  return {out};
}

}  // namespace kiln
