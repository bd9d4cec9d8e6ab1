// Reductions (sum, prod, max, min, all, any, mean, var, std, argmax, argmin, logsumexp,
// count_nonzero, trace), softmax, and the whole-array comparisons allclose and array_equal.
//
// Every reduction takes no axes (the whole array), one axis or a list of axes; negative axes
// count from the end, an out-of-range axis raises std::out_of_range and a repeated one
// std::invalid_argument. Output dtypes follow MLX: sum and prod of bool and integers of up to
// 32 bits give int32/uint32 (int64/uint64 stay), mean/var/std/logsumexp/softmax of integers
// give float32, argmax/argmin give uint32, count_nonzero gives int32.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

#define KILN_REDUCTION(name)                                                                  \
  array name(const array& a, bool keepdims = false, StreamOrDevice s = {});                   \
  array name(const array& a, const std::vector<int>& axes, bool keepdims = false,             \
             StreamOrDevice s = {});                                                          \
  array name(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

KILN_REDUCTION(all)
KILN_REDUCTION(any)
KILN_REDUCTION(sum)
KILN_REDUCTION(prod)
KILN_REDUCTION(max)
KILN_REDUCTION(min)
KILN_REDUCTION(mean)
KILN_REDUCTION(logsumexp)
KILN_REDUCTION(count_nonzero)
#undef KILN_REDUCTION

// Variance and standard deviation with `ddof` delta degrees of freedom (divisor n - ddof,
// clamped at 0). Complex inputs give a real result (the mean squared magnitude), as in NumPy.
array var(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array var(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array std(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});

// Index of the first maximum (minimum) along an axis, or in the flattened array; a NaN counts
// as the extreme value, as in NumPy. With keepdims and no axis the result has a.ndim() ones.
array argmax(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

// exp(a - max) / sum(exp(a - max)) over the axes (all of them when none are given). 16-bit
// floats are always accumulated in float32, so `precise` never loses accuracy here.
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, const std::vector<int>& axes, bool precise = false,
              StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false, StreamOrDevice s = {});

// Sum of the diagonal `offset` of the planes (axis1, axis2). The result has a.dtype() unless
// `dtype` is given, in which case the input is converted to it before summing.
array trace(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1,
            std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

// True when |a - b| <= atol + rtol * |b| everywhere (broadcasting); infinities must match
// exactly and NaNs compare equal only with equal_nan. A 0-d bool array.
array allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8,
               bool equal_nan = false, StreamOrDevice s = {});
// True when the shapes match and every element is equal (NaN == NaN with equal_nan).
array array_equal(const array& a, const array& b, bool equal_nan = false, StreamOrDevice s = {});

}  // namespace kiln
