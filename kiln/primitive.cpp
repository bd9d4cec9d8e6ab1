#include "kiln/primitive.h"

#include <stdexcept>

#include "kiln/error.h"

namespace kiln {

namespace {
[[noreturn]] void missing(const Primitive& p, const char* what) {
  fail(p.name(), "has no ", what);
}
}  // namespace

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  missing(*this, "GPU implementation");
}
void UnaryPrimitive::eval_gpu(const std::vector<array>&, array&) {
  missing(*this, "GPU implementation");
}
std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  missing(*this, "vjp rule");
}
std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&) {
  missing(*this, "jvp rule");
}
std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&,
                                                                const std::vector<int>&) {
  missing(*this, "vmap rule");
}
std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  missing(*this, "shapeless output_shapes rule: it cannot be compiled with shapeless=True");
}

}  // namespace kiln
