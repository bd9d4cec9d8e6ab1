// Ops that create arrays.
#pragma once

#include <optional>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

array full(Shape shape, const array& value, std::optional<Dtype> dtype = std::nullopt,
           StreamOrDevice s = {});
array zeros(Shape shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(Shape shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array ones_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array full_like(const array& a, const array& value, std::optional<Dtype> dtype = std::nullopt,
                StreamOrDevice s = {});
// Values start, start+step, ... below stop. The dtype defaults to float32 when any of the
// bounds is fractional (`integral_bounds` false), else int32.
array arange(double start, double stop, double step, std::optional<Dtype> dtype = std::nullopt,
             bool integral_bounds = false, StreamOrDevice s = {});
array arange(double stop, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

}  // namespace kiln
