// The memory work of primitives that only arrange data (views, and the copies a view falls
// back to), on whichever device runs the stream: the CPU's copies (backend/cpu/copy.h) or the
// GPU's (backend/cuda/copy.h; a build without CUDA has no GPU stream to ask for). With it the
// layout primitives write their eval once, for every device (kiln/primitives/layout.h).
#pragma once

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln::backend {

// Gives `out` fresh row-contiguous memory on s's device.
void allocate(array& out, const Stream& s);
// Gives `out` memory of data_size elements with the given (dense) layout on s's device.
void allocate(array& out, const Stream& s, size_t data_size, Strides strides, ArrayFlags flags);

// Copies src viewed with shape/src_strides/src_offset (elements) into dst at
// dst_strides/dst_offset (elements), converting the dtype. dst must already have memory.
void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides, int64_t dst_offset,
                  const Stream& s);

// Gives dst new memory holding src converted to dst's dtype; dense sources keep their order
// unless row_major is set.
void copy_to_new(const array& src, array& dst, const Stream& s, bool row_major = false);

// A row-contiguous copy of `in`.
array row_major_copy(const array& in, const Stream& s);

// Gives `out` src's values in memory it may write: src's own (dense) buffer when nothing else
// uses it, else a row-contiguous copy. Writes then go through out's strides.
void copy_or_donate(const array& src, array& out, const Stream& s);

}  // namespace kiln::backend
