// GPU copies with dtype conversion between any two layouts. Code that serves every device
// reaches these and the CPU's through kiln/backend/copy.h.
#pragma once

#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

// The one-dtype kernels of kernels/copy.cuh that other launchers use: fill with a value in
// device memory, NumPy's arange, and x *= s in place.
KernelSpec fill_spec(Dtype t);
KernelSpec arange_spec(Dtype t);
KernelSpec scale_spec(Dtype t);

// The unsigned integer dtype of an item size (1, 2, 4 or 8): kernels that only move elements
// are instantiated per size, not per dtype. Throws std::logic_error naming `op` otherwise.
Dtype bits_dtype(size_t itemsize, const char* op);

// Copies src viewed with shape/src_strides/src_offset (elements) into dst at
// dst_strides/dst_offset (elements), converting dtype. dst must have device memory.
void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides, int64_t dst_offset,
                  const Stream& s);

// Gives dst new device memory holding src converted to dst's dtype; dense sources keep
// their order unless row_major is set.
void copy_to_new(const array& src, array& dst, const Stream& s, bool row_major = false);

// A row-contiguous device copy of `in`, for kernels and views that need row-major order.
array row_major_copy(const array& in, const Stream& s);

}  // namespace kiln::cuda
