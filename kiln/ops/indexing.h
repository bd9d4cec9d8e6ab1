// Indexing ops: gathers (take, take_along_axis, dynamic slices) and scatters (put, the
// scatter reductions, dynamic slice updates, masked assignment). Negative indices count
// from the end; out-of-range indices raise std::out_of_range, at build time for indices
// given as integers and during evaluation for index arrays.
#pragma once

#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// How a scatter combines each update with the element it lands on: None writes the update
// (the last one wins), the others reduce the element and all its updates.
enum class ScatterReduce : uint8_t { None, Add, Prod, Max, Min };

// out[i..., j...] = a[j + start(i)], start(i) being indices[k][i...] on axes[k] and 0 on
// the other axes; the output has shape broadcast(indices) + slice_sizes.
array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s = {});

// NumPy's take: elements of `a` along `axis` (of the flattened array without one).
array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take(const array& a, int64_t index, int axis, StreamOrDevice s = {});  // a view
array take(const array& a, int64_t index, StreamOrDevice s = {});

// Indices and a broadcast against each other except along `axis`.
array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s = {});
// A copy of `a` with values (broadcast to the indices' shape) written at the indices.
array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s = {});

// A copy of `a` with `updates` combined in. `updates` has shape broadcast(indices) + U
// (its leading dimensions broadcast), U having a's rank and U[d] <= a.shape[d]; it is
// cast to a's dtype. For scatter, the last update to a position wins; the others combine
// every update that lands on a position.
array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});

// Slices whose start is an array (0-d for one axis, else 1-d with one entry per axis).
// slice_size is the whole output shape; the start on the other axes is 0. Named apart
// from the static kiln::slice (Python: mx.slice / mx.slice_update).
array slice_dynamic(const array& a, const array& start_indices, const std::vector<int>& axes,
                    const Shape& slice_size, StreamOrDevice s = {});
// `update` (of rank <= a's; missing leading dims are 1) written at the start.
array slice_update_dynamic(const array& a, const array& update, const array& start_indices,
                           const std::vector<int>& axes, StreamOrDevice s = {});

// a[mask] = values: `mask` (bool, broadcast to a's shape) selects positions in row-major
// order, which take the first elements of `values` (flattened) in order, as MLX does (extra
// values are ignored; too few is an error, found during evaluation).
array masked_scatter(const array& a, const array& mask, const array& values,
                     StreamOrDevice s = {});

}  // namespace kiln
