// Shape primitives. Most produce views of their input (no data movement); Reshape copies
// only when the input's layout cannot be viewed with the new shape. One eval serves every
// device (kiln/primitives/layout.h).
#pragma once

#include <optional>

#include "kiln/primitives/layout.h"

namespace kiln {

class Reshape : public LayoutPrimitive<Reshape> {
 public:
  Reshape(Stream s, Shape shape) : LayoutPrimitive(s), shape_(std::move(shape)) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(shape_); }
  // Only a target shape with a -1 (kept as given while shapeless compile traces) follows
  // new input shapes; a fixed one cannot.
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Reshape"; }
  const Shape& shape() const { return shape_; }
  // Strides that view `in` with `shape` without copying, if any exist.
  static std::optional<Strides> view_strides(const array& in, const Shape& shape);

 private:
  Shape shape_;
};

class Transpose : public LayoutPrimitive<Transpose> {
 public:
  Transpose(Stream s, std::vector<int> axes) : LayoutPrimitive(s), axes_(std::move(axes)) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(axes_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Transpose"; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

class Broadcast : public LayoutPrimitive<Broadcast> {
 public:
  Broadcast(Stream s, Shape shape) : LayoutPrimitive(s), shape_(std::move(shape)) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(shape_); }
  // The target shape, fixed when traced (as MLX's broadcast_to under shapeless compile);
  // an input that no longer broadcasts to it is an error.
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Broadcast"; }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

class AsType : public LayoutPrimitive<AsType> {
 public:
  AsType(Stream s, Dtype dtype) : LayoutPrimitive(s), dtype_(dtype) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(dtype_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "AsType"; }
  Dtype dtype() const { return dtype_; }

 private:
  Dtype dtype_;
};

// Makes a row-contiguous (or, when allowed, column-contiguous) copy unless already so.
class Contiguous : public LayoutPrimitive<Contiguous> {
 public:
  Contiguous(Stream s, bool allow_col_major) : LayoutPrimitive(s), allow_col_(allow_col_major) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(allow_col_); }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const char* name() const override { return "Contiguous"; }

 private:
  bool allow_col_;
};

// The (offset) diagonal of the (axis1, axis2) planes as the last axis: a view.
class Diagonal : public LayoutPrimitive<Diagonal> {
 public:
  Diagonal(Stream s, int offset, int axis1, int axis2)
      : LayoutPrimitive(s), offset_(offset), axis1_(axis1), axis2_(axis2) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(offset_, axis1_, axis2_); }
  const char* name() const override { return "Diagonal"; }

 private:
  int offset_, axis1_, axis2_;
};

// A view with explicit element strides and offset over the row-major order of the input
// (the input is copied to row-major order first when it is not already).
class AsStrided : public LayoutPrimitive<AsStrided> {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, int64_t offset)
      : LayoutPrimitive(s), shape_(std::move(shape)), strides_(std::move(strides)),
        offset_(offset) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(shape_, strides_, offset_); }
  const char* name() const override { return "AsStrided"; }

 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_;
};

// Reinterprets the input's bytes as another dtype. A view when the layout allows (equal item
// sizes, or a contiguous last axis whose other strides stay whole); otherwise a row-major
// copy is viewed.
class View : public LayoutPrimitive<View> {
 public:
  View(Stream s, Dtype dtype) : LayoutPrimitive(s), dtype_(dtype) {}
  void eval(const std::vector<array>& inputs, array& out) override;
  KILN_TRANSFORM_RULES
  auto params() const { return std::tie(dtype_); }
  const char* name() const override { return "View"; }
  // The strides (in elements of the new dtype) of a view of `in`, if one exists.
  static std::optional<Strides> view_strides(const array& in, Dtype dtype);

 private:
  Dtype dtype_;
};

}  // namespace kiln
