// Primitives that only arrange memory: each output is a view of an input, or a copy made
// through the copies of the device that runs the stream (kiln/backend/copy.h). With no
// arithmetic of their own, one eval serves every device.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

template <class P>
class LayoutPrimitive : public UnaryPrimitiveOf<P> {
 public:
  using UnaryPrimitiveOf<P>::UnaryPrimitiveOf;
  void eval_cpu(const std::vector<array>& inputs, array& out) final { eval(inputs, out); }
  void eval_gpu(const std::vector<array>& inputs, array& out) final { eval(inputs, out); }

 protected:
  // Memory and copies come from stream()'s device.
  virtual void eval(const std::vector<array>& inputs, array& out) = 0;
};

}  // namespace kiln
