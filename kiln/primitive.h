// The contract every operation implements. A primitive is the "how" of a graph node: it
// computes its outputs from its inputs on a device, and states its derivative and batching
// rules in terms of ops.
//
// Adding a primitive means adding its three transform rules in the same change (declare
// them with KILN_TRANSFORM_RULES, define them next to the primitive in
// kiln/primitives/<family>.cpp, and add the op to the finite-difference and vmap tables in
// tests/python/test_grad.py and test_vmap.py). The rules build ordinary nodes with ops on
// the primitive's stream, so their results can be transformed again (grad of grad):
// - vjp(primals, cotangents, argnums, outputs): one cotangent per entry of argnums, of that
//   input's shape. The transforms only ask for floating-point or complex inputs that depend
//   on the traced arguments; cotangents of broadcast inputs are summed back to their shape.
//   `outputs` are the forward results, so exp, sqrt or sigmoid reuse them.
// - jvp(primals, tangents, argnums): one tangent per output, of the output's shape, given
//   the tangents of the inputs in argnums (the others are constant).
// - vmap(inputs, axes): the outputs of the primitive applied to every slice of the inputs
//   along their mapped axes (axes[i] == -1: input i is not mapped and is shared), and the
//   mapped axis of each output (-1: not mapped).
// A primitive that has no derivative (comparisons, integer outputs) still answers: zeros.
#pragma once

#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

// A primitive with a GPU implementation declares it with one of these; builds without CUDA
// keep the base class's eval_gpu, which raises a clear error.
#if KILN_HAS_CUDA
#define KILN_GPU_EVAL \
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
#define KILN_GPU_EVAL_MULTI \
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
#else
#define KILN_GPU_EVAL
#define KILN_GPU_EVAL_MULTI
#endif

namespace kiln {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  const Stream& stream() const { return stream_; }
  Device device() const { return stream_.device; }

  // Compute the outputs. Each output arrives with its shape and dtype set and no memory:
  // the primitive allocates it, or makes it a view of an input, or takes over a donatable
  // input's memory.
  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs);

  // Reverse mode: cotangents of the inputs listed in argnums, given the cotangents of the
  // outputs and the outputs themselves (so exp or sigmoid can reuse them).
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  // Forward mode: tangents of the outputs given tangents of the inputs in argnums.
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  // Batching: given inputs with a batch axis each (-1: unbatched), the outputs and the
  // batch axis of each.
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes);

  // True when `other` computes the same function of the same inputs (for CSE in compile).
  virtual bool is_equivalent(const Primitive& other) const { return false; }
  // Output shapes recomputed from input shapes (shapeless compile); throws when the
  // primitive cannot do so.
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  virtual const char* name() const = 0;
  // The name with the parameters that distinguish instances (for printing and export). Built
  // as a string, not through iostreams (see printing.cpp for why).
  virtual std::string label() const { return name(); }

 private:
  Stream stream_;
};

// Declares a primitive's three transform rules (defined with the primitive).
#define KILN_TRANSFORM_RULES                                                                  \
  std::vector<array> vjp(const std::vector<array>& primals,                                   \
                         const std::vector<array>& cotangents, const std::vector<int>& argnums, \
                         const std::vector<array>& outputs) override;                         \
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents, \
                         const std::vector<int>& argnums) override;                           \
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,      \
                                                       const std::vector<int>& axes) override;

// A primitive with exactly one output.
class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& out);
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_gpu(inputs, outputs[0]);
  }
};

// Structural equality. A primitive derived from PrimitiveOf<P> or UnaryPrimitiveOf<P> declares
//   auto params() const { return std::tie(op_, axis_, ...); }
// naming every field that tells two instances apart, and is equivalent (compile's CSE merges
// it) to any P with equal params. One list of fields is what keeps a new field from being
// forgotten in CSE. Fields compare with ==, so a NaN parameter never matches and -0.0 matches 0.0.
template <class P>
bool same_params(const P& self, const Primitive& other) {
  auto* o = dynamic_cast<const P*>(&other);
  return o && o->params() == self.params();
}

template <class P>
class PrimitiveOf : public Primitive {
 public:
  using Primitive::Primitive;
  bool is_equivalent(const Primitive& other) const override {
    return same_params(static_cast<const P&>(*this), other);
  }
};

template <class P>
class UnaryPrimitiveOf : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  bool is_equivalent(const Primitive& other) const override {
    return same_params(static_cast<const P&>(*this), other);
  }
};

}  // namespace kiln
