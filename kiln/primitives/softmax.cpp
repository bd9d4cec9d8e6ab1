#include "kiln/primitives/softmax.h"

#include "kiln/ops/binary.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/rules.h"

namespace kiln {

std::vector<Shape> LogSumExp::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  shape[axis_] = 1;
  return {shape};
}

std::vector<Shape> Softmax::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

// ---------------------------------------------------------------- transform rules

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>& outputs) {
  Stream s = stream();
  return {multiply(cotangents[0], exp(subtract(primals[0], outputs[0], s), s), s)};
}
std::vector<array> LogSumExp::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents, const std::vector<int>&) {
  const array& x = primals[0];
  Stream s = stream();
  array lse(output_shapes(primals)[0], x.dtype(), std::make_shared<LogSumExp>(s, axis_), {x});
  return {sum(multiply(tangents[0], exp(subtract(x, lse, s), s), s), axis_, true, s)};
}
std::pair<std::vector<array>, std::vector<int>> LogSumExp::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  const array& x = inputs[0];
  int ax = rules::shift_axis(axis_, axes[0]);
  Shape shape = x.shape();
  shape[ax] = 1;
  return {{array(shape, x.dtype(), std::make_shared<LogSumExp>(stream(), ax), {x})}, {axes[0]}};
}

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  const array &c = cotangents[0], &y = outputs[0];
  Stream s = stream();
  return {multiply(y, subtract(c, sum(multiply(c, y, s), axis_, true, s), s), s)};
}
std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents, const std::vector<int>&) {
  const array &x = primals[0], &t = tangents[0];
  Stream s = stream();
  array y(x.shape(), x.dtype(), std::make_shared<Softmax>(s, axis_, precise_), {x});
  return {multiply(y, subtract(t, sum(multiply(t, y, s), axis_, true, s), s), s)};
}
std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  const array& x = inputs[0];
  auto p = std::make_shared<Softmax>(stream(), rules::shift_axis(axis_, axes[0]), precise_);
  return {{array(x.shape(), x.dtype(), p, {x})}, {axes[0]}};
}

}  // namespace kiln
