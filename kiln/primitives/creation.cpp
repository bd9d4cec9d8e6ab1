#include "kiln/primitives/creation.h"

#include <cmath>
#include <stdexcept>

#include "kiln/ops/creation.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"

namespace kiln {

Arange::Steps Arange::first_and_step(Dtype dtype) const {
  if (dtype == bool_) throw std::invalid_argument("[arange] bool dtype is not supported");
  Steps s;
  if (is_integral(dtype) && exact_) {  // wraps like the cast of each value, as NumPy's
    s.ifirst = uint64_t(istart_);
    s.istep = uint64_t(istep_);
    return s;
  }
  if (is_integral(dtype)) {
    s.ifirst = uint64_t(int64_t(std::trunc(start_)));
    s.istep = uint64_t(int64_t(std::trunc(start_ + step_))) - s.ifirst;
    return s;
  }
  dispatch_dtype(dtype, [&]<typename T>(type_tag<T>) {
    if constexpr (!std::is_integral_v<T>) {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      C first = cast_to<C>(cast_to<T>(start_));
      s.first = first;
      s.step = cast_to<C>(cast_to<T>(start_ + step_)) - first;
    }
  });
  return s;
}


// ---------------------------------------------------------------- transform rules

std::vector<array> Full::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {sum(cotangents[0], false, stream())};
}
std::vector<array> Full::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Full::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  const array& v = inputs[0];  // (n,): one fill value per slice
  Shape column{v.shape()[0]}, shape{v.shape()[0]};
  column.insert(column.end(), shape_.size(), 1);
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{full(shape, reshape(v, column, stream()), std::nullopt, stream())}, {0}};
}

}  // namespace kiln
