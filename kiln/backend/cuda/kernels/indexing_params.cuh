// Parameter blocks of the gather and scatter kernels (kernels/indexing.cuh), shared with the
// host launch code.
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"

namespace kiln::cu {

constexpr int kMaxIndexArrays = kMaxDims;

// Threads per block of the row-layout gathers and scatters (blockDim.x * blockDim.y).
constexpr int kRowBlock = 256;

// The dtypes an index array may have, numbered as Dtype::index() numbers them (kiln/dtype.h;
// cuda/indexing.cpp checks that they agree): the unsigned integers, then the signed ones.
enum IndexDtype {
  kIndexUint8 = 1,
  kIndexUint16 = 2,
  kIndexUint32 = 3,
  kIndexUint64 = 4,
  kIndexInt8 = 5,
  kIndexInt16 = 6,
  kIndexInt32 = 7,
  kIndexInt64 = 8,
};

// The index arrays of a Gather or Scatter over their common index space (dimensions merged
// where every operand allows), and the updates' strides over that space (Scatter).
struct IndexSpace {
  int ndim;   // >= 1
  int count;  // index arrays (0: a single start at the origin)
  long long shape[kMaxDims];
  // [0]: the updates (0 for a gather), [1 + t]: index array t.
  long long strides[kMaxIndexArrays + 1][kMaxDims];
  const void* ptr[kMaxIndexArrays];
  int dtype[kMaxIndexArrays];         // IndexDtype (Dtype::index()) of each index array
  long long size[kMaxIndexArrays];    // length of the indexed axis
  long long limit[kMaxIndexArrays];   // largest valid start on it (size - slice extent)
  long long stride[kMaxIndexArrays];  // element stride of that axis in the indexed array
};

// Slots of the device buffer where kernels report the first out-of-range index.
enum IndexErrorSlot { kErrFlag = 0, kErrValue = 1, kErrOperand = 2, kErrSlots = 3 };

// Masked scatter: blocks of kMaskBlock threads walk tiles of kMaskTile mask elements;
// one block of kScanBlock threads scans the tile counts.
constexpr int kMaskBlock = 256;
constexpr int kMaskItems = 8;
constexpr long long kMaskTile = kMaskBlock * kMaskItems;
constexpr int kScanBlock = 1024;

}  // namespace kiln::cu
