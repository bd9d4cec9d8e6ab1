#include "kiln/backend/cuda/indexing.h"

#include <cstring>

#include "kiln/backend/common/index_check.h"
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/instances.h"

namespace kiln::cuda {

// The kernels read index values by IndexDtype, numbered as Dtype::index().
static_assert(int(Dtype::Val::uint8) == cu::kIndexUint8);
static_assert(int(Dtype::Val::uint16) == cu::kIndexUint16);
static_assert(int(Dtype::Val::uint32) == cu::kIndexUint32);
static_assert(int(Dtype::Val::uint64) == cu::kIndexUint64);
static_assert(int(Dtype::Val::int8) == cu::kIndexInt8);
static_assert(int(Dtype::Val::int16) == cu::kIndexInt16);
static_assert(int(Dtype::Val::int32) == cu::kIndexInt32);
static_assert(int(Dtype::Val::int64) == cu::kIndexInt64);

namespace {

constexpr const char kFile[] = "indexing.cuh";

// The claim buffer's word as the kernels spell it (atomicMax takes these types).
const char* claim_word(Dtype claim) {
  return claim == uint32 ? "unsigned int" : "unsigned long long";
}

Dtype bits(size_t itemsize) { return bits_dtype(itemsize, "indexing"); }

const char* reduce_functor(ScatterReduce r) {
  switch (r) {
    case ScatterReduce::Add: return "kiln::ew::Add";
    case ScatterReduce::Prod: return "kiln::ew::Multiply";
    case ScatterReduce::Max: return "kiln::ew::Maximum";
    case ScatterReduce::Min: return "kiln::ew::Minimum";
    case ScatterReduce::None: break;
  }
  throw std::logic_error("scatter_reduce_spec: not a reduction");
}

// Checks every value an index array shows through its view (a broadcast dimension only
// repeats values, so it is walked once).
void check_on_host(const IndexBound& b, const char* op) {
  const array& idx = *b.indices;
  if (idx.size() == 0) return;
  Shape shape;
  Strides strides;
  for (int d = 0; d < idx.ndim(); ++d) {
    if (idx.strides()[d] == 0) continue;
    shape.push_back(idx.shape()[d]);
    strides.push_back(idx.strides()[d]);
  }
  auto lay = collapse_contiguous_dims(shape, {strides});
  dispatch_integer(idx.dtype(), [&]<typename I>(type_tag<I>) {
    const I* p = idx.data<I>();
    walk_offsets(
        lay.shape, lay.strides[0], 0, shape_size(lay.shape),
        [&](int64_t, int64_t off) { checked_index(p[off], b.size, b.limit, op, b.axis); });
  });
}

}  // namespace

KernelSpec gather_spec(size_t itemsize) { return {kFile, "gather", {bits(itemsize)}}; }
KernelSpec gather_axis_spec(size_t itemsize) { return {kFile, "gather_axis", {bits(itemsize)}}; }
KernelSpec scatter_claim_spec(Dtype claim) {
  return {kFile, "scatter_claim", {claim_word(claim)}};
}
KernelSpec scatter_assign_spec(size_t itemsize, Dtype claim) {
  return {kFile, "scatter_assign", {bits(itemsize), claim_word(claim)}};
}
KernelSpec scatter_reduce_spec(ScatterReduce op, Dtype t) {
  return {kFile, "scatter_reduce", {reduce_functor(op), t}};
}
KernelSpec scatter_axis_claim_spec(Dtype claim) {
  return {kFile, "scatter_axis_claim", {claim_word(claim)}};
}
KernelSpec scatter_axis_assign_spec(size_t itemsize, Dtype claim) {
  return {kFile, "scatter_axis_assign", {bits(itemsize), claim_word(claim)}};
}
KernelSpec mask_count_spec() { return {kFile, "mask_count"}; }
KernelSpec mask_scan_spec() { return {kFile, "mask_scan"}; }
KernelSpec masked_scatter_spec(size_t itemsize) {
  return {kFile, "masked_scatter", {bits(itemsize)}};
}

std::vector<KernelSpec> indexing_kernels() {
  std::vector<KernelSpec> v;
  for (size_t size : {1, 2, 4, 8}) {
    v.push_back(gather_spec(size));
    v.push_back(gather_axis_spec(size));
    v.push_back(masked_scatter_spec(size));
    for (Dtype claim : {uint32, uint64}) {
      v.push_back(scatter_assign_spec(size, claim));
      v.push_back(scatter_axis_assign_spec(size, claim));
    }
  }
  for (Dtype claim : {uint32, uint64}) {
    v.push_back(scatter_claim_spec(claim));
    v.push_back(scatter_axis_claim_spec(claim));
  }
  for (ScatterReduce r :
       {ScatterReduce::Add, ScatterReduce::Prod, ScatterReduce::Max, ScatterReduce::Min}) {
    for (Dtype t : all_dtypes) v.push_back(scatter_reduce_spec(r, t));
  }
  v.push_back(mask_count_spec());
  v.push_back(mask_scan_spec());
  return v;
}

IndexCheck::IndexCheck(const char* op, std::vector<IndexBound> bounds, const Stream& s)
    : op_(op), bounds_(std::move(bounds)), stream_(s) {
  bool on_host = true;
  for (auto& b : bounds_) on_host &= b.indices->data_shared_ptr()->host_valid();
  if (on_host) {
    for (auto& b : bounds_) check_on_host(b, op_);
    return;
  }
  flag_.emplace(Shape{cu::kErrSlots}, uint64, nullptr, std::vector<array>{});
  allocate(*flag_, s);
  KILN_CUDA_CHECK(cudaMemsetAsync(device_ptr(*flag_), 0, flag_->nbytes(), cuda_stream(s)));
}

unsigned long long* IndexCheck::device_flag() const {
  return flag_ ? device_ptr<unsigned long long>(*flag_) : nullptr;
}

void IndexCheck::raise_if_any() const {
  if (!flag_) return;
  unsigned long long h[cu::kErrSlots];
  cudaStream_t cs = cuda_stream(stream_);
  KILN_CUDA_CHECK(cudaMemcpyAsync(h, device_ptr(*flag_), sizeof(h), cudaMemcpyDeviceToHost, cs));
  KILN_CUDA_CHECK(cudaStreamSynchronize(cs));
  if (!h[cu::kErrFlag]) return;
  const IndexBound& b = bounds_.at(size_t(h[cu::kErrOperand]));
  uint64_t bits = h[cu::kErrValue];
  throw_index_error(
      op_, is_unsigned(b.indices->dtype()) ? std::to_string(bits) : std::to_string(int64_t(bits)),
      b.axis, b.size);
}

RowGrid row_grid(int64_t rows, int64_t cols, int device) {
  // Threads along a row: the smallest power of two covering it, up to a block; the rest of
  // the block takes further rows, so short rows still fill whole warps.
  int tx = int(std::min<uint64_t>(std::bit_ceil(uint64_t(std::max<int64_t>(cols, 1))),
                                  cu::kRowBlock));
  int ty = cu::kRowBlock / tx;
  int64_t cap = int64_t(sm_count(device)) * kBlocksPerSm;
  int64_t gx = std::min(ceil_div(std::max<int64_t>(rows, 1), ty), cap);
  // Few, long rows: more blocks split each row.
  int64_t gy = std::min(
      {ceil_div(std::max<int64_t>(cols, 1), tx), std::max<int64_t>(1, cap / gx), int64_t(65535)});
  return {dim3(unsigned(gx), unsigned(gy)), dim3(unsigned(tx), unsigned(ty))};
}

cu::IndexSpace index_space(const Shape& shape, const std::vector<IndexBound>& bounds,
                           const Strides& update_strides, const Strides& axis_strides) {
  if (bounds.size() > size_t(cu::kMaxIndexArrays)) {
    throw std::invalid_argument("[cuda] gathers and scatters with more than " +
                                std::to_string(cu::kMaxIndexArrays) +
                                " index arrays are not supported");
  }
  std::vector<Strides> strides{update_strides};
  for (auto& b : bounds) strides.push_back(b.indices->strides());
  CollapsedLayout l = collapse_contiguous_dims(shape, strides);
  if (l.shape.size() > size_t(cu::kMaxDims)) {
    throw std::invalid_argument("[cuda] index arrays with more than " +
                                std::to_string(cu::kMaxDims) +
                                " non-mergeable dimensions are not supported");
  }
  cu::IndexSpace ix{};
  ix.ndim = int(l.shape.size());
  ix.count = int(bounds.size());
  for (int d = 0; d < ix.ndim; ++d) {
    ix.shape[d] = l.shape[d];
    for (size_t k = 0; k < strides.size(); ++k) ix.strides[k][d] = l.strides[k][d];
  }
  for (size_t t = 0; t < bounds.size(); ++t) {
    ix.ptr[t] = device_ptr<const void>(*bounds[t].indices);
    ix.dtype[t] = bounds[t].indices->dtype().index();
    ix.size[t] = bounds[t].size;
    ix.limit[t] = bounds[t].limit;
    ix.stride[t] = axis_strides[t];
  }
  return ix;
}

std::vector<int64_t> slice_starts(const array& start, const std::vector<int>& axes,
                                  const Shape& shape, const Shape& extent, const char* op,
                                  const Stream& s) {
  const int64_t n = start.size(), item = int64_t(start.itemsize());
  const int64_t stride = n > 1 ? start.strides()[0] : 0;
  // The bytes of each start, one after another.
  std::vector<char> bytes(size_t(n * item));
  if (start.data_shared_ptr()->host_valid()) {
    const char* p = start.data<char>();
    for (int64_t t = 0; t < n; ++t) std::memcpy(&bytes[t * item], p + t * stride * item, item);
  } else if (n > 0) {
    // The span of memory the starts occupy, copied once.
    int64_t lo = std::min<int64_t>(0, (n - 1) * stride),
            hi = std::max<int64_t>(0, (n - 1) * stride);
    std::vector<char> span(size_t((hi - lo + 1) * item));
    cudaStream_t cs = cuda_stream(s);
    KILN_CUDA_CHECK(cudaMemcpyAsync(span.data(), device_ptr<const char>(start) + lo * item,
                                    span.size(), cudaMemcpyDeviceToHost, cs));
    KILN_CUDA_CHECK(cudaStreamSynchronize(cs));
    for (int64_t t = 0; t < n; ++t) {
      std::memcpy(&bytes[t * item], &span[(t * stride - lo) * item], item);
    }
  }
  std::vector<int64_t> pos(axes.size());
  dispatch_integer(start.dtype(), [&]<typename I>(type_tag<I>) {
    for (size_t t = 0; t < axes.size(); ++t) {
      I v;
      std::memcpy(&v, &bytes[t * item], sizeof(I));
      int ax = axes[t];
      pos[t] = checked_index(v, shape[ax], shape[ax] - extent[ax], op, ax);
    }
  });
  return pos;
}

}  // namespace kiln::cuda
