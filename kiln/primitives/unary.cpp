#include "kiln/primitives/unary.h"

#include "kiln/primitives/elementwise_traits.h"

namespace kiln {

namespace {
template <typename Op>
bool supports(Dtype in) {
  return dispatch_dtype(in, []<typename T>(type_tag<T>) { return UnaryAccepts<Op, T>; });
}
template <typename Op>
Dtype output_dtype(Dtype in) {
  return dispatch_dtype(in, [&]<typename T>(type_tag<T>) -> Dtype {
    if constexpr (UnaryAccepts<Op, T>) {
      return dtype_v<unary_result_t<Op, T>>;
    } else {
      throw std::invalid_argument(std::string("[") + "unary" + "] unsupported dtype " +
                                  dtype_name(in));
    }
  });
}
}  // namespace

const char* unary_op_name(UnaryOp op) {
  switch (op) {
#define KILN_CASE(name) case UnaryOp::name: return #name;
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return "?";
}

bool unary_supports(UnaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) case UnaryOp::name: return supports<ew::name>(in);
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return false;
}

Dtype unary_output_dtype(UnaryOp op, Dtype in) {
  switch (op) {
#define KILN_CASE(name) case UnaryOp::name: return output_dtype<ew::name>(in);
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  return in;
}

bool Unary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Unary*>(&other);
  return o && o->op_ == op_;
}

std::vector<Shape> Unary::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

}  // namespace kiln
