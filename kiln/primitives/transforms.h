// Primitives the transforms themselves insert: identities with particular derivative or
// scheduling behaviour, user-defined transforms, and vmap's placeholders. None computes
// anything: each output shares the memory of an input.
#pragma once

#include <optional>

#include "kiln/primitive.h"
#include "kiln/transforms.h"

namespace kiln {

// The identity (a view of its input). The transforms give each traced input one of these,
// so the input has a node of its own whose dependents can be found.
class Copy : public UnaryPrimitiveOf<Copy> {
 public:
  using UnaryPrimitiveOf::UnaryPrimitiveOf;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "Copy"; }
};

// The identity with a zero derivative.
class StopGradient : public UnaryPrimitiveOf<StopGradient> {
 public:
  using UnaryPrimitiveOf::UnaryPrimitiveOf;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "StopGradient"; }
};

// Outputs: the first n inputs unchanged; the remaining inputs are dependencies that must be
// computed first.
class Depends : public Primitive {
 public:
  Depends(Stream s, int n) : Primitive(s), n_(n) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  KILN_TRANSFORM_RULES
  const char* name() const override { return "Depends"; }

 private:
  int n_;
};

// A custom_function application. Inputs: the n arguments, then the outputs of the traced
// forward function (behind stop_gradient); the outputs share the latter's memory. The
// transforms call the user's rules, or transform the forward function when a rule is absent.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_inputs, Function fun, std::optional<VjpFunction> fun_vjp,
                   std::optional<JvpFunction> fun_jvp, std::optional<VmapFunction> fun_vmap)
      : Primitive(s),
        n_(num_inputs),
        fun_(std::move(fun)),
        vjp_(std::move(fun_vjp)),
        jvp_(std::move(fun_jvp)),
        vmap_(std::move(fun_vmap)) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  KILN_TRANSFORM_RULES
  const char* name() const override { return "CustomTransforms"; }

 private:
  int n_;
  Function fun_;
  std::optional<VjpFunction> vjp_;
  std::optional<JvpFunction> jvp_;
  std::optional<VmapFunction> vmap_;
};

// Stands for one slice of a mapped input while vmap traces a function. It has no data:
// evaluating it (or anything computed from it) raises an error.
class VmapPlaceholder : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "VmapPlaceholder"; }
};

}  // namespace kiln
