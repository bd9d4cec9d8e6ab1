// CPU kernels of Reduce's Sum and Prod (see reduce_kernels.h).
#include <string>

#include "kiln/backend/cpu/reduce_kernels.h"

namespace kiln::cpu {

namespace {

template <template <typename> class Op, bool FloatOutput>
void reduce_sum_like(const array& in, array& out, const std::vector<int>& axes,
                     const char* name) {
  dispatch_dtype(in.dtype(), [&]<typename T>(type_tag<T>) {
    using D = red::sum_out_t<T>;
    using A = red::sum_acc_t<D>;
    if (out.dtype() == dtype_v<D>) return reduce<Op<A>, T, D>(in, out, axes, false);
    if constexpr (FloatOutput && (std::is_integral_v<T> || is_half_type<T>::value)) {
      if (out.dtype() == float32) return reduce<Op<float>, T, float>(in, out, axes, false);
    }
    throw std::invalid_argument(std::string("[") + name + "] cannot reduce " +
                                dtype_name(in.dtype()) + " into " + dtype_name(out.dtype()));
  });
}

}  // namespace

void reduce_sum(const array& in, array& out, const std::vector<int>& axes) {
  reduce_sum_like<red::Sum, true>(in, out, axes, "sum");
}

void reduce_prod(const array& in, array& out, const std::vector<int>& axes) {
  reduce_sum_like<red::Prod, false>(in, out, axes, "prod");
}

}  // namespace kiln::cpu
