// Copies with dtype conversion between any two layouts: the workhorse behind astype,
// contiguous, reshape of strided data, concatenate, slice updates and scatters. Code that
// serves every device reaches these and the GPU's through kiln/backend/copy.h.
#pragma once

#include "kiln/array.h"

namespace kiln::cpu {

// Copies the elements of `src` (viewed with `shape`, `src_strides` and `src_offset`, all in
// elements of src) into `dst` at `dst_strides`/`dst_offset` (elements of dst), converting
// the dtype. `dst` must already have memory.
void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides,
                  int64_t dst_offset);

// Gives `dst` new memory and fills it with src converted to dst's dtype. Dense sources keep
// their order unless `row_major` is set; anything else becomes row-contiguous.
void copy_to_new(const array& src, array& dst, bool row_major = false);

// A row-contiguous copy of `in`, for kernels and views that need row-major order.
array row_major_copy(const array& in);

}  // namespace kiln::cpu
