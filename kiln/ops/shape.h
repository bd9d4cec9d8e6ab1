// Shape ops: views where possible, copies where not.
#pragma once

#include <optional>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

array reshape(const array& a, Shape shape, StreamOrDevice s = {});  // one dim may be -1
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});  // all size-1 dims
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});  // reverses the axes
// The transpose permutation that keeps the axes not in `axes` in order and puts `axes` (in
// their given order) last, and the permutation that undoes a transpose by `perm`.
std::vector<int> axes_to_back(int ndim, const std::vector<int>& axes);
std::vector<int> inverse_permutation(const std::vector<int>& perm);
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& arrays, StreamOrDevice s = {});
array astype(const array& a, Dtype dtype, StreamOrDevice s = {});
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});

// Splits `axis` into the dims of `shape` (one of which may be -1).
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
// Reverses the order of elements along the axes (a view).
array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array flip(const array& a, StreamOrDevice s = {});  // every axis
array atleast_1d(const array& a, StreamOrDevice s = {});
array atleast_2d(const array& a, StreamOrDevice s = {});
array atleast_3d(const array& a, StreamOrDevice s = {});  // (n) -> (1, n, 1), (m, n) -> (m, n, 1)
// The diagonal of each (axis1, axis2) matrix, appended as the last axis (a view).
array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1,
               StreamOrDevice s = {});
// 1-d input: a square matrix with `a` on its k-th diagonal; 2-d input: its k-th diagonal.
array diag(const array& a, int k = 0, StreamOrDevice s = {});
// A view of the row-major order of `a` with the given shape, element strides and element
// offset. Views that would read outside `a` are rejected.
array as_strided(const array& a, Shape shape, Strides strides, int64_t offset = 0,
                 StreamOrDevice s = {});
// The bytes of `a` read as `dtype`; when the item sizes differ the last axis is resized.
array view(const array& a, Dtype dtype, StreamOrDevice s = {});
// n-th discrete difference along `axis` (not_equal for bool, as NumPy).
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

}  // namespace kiln
