#include "kiln/array.h"

#include <algorithm>
#include <cstring>

#include "kiln/allocator.h"
#include "kiln/backend/cpu/thread_pool.h"
#include "kiln/backend/gpu.h"
#include "kiln/error.h"
#include "kiln/primitive.h"
#include "kiln/transforms.h"

namespace kiln {

// ---- Data ----

Data::Data(size_t nbytes) : host_(allocator::host().allocate(nbytes)), nbytes_(nbytes) {}

Data::Data(void* ptr, size_t nbytes, std::function<void()> release)
    : host_(ptr), nbytes_(nbytes), release_(std::move(release)) {}

std::shared_ptr<Data> Data::on_device(size_t nbytes, int device, void* block) {
  std::shared_ptr<Data> d(new Data());
  d->nbytes_ = nbytes;
  d->device_.ptr = block ? block : gpu::allocate(nbytes, device);
  d->device_.device = device;
  d->device_valid_ = true;
  d->host_valid_.store(nbytes == 0, std::memory_order_relaxed);
  return d;
}

Data::~Data() {
  if (device_.ptr) gpu::release(device_.ptr, nbytes_, device_.device, stream_mask_.load());
  if (release_) {
    release_();
  } else if (host_) {
    allocator::host().release(host_, nbytes_);
  }
}

void Data::make_host_current() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (host_valid_.load(std::memory_order_relaxed)) return;
  if (!host_) host_ = allocator::host().allocate(nbytes_);
  gpu::copy_to_host(device_.ptr, host_, nbytes_, device_.device, host_owned());
  host_valid_.store(true, std::memory_order_release);
}

// ---- shapes ----

int64_t checked_mul(int64_t a, int64_t b, std::string_view op) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail(op, "size ", a, " x ", b, " is too large");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, std::string_view op) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail(op, "size ", a, " + ", b, " is too large");
  return r;
}

int64_t shape_size(const Shape& shape, std::string_view op) {
  int64_t nonzero = 1;
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) fail(op, "negative dimension in shape ", shape_to_string(shape));
    if (d == 0) empty = true;
    if (d > 0 && __builtin_mul_overflow(nonzero, d, &nonzero)) {
      fail(op, "shape ", shape_to_string(shape), " has too many elements");
    }
  }
  return empty ? 0 : nonzero;
}

int64_t checked_size(const Shape& shape, Dtype dtype, std::string_view op) {
  int64_t n = shape_size(shape, op);
  int64_t bytes;
  if (__builtin_mul_overflow(n, int64_t(dtype.size), &bytes)) {
    fail(op, "shape ", shape_to_string(shape), " of ", dtype_name(dtype), " has too many bytes");
  }
  return n;
}

Strides row_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return s;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  }
  return s + ")";
}

ArrayFlags layout_flags(const Shape& shape, const Strides& strides) {
  ArrayFlags f;
  int64_t size = 1, row = 1, col = 1;
  for (auto d : shape) size *= d;
  f.row_contiguous = f.col_contiguous = true;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != row) f.row_contiguous = false;
    row *= shape[i];
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != col) f.col_contiguous = false;
    col *= shape[i];
  }
  if (size <= 1) {
    f.row_contiguous = f.col_contiguous = f.contiguous = true;
    return f;
  }
  // Dense in some order (a permutation of a row-major layout): sorted by stride, the
  // strides are the row-major strides of the sorted shape.
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, extent), real dims only
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1) dims.emplace_back(strides[i], shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t expect = 1;
  f.contiguous = true;
  for (auto [st, ext] : dims) {
    if (st != expect) {
      f.contiguous = false;
      break;
    }
    expect *= ext;
  }
  return f;
}

size_t data_span(const Shape& shape, const Strides& strides) {
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return 0;
    int64_t ext = strides[i] * (shape[i] - 1);
    (ext > 0 ? hi : lo) += ext;
  }
  return size_t(hi - lo + 1);
}

// ---- ArrayDesc ----

ArrayDesc::ArrayDesc(Shape s, Dtype d)
    : shape(std::move(s)), size(checked_size(shape, d, "array")), strides(row_strides(shape)),
      dtype(d) {}

ArrayDesc::ArrayDesc(Shape s, Dtype d, std::shared_ptr<Primitive> p, std::vector<array> in)
    : shape(std::move(s)),
      size(checked_size(shape, d, p ? p->name() : "array")),
      strides(row_strides(shape)),
      dtype(d),
      primitive(std::move(p)),
      inputs(std::move(in)) {
  for (auto& x : inputs) {
    if (x.is_tracer()) {
      is_tracer = true;
      break;
    }
  }
}

// Graphs can be deep (a long chain of ops): freeing one node must not recurse through all
// its inputs, so inputs that would die with this node are released iteratively here.
ArrayDesc::~ArrayDesc() {
  std::vector<array> pending = std::move(inputs);
  while (!pending.empty()) {
    array a = std::move(pending.back());
    pending.pop_back();
    if (a.use_count() == 1) {  // `a` is the last handle: move its inputs out before it dies
      for (auto& in : a.inputs()) pending.push_back(std::move(in));
      a.inputs().clear();
    }
  }
}

// ---- array ----

array::array(const void* bytes, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  init_from_bytes(bytes);
}

array::array(std::shared_ptr<Data> data, Shape shape, Dtype dtype, Strides strides,
             int64_t offset_bytes)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  desc_->data = std::move(data);
  set_layout(std::move(strides), offset_bytes);
  set_status(Status::available);
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype, std::move(primitive),
                                        std::move(inputs))) {}

std::vector<array> array::make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                      const std::shared_ptr<Primitive>& primitive,
                                      const std::vector<array>& inputs) {
  std::vector<array> outs;
  outs.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    // Only the first gets the inputs: with several outputs they move to the shared group.
    outs.emplace_back(std::move(shapes[i]), dtypes[i], primitive,
                      i == 0 ? inputs : std::vector<array>{});
    outs[i].desc_->position = int(i);
    outs[i].desc_->is_tracer = outs[0].desc_->is_tracer;
  }
  if (outs.size() > 1) {
    auto group = std::make_shared<SiblingGroup>();
    group->outputs = outs;
    group->inputs = std::move(outs[0].desc_->inputs);
    outs[0].desc_->inputs.clear();
    for (auto& o : outs) o.desc_->siblings = group;
  }
  return outs;
}

array::~array() {
  // Held by this handle and the group only: perhaps the last member held from outside.
  if (desc_ && desc_->siblings && desc_.use_count() == 2) release_unheld_group();
}

void array::release_unheld_group() {
  std::shared_ptr<SiblingGroup> group = desc_->siblings;
  std::vector<array> members;
  {
    std::lock_guard<std::mutex> lock(group->mutex);
    auto unheld = [&](size_t i) {
      return group->outputs[i].desc_.use_count() == (int(i) == desc_->position ? 2 : 1);
    };
    size_t n = group->outputs.size();
    if (n == 0) return;  // detached meanwhile
    for (size_t i = group->unheld_before; i < n; ++i) {
      if (!unheld(i)) {
        group->unheld_before = i;
        return;
      }
    }
    // outputs() may have handed out new handles to the members checked earlier.
    for (size_t i = 0; i < group->unheld_before; ++i) {
      if (!unheld(i)) {
        group->unheld_before = i;
        return;
      }
    }
    members = std::move(group->outputs);
    group->outputs.clear();
  }
  // Unlinked before `members` drops them, so that their destructors find no group.
  for (auto& m : members) m.desc_->siblings.reset();
  // Released by this node's destructor, which walks long chains of inputs iteratively.
  desc_->inputs = std::move(group->inputs);
}

int64_t array::shape(int dim) const {
  int d = dim < 0 ? dim + ndim() : dim;
  if (d < 0 || d >= ndim()) {
    fail<axis_error>("shape", "axis ", dim, " is out of bounds for an array of ", ndim(),
                     " dimensions");
  }
  return desc_->shape[d];
}

int64_t array::strides(int dim) const {
  int d = dim < 0 ? dim + ndim() : dim;
  if (d < 0 || d >= ndim()) {
    fail<axis_error>("strides", "axis ", dim, " is out of bounds for an array of ", ndim(),
                     " dimensions");
  }
  return desc_->strides[d];
}

void array::init_from_bytes(const void* bytes) {
  allocate();
  // One core copies ~12 GB/s: large arrays (NumPy's on their way to the GPU) copy in pieces
  // on the thread pool.
  char* dst = static_cast<char*>(raw_data());
  const char* src = static_cast<const char*>(bytes);
  cpu::parallel_for(int64_t(nbytes()), int64_t(4) << 20, [&](int64_t begin, int64_t end) {
    std::memcpy(dst + begin, src + begin, size_t(end - begin));
  });
  set_status(Status::available);
}

void array::eval() {
  // A scheduled array goes through kiln::eval too: another thread may be scheduling it
  // right now, and only once that thread lets go of the scheduling lock are its events
  // placed (a GPU event not yet recorded would not be waited for).
  if (status() != Status::available) {
    kiln::eval({*this});
  } else {
    wait();  // rethrows the error of a failed evaluation
  }
}

void array::wait() {
  if (status() != Status::available) {
    // Reaching the event means the work is done (GPU nodes have no worker to mark them).
    if (desc_->event.valid()) desc_->event.wait();
    set_status(Status::available);
  }
  if (desc_->error) std::rethrow_exception(desc_->error);
}

std::vector<array> array::outputs() const {
  if (!desc_->siblings) return {*this};
  std::lock_guard<std::mutex> lock(desc_->siblings->mutex);
  return desc_->siblings->outputs;
}

const std::vector<array>& array::sibling_group() const {
  static const std::vector<array> single;
  return desc_->siblings ? desc_->siblings->outputs : single;
}

void array::detach() {
  // The whole group goes: every member's primitive is done. Moved out first, so that
  // handles dropped here cannot change the list being walked.
  if (std::shared_ptr<SiblingGroup> group = desc_->siblings) {
    std::vector<array> members;
    {
      std::lock_guard<std::mutex> lock(group->mutex);
      members = std::move(group->outputs);
      group->outputs.clear();
    }
    for (auto& m : members) {
      m.desc_->primitive = nullptr;
      m.desc_->inputs.clear();
      m.desc_->siblings.reset();
    }
  }
  desc_->primitive = nullptr;
  desc_->inputs.clear();
}

void array::set_data(std::shared_ptr<Data> data) {
  desc_->data = std::move(data);
  desc_->offset = 0;
  desc_->data_size = size_t(size());
  desc_->strides = row_strides(desc_->shape);
  desc_->flags = layout_flags(desc_->shape, desc_->strides);
}

void array::set_data(std::shared_ptr<Data> data, size_t data_size, Strides strides,
                     ArrayFlags flags, int64_t offset_bytes) {
  desc_->data = std::move(data);
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
  desc_->offset = offset_bytes;
}

void array::allocate() { set_data(std::make_shared<Data>(nbytes())); }

void array::set_view(const array& src, Strides strides, int64_t offset_bytes) {
  desc_->data = src.desc_->data;
  set_layout(std::move(strides), offset_bytes);
}

void array::set_layout(Strides strides, int64_t offset_bytes) {
  desc_->flags = layout_flags(desc_->shape, strides);
  desc_->data_size =
      desc_->flags.contiguous ? size_t(size()) : data_span(desc_->shape, strides);
  desc_->strides = std::move(strides);
  desc_->offset = offset_bytes;
}

void array::copy_shared_buffer(const array& other, Strides strides, ArrayFlags flags,
                               size_t data_size, int64_t offset_bytes) {
  set_data(other.desc_->data, data_size, std::move(strides), flags, offset_bytes);
}

void array::copy_shared_buffer(const array& other) {
  set_data(other.desc_->data, other.data_size(), other.strides(), other.flags(), other.offset());
}

bool array::is_donatable() const {
  // External memory (NumPy, DLPack) belongs to its producer: never written in place.
  return desc_.use_count() == 1 && desc_->data && desc_->data.use_count() == 1 &&
         desc_->data->host_owned() && desc_->data_size == size_t(size());
}

}  // namespace kiln
