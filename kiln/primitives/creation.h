// Primitives that make new arrays: Full (fill with a value), Arange and Linspace. Arange and
// Linspace have no inputs, so no transform ever applies a rule to them.
#pragma once

#include "kiln/primitive.h"

namespace kiln {

// Fills the output (of `shape`) with its one input, a 0-d array of the output's dtype.
class Full : public UnaryPrimitiveOf<Full> {
 public:
  Full(Stream s, Shape shape) : UnaryPrimitiveOf(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(shape_); }
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {shape_}; }
  const char* name() const override { return "Full"; }

 private:
  Shape shape_;
};

class Arange : public UnaryPrimitiveOf<Arange> {
 public:
  Arange(Stream s, double start, double stop, double step)
      : UnaryPrimitiveOf(s), start_(start), stop_(stop), step_(step) {}
  // Integer bounds, kept exact for integer dtypes (a double holds only 53 bits).
  Arange(Stream s, int64_t start, int64_t stop, int64_t step)
      : UnaryPrimitiveOf(s),
        start_(double(start)),
        stop_(double(stop)),
        step_(double(step)),
        exact_(true),
        istart_(start),
        istep_(step) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  auto params() const { return std::tie(start_, stop_, step_, exact_, istart_, istep_); }
  const char* name() const override { return "Arange"; }
  double start() const { return start_; }
  double step() const { return step_; }

  // NumPy's fill: the first two values cast to the dtype give the step, and value i is
  // first + i * step, in wrapping integer arithmetic for integer dtypes (ifirst, istep) and
  // in the dtype's own precision, float for 16-bit floats, otherwise (first and step hold
  // values of that precision). Throws for bool.
  struct Steps {
    double first = 0, step = 0;
    uint64_t ifirst = 0, istep = 0;
  };
  Steps first_and_step(Dtype dtype) const;

 private:
  double start_, stop_, step_;
  bool exact_ = false;  // istart_ and istep_ hold the integer bounds exactly
  int64_t istart_ = 0, istep_ = 0;
};

// The output's size is the number of samples.
class Linspace : public UnaryPrimitiveOf<Linspace> {
 public:
  Linspace(Stream s, double start, double stop, bool endpoint)
      : UnaryPrimitiveOf(s), start_(start), stop_(stop), endpoint_(endpoint) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  KILN_GPU_EVAL
  auto params() const { return std::tie(start_, stop_, endpoint_); }
  const char* name() const override { return "Linspace"; }

 private:
  double start_, stop_;
  bool endpoint_;
};

}  // namespace kiln
