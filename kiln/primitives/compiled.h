// Compiled: a region of elementwise work (unary, binary, select, casts, broadcasts of its
// inputs) that compile fused into one node. Every value of the region has the shape of its
// outputs or broadcasts to it, so the region runs as one pass over the output's elements:
// on the CPU tile by tile through the vectorized kernels (kiln/backend/cpu/compiled.cpp),
// on the GPU as one generated CUDA kernel (kiln/backend/cuda/compiled.cpp). Intermediate
// values never reach memory.
//
// The transform rules expand the region back into ordinary nodes and transform those, so
// grad, jvp and vmap of a compiled function work like those of the original.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "kiln/primitive.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/unary.h"

namespace kiln {

// One node of a region. Values are numbered: the region's inputs first, then one per step.
struct FusedStep {
  enum class Kind : uint8_t { unary, binary, select, cast, broadcast };
  Kind kind;
  uint8_t op = 0;  // UnaryOp or BinaryOp
  std::shared_ptr<Primitive> primitive;  // the original node's, for expand()
  std::vector<int> args;                 // value numbers
  Dtype dtype;
  Shape shape;  // the traced shape: a broadcast's target

  UnaryOp unary_op() const { return UnaryOp(op); }
  BinaryOp binary_op() const { return BinaryOp(op); }
};

struct FusedGraph {
  std::vector<Dtype> input_dtypes;
  // Inputs that are one-element constants of the trace: their bits (zero-extended), which
  // generated code may write as literals instead of reading memory.
  std::vector<std::optional<uint64_t>> constants;
  std::vector<FusedStep> steps;
  std::vector<int> outputs;  // value numbers of steps, distinct

  int num_inputs() const { return int(input_dtypes.size()); }
  int num_values() const { return num_inputs() + int(steps.size()); }
  Dtype value_dtype(int v) const {
    return v < num_inputs() ? input_dtypes[v] : steps[v - num_inputs()].dtype;
  }
  // Shapes of every value given the inputs' shapes.
  std::vector<Shape> value_shapes(const std::vector<Shape>& input_shapes) const;
  bool operator==(const FusedGraph& o) const;
};

class Compiled : public Primitive {
 public:
  Compiled(Stream s, std::shared_ptr<const FusedGraph> graph)
      : Primitive(s), graph_(std::move(graph)) {}
  const FusedGraph& graph() const { return *graph_; }

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  KILN_GPU_EVAL_MULTI
  KILN_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Compiled"; }
  std::string label() const override;

  // The region rebuilt from ordinary nodes applied to `inputs`: its outputs.
  std::vector<array> expand(const std::vector<array>& inputs) const;

 private:
  std::shared_ptr<const FusedGraph> graph_;
#if KILN_HAS_CUDA
  // Generated kernels by variant (input layouts, vector width, device): cudaKernel_t.
  std::mutex kernels_mutex_;
  std::unordered_map<std::string, void*> kernels_;
#endif
};

// Stands for one input of a function while compile traces it. It has no data: evaluating it
// (or anything computed from it) raises an error.
class CompilePlaceholder : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  void eval_gpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "CompilePlaceholder"; }
};

// The number of elements of the input along `axes`, as a 0-d array of `dtype`. Ops put it
// where they would write that count as a constant (mean, var) while shapeless compile traces
// (detail::in_shapeless_trace), so a trace replayed on new shapes counts anew. Computed on
// the host: on the GPU it is a host scalar that kernels read by value.
class NumberOfElements : public UnaryPrimitiveOf<NumberOfElements> {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, Dtype dtype)
      : UnaryPrimitiveOf(s), axes_(std::move(axes)), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(axes_, dtype_); }
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {Shape{}}; }
  const char* name() const override { return "NumberOfElements"; }

 private:
  std::vector<int> axes_;
  Dtype dtype_;
};

}  // namespace kiln
