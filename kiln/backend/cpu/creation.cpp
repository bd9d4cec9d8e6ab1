// CPU evaluation of Full and Arange.
#include "kiln/types/cast.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/primitives/creation.h"

namespace kiln {

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.allocate();
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    T v = *inputs[0].data<T>();
    T* o = out.data<T>();
    cpu::parallel_for(out.size(), cpu::kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = v;
    });
  });
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  out.allocate();
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    T* o = out.data<T>();
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // Exact integer steps (start and step are whole numbers for integer dtypes).
      int64_t start = int64_t(start_), step = int64_t(step_);
      for (int64_t i = 0; i < out.size(); ++i) o[i] = T(start + i * step);
    } else {
      for (int64_t i = 0; i < out.size(); ++i) o[i] = cast_to<T>(start_ + double(i) * step_);
    }
  });
}

}  // namespace kiln
