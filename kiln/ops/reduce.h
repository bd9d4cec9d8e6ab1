// Reductions (sum, prod, max, min, all, any, mean, var, std, argmax, argmin, count_nonzero,
// trace) and the whole-array comparisons allclose and array_equal; softmax and logsumexp are
// in ops/softmax.h.
//
// Every reduction takes no axes (the whole array), one axis or a list of axes; negative axes
// count from the end, an out-of-range axis raises std::out_of_range and a repeated one
// std::invalid_argument. Output dtypes follow MLX: sum and prod of bool and integers of up to
// 32 bits give int32/uint32 (int64/uint64 stay), mean/var/std of integers give float32,
// argmax/argmin give uint32, count_nonzero gives int32.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// Whether all (any) of the reduced elements are nonzero; bool.
array all(const array& a, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, const std::vector<int>& axes, bool keepdims = false,
          StreamOrDevice s = {});
array all(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, const std::vector<int>& axes, bool keepdims = false,
          StreamOrDevice s = {});
array any(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

array sum(const array& a, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, const std::vector<int>& axes, bool keepdims = false,
          StreamOrDevice s = {});
array sum(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false,
           StreamOrDevice s = {});
array prod(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

// NaN wins, as in NumPy. Reduced axes must not be empty.
array max(const array& a, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, const std::vector<int>& axes, bool keepdims = false,
          StreamOrDevice s = {});
array max(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, const std::vector<int>& axes, bool keepdims = false,
          StreamOrDevice s = {});
array min(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

// An empty reduction gives NaN, as in NumPy.
array mean(const array& a, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false,
           StreamOrDevice s = {});
array mean(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

array count_nonzero(const array& a, bool keepdims = false, StreamOrDevice s = {});
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false,
                    StreamOrDevice s = {});
array count_nonzero(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});

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
