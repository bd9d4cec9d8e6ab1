#include "kiln/primitives/binary.h"

#include "kiln/ops/utils.h"
#include "kiln/primitives/elementwise_traits.h"

namespace kiln {

namespace {
template <typename Op>
bool supports(Dtype in) {
  return dispatch_dtype(in, []<typename T>(type_tag<T>) { return BinaryAccepts<Op, T>; });
}
template <typename Op>
Dtype output_dtype(Dtype in) {
  return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> Dtype {
    if constexpr (BinaryAccepts<Op, T>) {
      return dtype_v<binary_result_t<Op, T>>;
    } else {
      throw std::invalid_argument(std::string("unsupported dtype ") + dtype_name(in));
    }
  });
}
}  // namespace

const char* binary_op_name(BinaryOp op) {
  switch (op) {
#define KILN_CASE(name) case BinaryOp::name: return #name;
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return "?";
}

bool binary_supports(BinaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) case BinaryOp::name: return supports<ew::name>(in);
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return false;
}

Dtype binary_output_dtype(BinaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) case BinaryOp::name: return output_dtype<ew::name>(in);
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return in;
}

bool Binary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Binary*>(&other);
  return o && o->op_ == op_;
}

std::vector<Shape> Binary::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_shapes(inputs[0].shape(), inputs[1].shape())};
}

std::vector<Shape> Select::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_shapes(broadcast_shapes(inputs[0].shape(), inputs[1].shape()),
                           inputs[2].shape())};
}

}  // namespace kiln
