// Joining and splitting arrays: concatenate, stack, unstack, split, tile, repeat.
#pragma once

#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// Joins arrays along an existing axis; dtypes promote. Each input is written into its slice
// of one output buffer.
array concatenate(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
array concatenate(const std::vector<array>& arrays, StreamOrDevice s = {});  // flattened
// Joins arrays of equal shape along a new axis.
array stack(const std::vector<array>& arrays, int axis = 0, StreamOrDevice s = {});
// The slices of `a` along `axis`, with that axis removed (views).
std::vector<array> unstack(const array& a, int axis = 0, StreamOrDevice s = {});
// `num_splits` equal parts along `axis` (views); the axis must divide evenly.
std::vector<array> split(const array& a, int num_splits, int axis = 0, StreamOrDevice s = {});
// Parts a[:i0], a[i0:i1], ..., a[ik:] along `axis` (views; Python slice rules for the indices).
std::vector<array> split(const array& a, const Shape& indices, int axis = 0,
                         StreamOrDevice s = {});
// `a` repeated reps[i] times along each axis (NumPy's tile: shorter reps or a lower-rank `a`
// are padded with leading ones).
array tile(const array& a, std::vector<int64_t> reps, StreamOrDevice s = {});
// Each element repeated `repeats` times along `axis`.
array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s = {});
array repeat(const array& a, int64_t repeats, StreamOrDevice s = {});  // flattened

}  // namespace kiln
