#include "kiln/primitives/matmul.h"

#include "kiln/ops/utils.h"

namespace kiln {

namespace {
Shape product_shape(const array& a, const array& b) {
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2), "Matmul");
  batch.push_back(a.shape(-2));
  batch.push_back(b.shape(-1));
  return batch;
}
}  // namespace

bool Matmul::is_equivalent(const Primitive& other) const {
  return dynamic_cast<const Matmul*>(&other) != nullptr;
}

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1])};
}

bool AddMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AddMM*>(&other);
  return o && o->alpha_ == alpha_ && o->beta_ == beta_;
}

std::vector<Shape> AddMM::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1])};
}

void AddMM::print(std::ostream& os) const {
  os << "AddMM(alpha=" << alpha_ << ", beta=" << beta_ << ")";
}

}  // namespace kiln
