// CPU kernels of Reduce (max, min, and, or here; sum and prod in reduce_sum.cpp) and Trace.
#include <algorithm>

#include "kiln/backend/cpu/reduce_kernels.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

namespace {

using cpu::load;

// Elements below which a trace stays on one thread.
constexpr int64_t kGrain = int64_t(1) << 15;

template <typename T>
void trace_kernel(const array& in, array& out, int offset, int ax1, int ax2) {
  using A = cpu::sum_acc_t<T>;
  out.allocate();
  if (out.size() == 0) return;
  int64_t n1 = in.shape()[ax1], n2 = in.shape()[ax2];
  int64_t r0 = offset >= 0 ? 0 : -int64_t(offset), c0 = offset >= 0 ? offset : 0;
  int64_t len = std::max<int64_t>(0, std::min(n1 - r0, n2 - c0));
  int64_t step = in.strides()[ax1] + in.strides()[ax2];
  int64_t start = len > 0 ? r0 * in.strides()[ax1] + c0 * in.strides()[ax2] : 0;
  Shape kshape;
  Strides kin;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i == ax1 || i == ax2) continue;
    kshape.push_back(in.shape()[i]);
    kin.push_back(in.strides()[i]);
  }
  const T* pi = in.data<T>() + start;
  T* po = out.data<T>();
  cpu::parallel_for(out.size(), std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1)),
                    [&](int64_t s, int64_t e) {
                      Odometer ko(kshape, kin);
                      ko.seek(s);
                      for (int64_t o = s; o < e; ++o, ko.next()) {
                        A acc = A(0);
                        const T* x = pi + ko.off0();
                        for (int64_t i = 0; i < len; ++i) acc = acc + load<A>(x[i * step]);
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
      if (op_ == And) return cpu::reduce<cpu::AndOp, bool, bool, bool>(in, out, axes_, true);
      return cpu::reduce<cpu::OrOp, bool, bool, bool>(in, out, axes_, true);
    case Max:
    case Min:
      return dispatch_dtype(in.dtype(), [&]<typename T>(type_tag<T>) {
        using A = cpu::cmp_t<T>;
        if (op_ == Max) return cpu::reduce<cpu::MaxOp<A>, A, T, T>(in, out, axes_, true);
        return cpu::reduce<cpu::MinOp<A>, A, T, T>(in, out, axes_, true);
      });
    case Sum:
      return cpu::reduce_sum(in, out, axes_);
    case Prod:
      return cpu::reduce_prod(in, out, axes_);
  }
}

void Trace::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_dtype(out.dtype(), [&]<typename T>(type_tag<T>) {
    trace_kernel<T>(inputs[0], out, offset_, axis1_, axis2_);
  });
}

}  // namespace kiln
