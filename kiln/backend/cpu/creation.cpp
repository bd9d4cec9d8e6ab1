// CPU evaluation of Full, Arange and Linspace.
#include <cmath>

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
  Steps steps = first_and_step(out.dtype());
  out.allocate();
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    T* o = out.data<T>();
    auto fill = [&](auto f) {
      cpu::parallel_for(out.size(), cpu::kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = f(i);
      });
    };
    if constexpr (std::is_integral_v<T>) {
      fill([&](int64_t i) { return T(steps.ifirst + uint64_t(i) * steps.istep); });
    } else {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      C first = C(steps.first), step = C(steps.step);
      fill([&](int64_t i) { return cast_to<T>(first + C(i) * step); });
    }
  });
}

void Linspace::eval_cpu(const std::vector<array>&, array& out) {
  out.allocate();
  int64_t num = out.size();
  int64_t div = endpoint_ ? num - 1 : num;
  double delta = stop_ - start_;
  double step = div > 0 ? delta / div : 0.0;
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    T* o = out.data<T>();
    cpu::parallel_for(num, cpu::kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        // As NumPy: a step that underflows to zero is applied as i / div * delta.
        double v = div > 0 && step == 0 ? double(i) / double(div) * delta + start_
                                        : double(i) * (div > 0 ? step : delta) + start_;
        if (endpoint_ && num > 1 && i == num - 1) v = stop_;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) v = std::floor(v);
        o[i] = cast_to<T>(v);
      }
    });
  });
}

}  // namespace kiln
