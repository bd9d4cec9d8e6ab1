// array: a cheap handle to a node of the lazy graph. A node knows its shape and dtype from
// the moment it is built; its data exists once it has been evaluated.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "kiln/dtype.h"
#include "kiln/scheduler.h"
#include "kiln/types/cast.h"

namespace kiln {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;  // in elements

class Primitive;
class array;

// True while a transform (grad, vjp, jvp, vmap) traces a function: only then does a
// tracer array keep its graph after evaluation.
bool in_tracing();
namespace detail {
// True while this thread traces a function for shapeless compile: ops then build nodes for
// values they would otherwise compute from shapes (mean's element count), so the trace
// follows new shapes.
bool in_shapeless_trace();
}  // namespace detail

// Types an array can be built from directly: those with a Dtype.
template <typename T>
concept ElementType = requires { dtype_of<T>::value; };

// Memory shared by all arrays that view it: software unified memory. A Data can hold a host
// copy and a device copy and knows which are current; a host read (`host()`) makes the host
// copy current, and the GPU backend makes the device copy current before a kernel reads it.
// Owned host memory comes from the host allocator; external memory (NumPy, DLPack) is
// released by a callback.
class Data {
 public:
  explicit Data(size_t nbytes);  // host memory
  Data(void* ptr, size_t nbytes, std::function<void()> release);
  // Memory on a GPU with no host copy yet (the GPU backend's outputs).
  // `block`: a device block of nbytes' size class already counted as active (a stream's
  // reused one); without it the device allocator provides one.
  static std::shared_ptr<Data> on_device(size_t nbytes, int device, void* block = nullptr);
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  ~Data();

  // The host copy, made current first if the device holds the only current copy.
  void* host() {
    if (!host_valid_.load(std::memory_order_acquire)) [[unlikely]] make_host_current();
    return host_;
  }
  size_t nbytes() const { return nbytes_; }

  // ---- residency, for the backends ----
  struct DeviceCopy {
    void* ptr = nullptr;
    int device = -1;
  };
  std::mutex& mutex() { return mutex_; }
  bool host_valid() const { return host_valid_.load(std::memory_order_acquire); }
  bool device_valid() const { return device_valid_; }
  void* raw_host() const { return host_; }
  bool host_owned() const { return !release_; }  // from the host allocator (not external)
  DeviceCopy& device_copy() { return device_; }
  // Called with mutex() held by the GPU backend after it filled the copies.
  void set_valid(bool host, bool device) {
    device_valid_ = device;
    host_valid_.store(host, std::memory_order_release);
  }
  // GPU streams that used the device copy (bit = stream index % 64): freeing the memory
  // waits until they have passed their last use.
  void used_on_stream(int stream_index) {
    stream_mask_.fetch_or(uint64_t(1) << (stream_index % 64), std::memory_order_relaxed);
  }
  // Set when a GPU kernel got this memory for writing (cuda::device_ptr with a non-const
  // type); gpu::eval uses it to tell a written (donated) buffer from a view.
  void note_device_write() { device_write_.store(true, std::memory_order_relaxed); }
  bool take_device_write() { return device_write_.exchange(false, std::memory_order_relaxed); }
  // After a CPU primitive wrote (or may have written) the host copy.
  void host_written() {
    if (device_.ptr && device_valid_) {
      std::lock_guard<std::mutex> lock(mutex_);
      device_valid_ = false;
    }
  }

 private:
  Data() = default;
  void make_host_current();

  void* host_ = nullptr;
  size_t nbytes_ = 0;
  std::function<void()> release_;  // empty: the memory belongs to the host allocator
  DeviceCopy device_;
  std::atomic<bool> host_valid_{true};
  std::atomic<uint64_t> stream_mask_{0};
  std::atomic<bool> device_write_{false};
  bool device_valid_ = false;
  std::mutex mutex_;
};

struct ArrayFlags {
  bool contiguous = true;      // the elements fill data_size slots with no gaps or overlap
  bool row_contiguous = true;  // C order
  bool col_contiguous = true;  // Fortran order
};

enum class Status : uint8_t { unscheduled, scheduled, available };

// The outputs of one application of a multi-output primitive, in order, and its inputs: one
// list of each shared by all outputs, so that n outputs cost n handles rather than n per
// output. The list holds its members, a reference cycle that `~array` breaks once nothing
// outside holds any of them and `detach` breaks after evaluation.
struct SiblingGroup {
  std::mutex mutex;
  std::vector<array> outputs;
  std::vector<array> inputs;
  // Members before this index were found held by nothing outside the group when last
  // checked: the destructor's check resumes here, so dropping all n costs O(n), not O(n^2).
  size_t unheld_before = 0;
};

struct ArrayDesc {
  Shape shape;
  int64_t size;  // before strides: checked_size validates the shape that row_strides walks
  Strides strides;
  Dtype dtype;
  std::shared_ptr<Primitive> primitive;
  std::vector<array> inputs;  // empty while `siblings` holds them
  std::shared_ptr<SiblingGroup> siblings;  // set for the outputs of a multi-output primitive
  int position = 0;                        // index among the primitive's outputs
  std::shared_ptr<Data> data;
  int64_t offset = 0;  // bytes from data->host() to element 0
  size_t data_size = 0;  // elements spanned in memory (less than size when broadcast)
  ArrayFlags flags;
  std::atomic<Status> status{Status::unscheduled};
  Event event;                  // reached when the data is ready
  std::exception_ptr error;     // set when the primitive (or an input's) failed
  bool is_tracer = false;       // inside a transform: keep the graph after eval

  ArrayDesc(Shape shape, Dtype dtype);
  ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> p, std::vector<array> inputs);
  ~ArrayDesc();
};

class array {
 public:
  // A 0-d array holding one value.
  template <ElementType T>
  explicit array(T value, Dtype dtype = dtype_v<T>);
  // A 1-d array from a list of values.
  template <ElementType T>
  array(std::initializer_list<T> values, Dtype dtype = dtype_v<T>);
  // An array from typed values in row-major order.
  template <ElementType T>
  array(const std::vector<T>& values, Shape shape, Dtype dtype = dtype_v<T>);
  // An array from raw bytes of `dtype` in row-major order (copied).
  array(const void* bytes, Shape shape, Dtype dtype);
  // An array over memory already in `data` (no copy).
  array(std::shared_ptr<Data> data, Shape shape, Dtype dtype, Strides strides,
        int64_t offset_bytes);
  // A lazy node: the output of `primitive` applied to `inputs`.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
        std::vector<array> inputs);
  // The outputs of a multi-output primitive, linked as siblings.
  static std::vector<array> make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                        const std::shared_ptr<Primitive>& primitive,
                                        const std::vector<array>& inputs);

  array(const array&) = default;
  array(array&&) noexcept = default;
  // By value and swapped: the node let go leaves through ~array, which frees a group of
  // siblings that this handle was the last to hold.
  array& operator=(array other) noexcept {
    desc_.swap(other.desc_);
    return *this;
  }
  ~array();

  // ---- metadata ----
  const Shape& shape() const { return desc_->shape; }
  int64_t shape(int dim) const;  // negative dims count from the end
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const;
  int ndim() const { return int(desc_->shape.size()); }
  int64_t size() const { return desc_->size; }
  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return desc_->dtype.size; }
  size_t nbytes() const { return size_t(size()) * itemsize(); }

  // ---- evaluation and data ----
  void eval();
  // Blocks until the data is ready; rethrows the error of a failed evaluation.
  void wait();
  template <typename T>
  T item();
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(static_cast<char*>(desc_->data->host()) + desc_->offset);
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(static_cast<char*>(desc_->data->host()) + desc_->offset);
  }
  void* raw_data() { return data<char>(); }
  const std::shared_ptr<Data>& data_shared_ptr() const { return desc_->data; }
  int64_t offset() const { return desc_->offset; }  // bytes
  size_t data_size() const { return desc_->data_size; }
  const ArrayFlags& flags() const { return desc_->flags; }

  // ---- graph ----
  bool has_primitive() const { return desc_->primitive != nullptr; }
  Primitive& primitive() const { return *desc_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const { return desc_->primitive; }
  const std::vector<array>& inputs() const {
    return desc_->siblings ? desc_->siblings->inputs : desc_->inputs;
  }
  std::vector<array>& inputs() { return desc_->siblings ? desc_->siblings->inputs : desc_->inputs; }
  int position() const { return desc_->position; }
  // All outputs of this array's primitive, in order (this array included).
  std::vector<array> outputs() const;
  // The outputs of a multi-output primitive, this array among them; empty for a single
  // output. No copy: walking it once per group keeps graph walks linear in the outputs.
  const std::vector<array>& sibling_group() const;
  Status status() const { return desc_->status.load(std::memory_order_acquire); }
  void set_status(Status s) { desc_->status.store(s, std::memory_order_release); }
  bool is_available() const { return status() == Status::available; }
  const Event& event() const { return desc_->event; }
  void set_event(Event e) { desc_->event = std::move(e); }
  std::exception_ptr error() const { return desc_->error; }
  void set_error(std::exception_ptr e) { desc_->error = std::move(e); }
  bool is_tracer() const { return desc_->is_tracer && in_tracing(); }
  void set_tracer(bool t) { desc_->is_tracer = t; }
  // Drops the primitive and inputs of this node and its siblings (after evaluation).
  void detach();

  // ---- buffers, for primitives ----
  // Gives the array freshly allocated row-contiguous storage.
  void set_data(std::shared_ptr<Data> data);
  void set_data(std::shared_ptr<Data> data, size_t data_size, Strides strides, ArrayFlags flags,
                int64_t offset_bytes = 0);
  // Allocates row-contiguous storage for this array from the allocator.
  void allocate();
  // Makes this array a view of src's memory: element 0 at offset_bytes from the start of
  // src's memory, these strides (in elements), and the flags and span they imply.
  void set_view(const array& src, Strides strides, int64_t offset_bytes);
  // Shares other's memory with a layout whose flags and span the caller knows.
  void copy_shared_buffer(const array& other, Strides strides, ArrayFlags flags,
                          size_t data_size, int64_t offset_bytes);
  void copy_shared_buffer(const array& other);
  // True when nothing but the graph refers to this array or its memory, so an output may
  // take its memory over.
  bool is_donatable() const;

  // ---- identity ----
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(desc_.get()); }
  bool is_same(const array& o) const { return desc_ == o.desc_; }
  long use_count() const { return desc_.use_count(); }
  // Replaces this handle's node with another (Python's in-place operators, __setitem__).
  void overwrite_descriptor(const array& other) { *this = other; }

 private:
  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}
  void init_from_bytes(const void* bytes);
  // Strides, offset, and the flags and span they imply, over the memory already set.
  void set_layout(Strides strides, int64_t offset_bytes);
  // Breaks the sibling group's cycle once no member is held from outside it.
  void release_unheld_group();
  std::shared_ptr<ArrayDesc> desc_;
};

// Row-major strides of a shape, in elements.
Strides row_strides(const Shape& shape);

// ---- size arithmetic ----
// Element and byte counts never wrap: each product or sum that makes a size goes through
// these, which throw std::invalid_argument (Python ValueError, as NumPy's "array is too
// big") naming `op` when the result does not fit int64.
int64_t checked_mul(int64_t a, int64_t b, std::string_view op);
int64_t checked_add(int64_t a, int64_t b, std::string_view op);
// The element count of a shape. Throws on a negative dim, and when the product of the
// nonzero dims (which the row strides reach) does not fit int64.
int64_t shape_size(const Shape& shape, std::string_view op = "shape");
// shape_size, also checking that the byte count of `dtype` elements fits int64. Every
// array's shape passes through it when its node is made.
int64_t checked_size(const Shape& shape, Dtype dtype, std::string_view op);
std::string shape_to_string(const Shape& shape);

// Layout flags of a view with these strides. `contiguous` means dense in some order with
// non-negative strides: the elements fill [data, data + size) exactly once.
ArrayFlags layout_flags(const Shape& shape, const Strides& strides);
// Number of elements between the lowest and highest address the view touches, inclusive.
size_t data_span(const Shape& shape, const Strides& strides);

template <ElementType T>
array::array(T value, Dtype dtype) : array(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  dispatch_dtype(dtype, [&]<typename U>(type_tag<U>) {
    U v = cast_to<U>(value);
    init_from_bytes(&v);
  });
}

template <ElementType T>
array::array(std::initializer_list<T> values, Dtype dtype)
    : array(std::vector<T>(values), Shape{int64_t(values.size())}, dtype) {}

template <ElementType T>
array::array(const std::vector<T>& values, Shape shape, Dtype dtype)
    : array(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  if (int64_t(values.size()) != size()) {
    throw std::invalid_argument("array: " + std::to_string(values.size()) +
                                " values do not fill shape " + shape_to_string(this->shape()));
  }
  dispatch_dtype(dtype, [&]<typename U>(type_tag<U>) {
    auto converted = std::make_unique<U[]>(values.size());  // not vector<bool>: no data()
    for (size_t i = 0; i < values.size(); ++i) converted[i] = cast_to<U>(values[i]);
    init_from_bytes(converted.get());
  });
}

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument("item: the array has " + std::to_string(size()) +
                                " elements; only size-1 arrays convert to a scalar");
  }
  eval();
  return dispatch_dtype(dtype(), [&]<typename U>(type_tag<U>) -> T {
    return cast_to<T>(*data<U>());
  });
}

}  // namespace kiln
