// CPU kernels of Reduce (max, min, and, or here; sum and prod in reduce_sum_prod.cpp), Trace
// and NumberOfElements.
#include <algorithm>

#include "kiln/backend/cpu/reduce_kernels.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

namespace {

using cpu::load;

// Elements below which a trace stays on one thread.
constexpr int64_t kGrain = int64_t(1) << 15;

template <typename T>
void trace_kernel(const array& in, array& out, const DiagonalSpan& d) {
  using A = red::sum_acc_t<T>;
  using Op = red::Sum<A>;
  out.allocate();
  if (out.size() == 0) return;
  const T* pi = in.data<T>() + d.start;
  T* po = out.data<T>();
  cpu::parallel_for(out.size(), std::max<int64_t>(1, kGrain / std::max<int64_t>(d.len, 1)),
                    [&](int64_t s, int64_t e) {
                      Odometer ko(d.kshape, d.kstrides);
                      ko.seek(s);
                      for (int64_t o = s; o < e; ++o, ko.next()) {
                        A acc = Op::init();
                        const T* x = pi + ko.off0();
                        for (int64_t i = 0; i < d.len; ++i) acc = Op{}(acc, load<A>(x[i * d.step]));
                        po[o] = cast_to<T>(acc);
                      }
                    });
}

}  // namespace

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  switch (op_) {
    case And:
    case Or:
      if (in.dtype() != bool_) {
        throw std::invalid_argument(std::string("[") + name() + "] expects a bool input, got " +
                                    dtype_name(in.dtype()));
      }
      if (op_ == And) return cpu::reduce<red::And, bool, bool>(in, out, axes_, true);
      return cpu::reduce<red::Or, bool, bool>(in, out, axes_, true);
    case Max:
    case Min:
      return dispatch_dtype(in.dtype(), [&]<typename T>(type_tag<T>) {
        using C = red::cmp_t<T>;
        if (op_ == Max) return cpu::reduce<red::Max<C>, T, T>(in, out, axes_, true);
        return cpu::reduce<red::Min<C>, T, T>(in, out, axes_, true);
      });
    case Sum:
      return cpu::reduce_sum(in, out, axes_);
    case Prod:
      return cpu::reduce_prod(in, out, axes_);
  }
}

void Trace::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    trace_kernel<T>(inputs[0], out, diagonal(inputs[0]));
  });
}

void NumberOfElements::eval_cpu(const std::vector<array>& inputs, array& out) {
  double n = 1;
  for (int a : axes_) n *= double(inputs[0].shape()[a]);
  out.allocate();
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) { *out.data<T>() = cast_to<T>(n); });
}

}  // namespace kiln
