// Compile-time facts about the elementwise functors, for the tables in unary.cpp/binary.cpp
// and the kernels: the functor of an op, which element types it accepts and what it returns.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/dtype.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/unary.h"

namespace kiln {

template <typename Op, typename T>
concept UnaryAccepts = requires(Op op, T x) { op(x); };
template <typename Op, typename T>
concept BinaryAccepts = requires(Op op, T x) { op(x, x); };

template <typename Op, typename T>
using unary_result_t = decltype(std::declval<Op>()(std::declval<T>()));
template <typename Op, typename T>
using binary_result_t = decltype(std::declval<Op>()(std::declval<T>(), std::declval<T>()));

// Call f(type_tag<ew::Op>{}) with the functor of `op`: the one switch over each op list, so
// code that needs an op's formula as a type is a lambda over Op.
template <typename F>
decltype(auto) visit(UnaryOp op, F&& f) {
  switch (op) {
#define KILN_CASE(name) case UnaryOp::name: return f(type_tag<ew::name>{});
    KILN_UNARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  throw std::logic_error("visit: corrupt UnaryOp");
}

template <typename F>
decltype(auto) visit(BinaryOp op, F&& f) {
  switch (op) {
#define KILN_CASE(name) case BinaryOp::name: return f(type_tag<ew::name>{});
    KILN_BINARY_OPS(KILN_CASE)
#undef KILN_CASE
  }
  throw std::logic_error("visit: corrupt BinaryOp");
}

// Call f(type_tag<ew::Op>{}, type_tag<T>{}) with the functor of `op` and the C++ type of
// `in`, returning R; throws std::invalid_argument when the functor does not take T.
template <typename R, typename OpEnum, typename F>
R dispatch_op(OpEnum op, Dtype in, F&& f) {
  return visit(op, [&]<typename Op>(type_tag<Op> o) {
    return dispatch_dtype(in, [&]<typename T>(type_tag<T> t) -> R {
      constexpr bool accepted = std::is_same_v<OpEnum, UnaryOp> ? UnaryAccepts<Op, T>
                                                                : BinaryAccepts<Op, T>;
      if constexpr (accepted) {
        return f(o, t);
      } else {
        std::string name = std::is_same_v<OpEnum, UnaryOp> ? unary_op_name(UnaryOp(op))
                                                           : binary_op_name(BinaryOp(op));
        throw std::invalid_argument("[" + name + "] not supported for dtype " + dtype_name(in));
      }
    });
  });
}

}  // namespace kiln
