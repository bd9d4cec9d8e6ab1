// Host pieces shared by the CUDA gathers and scatters: index bounds checking, the rows x
// columns launch shape of kernels/indexing.cuh, and packing index arrays for the kernels.
#pragma once

#include <optional>
#include <vector>

#include "kiln/backend/cuda/kernels/indexing_params.cuh"
#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/indexing.h"

namespace kiln::cuda {

// The kernels of kernels/indexing.cuh. Elements move as raw bits, so one instance serves each
// item size; `claim` is the dtype of a two-pass assignment's claim buffer (uint32 or uint64;
// uint32 when there is none).
KernelSpec gather_spec(size_t itemsize);
KernelSpec gather_axis_spec(size_t itemsize);
KernelSpec scatter_claim_spec(Dtype claim);
KernelSpec scatter_assign_spec(size_t itemsize, Dtype claim);
KernelSpec scatter_reduce_spec(ScatterReduce op, Dtype t);
KernelSpec scatter_axis_claim_spec(Dtype claim);
KernelSpec scatter_axis_assign_spec(size_t itemsize, Dtype claim);
KernelSpec mask_count_spec();
KernelSpec mask_scan_spec();
KernelSpec masked_scatter_spec(size_t itemsize);

// One index array and the range its values must name.
struct IndexBound {
  const array* indices;
  int axis;
  int64_t size;   // the axis' length
  int64_t limit;  // the largest valid start: size - the slice's extent on the axis
};

// Bounds checking of one primitive's index arrays, raising std::out_of_range as the CPU does.
// When the host copy of every index array is current (indices made from NumPy, lists or
// Python ints, the usual case), they are checked there as this is built: no GPU wait, and the
// kernels get no error buffer. Otherwise (indices computed on the GPU) the kernels record the
// first bad index in a small device buffer, and raise_if_any() copies it back, which waits
// until the stream has run everything queued so far: the cost of raising the error from the
// eval that met it (a later check would poison the wrong arrays or none).
class IndexCheck {
 public:
  IndexCheck(const char* op, std::vector<IndexBound> bounds, const Stream& s);
  // Where kernels report; nullptr when the indices were checked on the host.
  unsigned long long* device_flag() const;
  void raise_if_any() const;

 private:
  const char* op_;
  std::vector<IndexBound> bounds_;
  Stream stream_;
  std::optional<array> flag_;
};

// Launch shape for work laid out as rows of `cols` columns (kernels/indexing.cuh).
struct RowGrid {
  dim3 grid, block;
};
RowGrid row_grid(int64_t rows, int64_t cols, int device);

// The index arrays (all of `shape`) packed for the kernels; update_strides places each index
// position in a scatter's updates (zeros for a gather) and axis_strides[t] is the stride of
// bounds[t]'s axis in the array the starts address.
cu::IndexSpace index_space(const Shape& shape, const std::vector<IndexBound>& bounds,
                           const Strides& update_strides, const Strides& axis_strides);


// The starts of a dynamic slice (1-d integer `start`, one per axis), each checked to leave
// room for `extent` on its axis of `shape`. Read from start's host copy when current, else
// from the device once the stream has run (a view's offset is host metadata, so the values
// must reach the host).
std::vector<int64_t> slice_starts(const array& start, const std::vector<int>& axes,
                                  const Shape& shape, const Shape& extent, const char* op,
                                  const Stream& s);

}  // namespace kiln::cuda
