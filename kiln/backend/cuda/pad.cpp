// GPU evaluation of Pad and Roll: the kernels (kernels/pad.cuh) evaluate the per-axis index
// maps in place, so nothing is uploaded; axes that neither pad nor roll and lie contiguously
// in the input merge first.
#include <cstring>

#include "kiln/backend/common/index_map.h"
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/primitives/pad.h"

namespace kiln {

using namespace cuda;

namespace {

// Below this last-axis length a warp per row would idle: one thread per element instead.
constexpr int64_t kRowKernelMinCols = 32;

// Elements move as raw bits: one instance per item size. rows: a warp per row (remap_rows),
// else a thread per element (remap_elements).
KernelSpec remap_spec(size_t itemsize, bool rows) {
  return {"pad.cuh", rows ? "remap_rows" : "remap_elements", {bits_dtype(itemsize, "pad")}};
}

// low[d]: where the output starts relative to the input along axis d (Roll: the shift).
// An axis is an identity when its output is the input (no padding, no shift).
cu::RemapParams remap_params(const array& in, const Shape& out_shape, const Shape& low,
                             int mode, const char* op) {
  cu::RemapParams p{};
  p.mode = mode;
  bool prev_identity = false;
  for (int d = 0; d < in.ndim(); ++d) {
    int64_t n = in.shape()[d], st = in.strides()[d];
    bool identity = low[d] == 0 && out_shape[d] == n;
    if (identity && n == 1) continue;  // always index 0
    int k = p.ndim - 1;
    if (identity && prev_identity && p.in_strides[k] == st * n) {
      p.out_shape[k] *= n;
      p.in_shape[k] *= n;
      p.in_strides[k] = st;
      continue;
    }
    if (p.ndim == cu::kMaxDims) {
      throw std::invalid_argument(std::string("[") + op + "] arrays with more than " +
                                  std::to_string(cu::kMaxDims) +
                                  " non-mergeable dimensions are not supported on the GPU");
    }
    p.out_shape[p.ndim] = out_shape[d];
    p.in_shape[p.ndim] = n;
    p.in_strides[p.ndim] = st;
    p.low[p.ndim] = low[d];
    ++p.ndim;
    prev_identity = identity;
  }
  if (p.ndim == 0) {  // 0-d, or only length-1 identities: one element
    p.out_shape[0] = p.in_shape[0] = 1;
    p.ndim = 1;
  }
  p.cols = p.out_shape[p.ndim - 1];
  p.rows = 1;
  for (int d = 0; d + 1 < p.ndim; ++d) p.rows *= p.out_shape[d];
  return p;
}

// out = in read through the maps; `fill` (a one-element array of out's dtype) or nothing.
void remap(const array& in, const cu::RemapParams& p, const array* fill, array& out,
           const Stream& s) {
  allocate(out, s);
  if (out.size() == 0) return;
  // The fill value travels by value when only the host holds it.
  const void* fill_ptr = nullptr;
  unsigned long long fill_bits = 0;
  if (fill && is_host_scalar(*fill)) {
    std::memcpy(&fill_bits, fill->data<char>(), fill->itemsize());
  } else if (fill) {
    fill_ptr = device_ptr<const void>(*fill);
  }
  bool rows = p.cols >= kRowKernelMinCols;
  int64_t threads = rows ? p.rows * ceil_div(p.cols, cu::kRemapSpan) * 32 : p.rows * p.cols;
  launch_kernel(s, remap_spec(out.itemsize(), rows), grid_blocks(threads, stream_device(s)),
                kBlockThreads, 0,
                device_ptr<const void>(in), device_ptr<void>(out), p, fill_ptr, fill_bits);
}

}  // namespace

std::vector<KernelSpec> cuda::pad_kernels() {
  std::vector<KernelSpec> v;
  for (size_t size : {1, 2, 4, 8}) {
    for (bool rows : {true, false}) v.push_back(remap_spec(size, rows));
  }
  return v;
}

void Pad::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  remap(in, remap_params(in, out.shape(), low_, int(mode_), "pad"), &inputs[1], out, stream());
}

void Roll::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  remap(in, remap_params(in, out.shape(), shifts_, index_map::wrap, "roll"), nullptr, out,
        stream());
}

}  // namespace kiln
