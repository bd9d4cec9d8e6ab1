// Shape primitives. Most produce views of their input (no data movement); Reshape copies
// only when the input's layout cannot be viewed with the new shape.
#pragma once

#include <optional>

#include "kiln/primitive.h"

namespace kiln {

class Reshape : public UnaryPrimitive {
 public:
  Reshape(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Reshape"; }
  const Shape& shape() const { return shape_; }
  // Strides that view `in` with `shape` without copying, if any exist.
  static std::optional<Strides> view_strides(const array& in, const Shape& shape);

 private:
  Shape shape_;
};

class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes) : UnaryPrimitive(s), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Transpose"; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Broadcast"; }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "AsType"; }
  Dtype dtype() const { return dtype_; }

 private:
  Dtype dtype_;
};

// Makes a row-contiguous (or, when allowed, column-contiguous) copy unless already so.
class Contiguous : public UnaryPrimitive {
 public:
  Contiguous(Stream s, bool allow_col_major) : UnaryPrimitive(s), allow_col_(allow_col_major) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "Contiguous"; }

 private:
  bool allow_col_;
};

}  // namespace kiln
