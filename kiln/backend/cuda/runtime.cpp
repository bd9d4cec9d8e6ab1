#include "kiln/backend/cuda/runtime.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "kiln/allocator.h"
#include "kiln/backend/cuda/jit.h"
#include "kiln/backend/gpu.h"
#include "kiln/primitive.h"

namespace kiln::cuda {

namespace {

// ---- devices ----

struct DeviceRecord {
  DeviceProperties props;
  std::unique_ptr<allocator::CachingAllocator> alloc;
};

class Devices {
 public:
  Devices() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // no driver or no device: the GPU is simply unavailable
      n = 0;
    }
    for (int i = 0; i < n; ++i) {
      cudaDeviceProp p;
      KILN_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
      auto rec = std::make_unique<DeviceRecord>();
      rec->props = {i,
                    p.major * 10 + p.minor,
                    p.multiProcessorCount,
                    p.totalGlobalMem,
                    size_t(p.l2CacheSize),
                    p.sharedMemPerBlockOptin,
                    p.name};
      size_t total = p.totalGlobalMem;
      rec->alloc = std::make_unique<allocator::CachingAllocator>(
          "gpu" + std::to_string(i),
          [i](size_t bytes) -> void* {
            void* ptr = nullptr;
            cudaSetDevice(i);
            if (cudaMalloc(&ptr, bytes) != cudaSuccess) {
              cudaGetLastError();  // clear the error: the allocator flushes its cache and retries
              return nullptr;
            }
            return ptr;
          },
          [i](void* ptr, size_t) {
            cudaSetDevice(i);
            cudaFree(ptr);
          },
          total, total / 2);
      records_.push_back(std::move(rec));
    }
  }
  int count() const { return int(records_.size()); }
  DeviceRecord& get(int i) {
    if (i < 0 || i >= count()) throw std::invalid_argument("no GPU with index " + std::to_string(i));
    return *records_[i];
  }

 private:
  std::vector<std::unique_ptr<DeviceRecord>> records_;
};

// Never destroyed: buffers may be released while statics are torn down.
Devices& devices() {
  static Devices* d = new Devices();
  return *d;
}

// ---- releasing freed memory after the GPU passed its last use ----

}  // namespace

struct PendingFree {
  void* ptr;
  size_t nbytes;
  int device;
  std::atomic<int> remaining;  // streams that have yet to pass it
};

namespace {

using FreeBatch = std::vector<std::shared_ptr<PendingFree>>;

// Returns the blocks of a batch the GPU has passed; a block freed on several streams goes
// back once the last of them has passed it.
void release_passed(const FreeBatch& batch) {
  for (auto& f : batch) {
    if (f->remaining.fetch_sub(1) == 1) device_allocator(f->device).release(f->ptr, f->nbytes);
  }
}

class Releaser {
 public:
  Releaser() : thread_([this] { run(); }) { thread_.detach(); }
  using Batch = FreeBatch;
  // Called from a CUDA host callback: only queues (no CUDA calls allowed there).
  void push(Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.emplace_back(b);
      ++queued_;
    }
    cv_.notify_all();
  }
  // Waits until every batch queued so far has been released.
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    uint64_t target = queued_;
    cv_.wait(lock, [&] { return done_ >= target; });
  }

 private:
  void run() {
    for (;;) {
      std::unique_ptr<Batch> b;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        b = std::move(queue_.front());
        queue_.pop_front();
      }
      release_passed(*b);
      b.reset();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++done_;
      }
      cv_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> queue_;
  uint64_t queued_ = 0, done_ = 0;
  std::thread thread_;
};

Releaser& releaser() {
  static Releaser* r = new Releaser();
  return *r;
}

void CUDART_CB release_callback(void* batch) {
  releaser().push(static_cast<Releaser::Batch*>(batch));
}

// ---- streams ----

struct StreamRecord {
  int index;
  int device;
  cudaStream_t stream;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<std::mutex> encoding;  // one thread encodes on a stream at a time
};

class Streams {
 public:
  void add(const Stream& s) {
    int dev = s.device.index;
    KILN_CUDA_CHECK(cudaSetDevice(dev));
    cudaStream_t cs;
    KILN_CUDA_CHECK(cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking));
    std::lock_guard<std::mutex> lock(mutex_);
    map_[s.index] = StreamRecord{s.index, dev, cs, std::make_unique<Encoder>(cs),
                                 std::make_unique<std::mutex>()};
  }
  // The streams whose index % 64 has its bit set in mask.
  std::vector<StreamRecord*> in_mask(uint64_t mask) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StreamRecord*> out;
    for (auto& [i, rec] : map_) {
      if (mask & (uint64_t(1) << (i % 64))) out.push_back(&rec);
    }
    return out;
  }
  std::vector<StreamRecord*> all() { return in_mask(~uint64_t(0)); }
  StreamRecord& get(const Stream& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(s.index);
    if (it == map_.end()) throw std::invalid_argument("not a GPU stream: " + to_string(s));
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<int, StreamRecord> map_;
};

Streams& streams() {
  static Streams* s = new Streams();
  return *s;
}

constexpr size_t kFlushEvery = 256;
// Past this many bytes kept for reuse on one stream, the encoder returns them all.
constexpr size_t kReuseLimit = size_t(1) << 31;
std::atomic<size_t> h2d_copies{0}, d2h_copies{0};

}  // namespace

const DeviceProperties& device_properties(int device) { return devices().get(device).props; }
allocator::CachingAllocator& device_allocator(int device) { return *devices().get(device).alloc; }
cudaStream_t cuda_stream(const Stream& s) { return streams().get(s).stream; }
int stream_device(const Stream& s) { return streams().get(s).device; }
Encoder& encoder(const Stream& s) { return *streams().get(s).encoder; }

void Encoder::defer_free(const std::shared_ptr<PendingFree>& f) {
  bool flush_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(f);
    flush_now = pending_.size() >= kFlushEvery;
  }
  if (flush_now) flush();
}

void Encoder::keep_for_reuse(void* ptr, size_t nbytes, int device) {
  auto f = std::make_shared<PendingFree>();
  f->ptr = ptr;
  f->nbytes = nbytes;
  f->device = device;
  f->remaining = 1;
  bool flush_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reusable_[allocator::size_class(nbytes)].push_back(std::move(f));
    reusable_bytes_ += allocator::size_class(nbytes);
    flush_now = reusable_bytes_ > kReuseLimit;
  }
  if (flush_now) flush();
}

void* Encoder::take_reusable(size_t nbytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = reusable_.find(allocator::size_class(nbytes));
  if (it == reusable_.end() || it->second.empty()) return nullptr;
  void* ptr = it->second.back()->ptr;
  it->second.pop_back();
  reusable_bytes_ -= it->first;
  return ptr;
}

void Encoder::take_all_pending_locked() {
  for (auto& [cls, blocks] : reusable_) {
    for (auto& f : blocks) pending_.push_back(std::move(f));
  }
  reusable_.clear();
  reusable_bytes_ = 0;
}

void Encoder::synchronize() {
  FreeBatch batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    take_all_pending_locked();
    batch.swap(pending_);
  }
  KILN_CUDA_CHECK(cudaStreamSynchronize(stream_));
  // The stream has passed every use: release here rather than through a host callback and
  // the releaser thread, whose hand-offs cost tens of microseconds per synchronize.
  release_passed(batch);
}

void Encoder::flush() {
  Releaser::Batch* batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    take_all_pending_locked();
    if (pending_.empty()) return;
    batch = new Releaser::Batch(std::move(pending_));
    pending_.clear();
  }
  cudaError_t err = cudaLaunchHostFunc(stream_, release_callback, batch);
  if (err != cudaSuccess) {
    // The stream is broken (a sticky error): wait for the device and release from here.
    cudaStreamSynchronize(stream_);
    release_callback(batch);
    check(err, "cudaLaunchHostFunc");
  }
}

void make_device_current(const array& a, const Stream& s) {
  Data& d = *a.data_shared_ptr();
  int dev = stream_device(s);
  std::lock_guard<std::mutex> lock(d.mutex());
  auto& copy = d.device_copy();
  if (d.device_valid() && copy.device == dev) return;
  if (copy.ptr && copy.device != dev) {
    throw std::invalid_argument("[cuda] arrays on different GPUs are not supported yet");
  }
  if (!copy.ptr && d.nbytes()) {
    copy.ptr = device_allocator(dev).allocate(d.nbytes());
    copy.device = dev;
  }
  if (d.nbytes()) {
    KILN_CUDA_CHECK(cudaMemcpyAsync(copy.ptr, d.raw_host(), d.nbytes(), cudaMemcpyHostToDevice,
                                    cuda_stream(s)));
    ++h2d_copies;
  }
  d.used_on_stream(s.index);
  d.set_valid(d.host_valid(), true);
}

namespace {
thread_local const Stream* tl_current = nullptr;
}

const Stream& current_stream() {
  if (!tl_current) throw std::logic_error("[cuda] no stream is being encoded on this thread");
  return *tl_current;
}
CurrentStream::CurrentStream(const Stream& s) : previous(tl_current) { tl_current = &s; }
CurrentStream::~CurrentStream() { tl_current = previous; }

namespace {
// A device buffer for work on stream s: a block the stream freed itself if one fits.
std::shared_ptr<Data> stream_buffer(size_t nbytes, const Stream& s) {
  StreamRecord& rec = streams().get(s);  // one lookup: this runs for every GPU output
  void* reused = nbytes ? rec.encoder->take_reusable(nbytes) : nullptr;
  auto d = Data::on_device(nbytes, rec.device, reused);
  d->used_on_stream(s.index);
  return d;
}
}  // namespace

void allocate(array& out, const Stream& s) { out.set_data(stream_buffer(out.nbytes(), s)); }

void allocate(array& out, const Stream& s, size_t data_size, Strides strides, ArrayFlags flags) {
  out.set_data(stream_buffer(data_size * out.itemsize(), s), data_size, std::move(strides),
               flags);
}

}  // namespace kiln::cuda

// ---- the interface the rest of Kiln uses (kiln/backend/gpu.h) ----

namespace kiln::gpu {

using namespace kiln::cuda;

bool is_available() { return devices().count() > 0; }
int device_count() { return devices().count(); }

std::vector<allocator::CachingAllocator*> allocators() {
  std::vector<allocator::CachingAllocator*> v;
  for (int i = 0; i < devices().count(); ++i) v.push_back(devices().get(i).alloc.get());
  return v;
}

std::map<std::string, std::variant<std::string, size_t>> device_info(int device) {
  const auto& p = device_properties(device);
  return {{"device_name", p.name},
          {"architecture", "sm_" + std::to_string(p.arch)},
          {"memory_size", p.total_memory},
          {"multiprocessor_count", size_t(p.sm_count)},
          {"l2_cache_size", p.l2_size}};
}

void* allocate(size_t nbytes, int device) {
  if (!nbytes) return nullptr;
  try {
    return device_allocator(device).allocate(nbytes);
  } catch (const out_of_memory&) {
    drain_releases();  // memory waiting behind the GPU's work or kept for a stream's reuse
    return device_allocator(device).allocate(nbytes);
  }
}
void release(void* ptr, size_t nbytes, int device, uint64_t stream_mask) {
  auto streams_used = stream_mask ? streams().in_mask(stream_mask) : std::vector<StreamRecord*>{};
  if (streams_used.empty()) {
    device_allocator(device).release(ptr, nbytes);
    return;
  }
  if (streams_used.size() == 1) {
    streams_used[0]->encoder->keep_for_reuse(ptr, nbytes, device);
    return;
  }
  auto f = std::make_shared<PendingFree>();
  f->ptr = ptr;
  f->nbytes = nbytes;
  f->device = device;
  f->remaining = int(streams_used.size());
  for (auto* rec : streams_used) rec->encoder->defer_free(f);
}

void drain_releases() {
  for (auto* rec : streams().all()) rec->encoder->synchronize();
  releaser().drain();  // batches flushed earlier through host callbacks
}

void copy_to_host(const void* device_ptr, void* host_ptr, size_t nbytes, int device) {
  if (!nbytes) return;
  KILN_CUDA_CHECK(cudaSetDevice(device));
  KILN_CUDA_CHECK(cudaMemcpy(host_ptr, device_ptr, nbytes, cudaMemcpyDeviceToHost));
  ++d2h_copies;
}

TransferStats transfer_stats() { return {h2d_copies.load(), d2h_copies.load()}; }

KernelCacheStats kernel_cache_stats() {
  auto s = jit_stats();
  return {s.compiled, s.disk_hits};
}

void new_stream(const Stream& s) { streams().add(s); }

void eval(array& arr) {
  const Stream& s = arr.primitive().stream();
  StreamRecord& rec = streams().get(s);
  std::lock_guard<std::mutex> encoding(*rec.encoding);
  KILN_CUDA_CHECK(cudaSetDevice(rec.device));
  CurrentStream current(s);
  for (auto& in : arr.inputs()) {
    if (!is_host_scalar(in)) make_device_current(in, s);
  }
  std::vector<array> outputs = arr.outputs();
  arr.primitive().eval_gpu(arr.inputs(), outputs);
  KILN_CUDA_CHECK(cudaGetLastError());  // launch errors (bad configuration...)
  for (auto& in : arr.inputs()) {
    if (in.data_shared_ptr()->device_valid()) in.data_shared_ptr()->used_on_stream(s.index);
  }
  for (auto& o : outputs) {
    auto& d = o.data_shared_ptr();
    if (!d || !d->device_valid()) continue;  // a view of a host scalar no kernel needed
    d->used_on_stream(s.index);
    // A fresh buffer or one a kernel wrote (donation) now lives on the device only; a view
    // of an input leaves that input's copies as they were.
    bool shared = false;
    for (auto& in : arr.inputs()) shared |= in.data_shared_ptr() == d;
    if (d->take_device_write() || !shared) {
      std::lock_guard<std::mutex> lock(d->mutex());
      d->set_valid(false, true);
    }
  }
  for (auto& in : arr.inputs()) in.data_shared_ptr()->take_device_write();
}

void synchronize(const Stream& s) {
  encoder(s).synchronize();
  releaser().drain();  // memory freed behind the stream's work is back in the allocator
}

std::shared_ptr<void> event_create(const Stream& s) {
  KILN_CUDA_CHECK(cudaSetDevice(stream_device(s)));
  cudaEvent_t ev;
  KILN_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
  return std::shared_ptr<void>(ev, [](void* e) { cudaEventDestroy(static_cast<cudaEvent_t>(e)); });
}

void event_record(void* event, const Stream& s) {
  std::lock_guard<std::mutex> encoding(*streams().get(s).encoding);
  encoder(s).flush();
  KILN_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), cuda_stream(s)));
}

void event_wait_host(void* event) {
  KILN_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
}

void event_wait_stream(void* event, const Stream& s) {
  KILN_CUDA_CHECK(cudaStreamWaitEvent(cuda_stream(s), static_cast<cudaEvent_t>(event), 0));
}

bool event_query(void* event) {
  cudaError_t err = cudaEventQuery(static_cast<cudaEvent_t>(event));
  if (err == cudaErrorNotReady) return false;
  check(err, "cudaEventQuery");
  return true;
}

}  // namespace kiln::gpu
