// GPU evaluation of the scatters: Scatter (with reductions), ScatterAxis (put_along_axis),
// DynamicSliceUpdate and MaskedScatter. Each writes into a copy of its first input, or into
// that input's memory when nothing else uses it.
//
// Assignments are deterministic and match the CPU: where positions repeat, the last update
// in index order wins. A first pass has each written element claim, by atomicMax in a
// scratch buffer the size of the output, the highest index position that writes it; the
// second pass writes only the claimed updates. Reductions combine with atomics (hardware
// ones where they exist, else compare-and-swap), so integer results are exact and
// floating-point sums and products may round differently from the CPU's order.
#include "kiln/backend/copy.h"
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/indexing.h"
#include "kiln/primitives/indexing.h"

namespace kiln {

using namespace cuda;

namespace {

// The claim buffer for `claims` distinct claimants (index positions), one word per element of
// the dense output, zeroed: 32-bit words unless the claims (plus one) need 64 bits.
array claim_buffer(const array& out, int64_t claims, const Stream& s) {
  array win({int64_t(out.data_size())}, claims < int64_t(UINT32_MAX) ? uint32 : uint64, nullptr,
            {});
  allocate(win, s);
  KILN_CUDA_CHECK(cudaMemsetAsync(device_ptr(win), 0, win.nbytes(), cuda_stream(s)));
  return win;
}

// True elements of a bool array, counted on its host copy: a broadcast dimension repeats
// the count.
int64_t count_on_host(const array& mask) {
  if (mask.size() == 0) return 0;
  Shape shape;
  Strides strides;
  int64_t repeat = 1;
  for (int d = 0; d < mask.ndim(); ++d) {
    if (mask.strides()[d] == 0) {
      repeat *= mask.shape()[d];
    } else {
      shape.push_back(mask.shape()[d]);
      strides.push_back(mask.strides()[d]);
    }
  }
  auto lay = collapse_contiguous_dims(shape, {strides});
  const bool* m = mask.data<bool>();
  int64_t count = 0;
  std::array<const int64_t*, 1> st{lay.strides[0].data()};
  for_each_row<1>(lay.shape, st, 0, row_count(lay.shape), [&](auto off, int64_t n, auto s) {
    for (int64_t k = 0; k < n; ++k) count += m[off[0] + k * s[0]];
  });
  return count * repeat;
}

void check_count(int64_t selected, int64_t values) {
  if (selected > values) {
    throw std::invalid_argument("[masked_scatter] the mask selects " + std::to_string(selected) +
                                " positions but only " + std::to_string(values) +
                                " values were given");
  }
}

}  // namespace

void Scatter::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  const array& a = inputs[0];
  const array& upd = inputs.back();
  backend::copy_or_donate(a, out, s);
  if (upd.size() == 0) return;
  Shape index_shape = axes_.empty() ? Shape{} : inputs[1].shape();
  const int ni = int(index_shape.size());
  Shape slice(upd.shape().begin() + ni, upd.shape().end());
  std::vector<IndexBound> bounds;
  Strides axis_strides;
  for (size_t t = 0; t < axes_.size(); ++t) {
    int ax = axes_[t];
    bounds.push_back({&inputs[t + 1], ax, a.shape()[ax], a.shape()[ax] - slice[ax]});
    axis_strides.push_back(out.strides()[ax]);
  }
  IndexCheck check("Scatter", bounds, s);
  cu::IndexSpace ix =
      index_space(index_shape, bounds, Strides(upd.strides().begin(), upd.strides().begin() + ni),
                  axis_strides);
  auto sl = make_strided<2>(
      slice, {out.strides(), Strides(upd.strides().begin() + ni, upd.strides().end())});
  const int64_t cols = sl.shape[sl.ndim - 1];
  const int64_t slice_rows = shape_size(slice) / cols;
  const int64_t n_index = shape_size(index_shape);
  const long long rows = n_index * slice_rows;
  RowGrid g = row_grid(rows, cols, stream_device(s));
  const void* pu = device_ptr<const void>(upd);
  void* po = device_ptr<void>(out);

  if (reduce_ != ScatterReduce::None) {
    launch_kernel(s, scatter_reduce_spec(reduce_, a.dtype()), g.grid, g.block, 0, po, pu, ix, sl,
                  (long long)slice_rows, rows, check.device_flag());
  } else if (n_index == 1) {
    // One slice: no element is written twice.
    launch_kernel(s, scatter_assign_spec(a.itemsize(), uint32), g.grid, g.block, 0, po, pu,
                  static_cast<const void*>(nullptr), ix, sl, (long long)slice_rows, rows,
                  check.device_flag());
  } else {
    array win = claim_buffer(out, n_index, s);
    launch_kernel(s, scatter_claim_spec(win.dtype()), g.grid, g.block, 0, device_ptr<void>(win),
                  ix, sl, (long long)slice_rows, rows, check.device_flag());
    launch_kernel(s, scatter_assign_spec(a.itemsize(), win.dtype()), g.grid, g.block, 0, po, pu,
                  device_ptr<const void>(win), ix, sl, (long long)slice_rows, rows,
                  static_cast<unsigned long long*>(nullptr));
  }
  check.raise_if_any();
}

void ScatterAxis::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  const array& a = inputs[0];
  const array& idx = inputs[1];
  const array& upd = inputs[2];
  backend::copy_or_donate(a, out, s);
  if (idx.size() == 0) return;
  const int64_t size = a.shape()[axis_];
  IndexCheck check("ScatterAxis", {{&idx, axis_, size, size - 1}}, s);
  // An update's other coordinates are its own: only the indexed one comes from the index.
  Strides out_strides = out.strides();
  out_strides[axis_] = 0;
  auto sp = make_strided<3>(idx.shape(), {out_strides, idx.strides(), upd.strides()});
  const int64_t cols = sp.shape[sp.ndim - 1];
  const long long rows = idx.size() / cols;
  RowGrid g = row_grid(rows, cols, stream_device(s));
  const void* pi = device_ptr<const void>(idx);
  const int dt = idx.dtype().index();
  const long long axis_stride = out.strides()[axis_];
  if (idx.shape()[axis_] == 1) {
    // One index per line along the axis: no element is written twice.
    launch_kernel(s, scatter_axis_assign_spec(a.itemsize(), uint32), g.grid, g.block, 0,
                  device_ptr<void>(out), pi, dt, device_ptr<const void>(upd),
                  static_cast<const void*>(nullptr), sp, rows, (long long)size, axis_stride,
                  check.device_flag());
  } else {
    array win = claim_buffer(out, idx.size(), s);
    launch_kernel(s, scatter_axis_claim_spec(win.dtype()), g.grid, g.block, 0,
                  device_ptr<void>(win), pi, dt, sp, rows, (long long)size, axis_stride,
                  check.device_flag());
    launch_kernel(s, scatter_axis_assign_spec(a.itemsize(), win.dtype()), g.grid, g.block, 0,
                  device_ptr<void>(out), pi, dt, device_ptr<const void>(upd),
                  device_ptr<const void>(win), sp, rows, (long long)size, axis_stride,
                  static_cast<unsigned long long*>(nullptr));
  }
  check.raise_if_any();
}

void DynamicSliceUpdate::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  const array& src = inputs[0];
  const array& upd = inputs[1];
  // Check the start before copying anything.
  std::vector<int64_t> pos =
      slice_starts(inputs[2], axes_, src.shape(), upd.shape(), "slice_update", s);
  backend::copy_or_donate(src, out, s);
  int64_t offset = 0;
  for (size_t t = 0; t < axes_.size(); ++t) offset += pos[t] * out.strides()[axes_[t]];
  copy_general(upd, upd.shape(), upd.strides(), 0, out, out.strides(), offset, s);
}

void MaskedScatter::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  const array& a = inputs[0];
  const array& mask = inputs[1];
  const array& values = inputs[2];
  backend::copy_or_donate(a, out, s);
  const int64_t n = out.size(), n_values = values.size();
  // A mask known on the host is counted there: no GPU wait.
  const bool counted = n == 0 || mask.data_shared_ptr()->host_valid();
  if (counted) {
    int64_t selected = count_on_host(mask);
    check_count(selected, n_values);
    if (selected == 0) return;
  }
  auto sp = make_strided<2>(out.shape(), {out.strides(), mask.strides()});
  const int64_t tiles = ceil_div(n, cu::kMaskTile);
  array offsets({tiles + 1}, int64, nullptr, {});
  allocate(offsets, s);
  long long* po = device_ptr<long long>(offsets);
  const bool* pm = device_ptr<const bool>(mask);
  unsigned blocks = unsigned(std::min<int64_t>(tiles, int64_t(sm_count(s)) * kBlocksPerSm));
  launch_kernel(s, mask_count_spec(), blocks, cu::kMaskBlock, 0, pm, sp, (long long)n, po);
  launch_kernel(s, mask_scan_spec(), 1, cu::kScanBlock, 0, po, (long long)tiles);
  if (!counted) {
    // The count decides whether the assignment is valid: it must reach the host.
    long long selected = 0;
    cudaStream_t cs = cuda_stream(s);
    KILN_CUDA_CHECK(
        cudaMemcpyAsync(&selected, po + tiles, sizeof(selected), cudaMemcpyDeviceToHost, cs));
    KILN_CUDA_CHECK(cudaStreamSynchronize(cs));
    check_count(selected, n_values);
    if (selected == 0) return;
  }
  const long long vs = values.strides()[0];
  launch_kernel(s, masked_scatter_spec(a.itemsize()), blocks, cu::kMaskBlock, 0, device_ptr<void>(out), pm,
                device_ptr<const void>(values), vs, (long long)n_values, sp, (long long)n,
                static_cast<const long long*>(po));
}

}  // namespace kiln
