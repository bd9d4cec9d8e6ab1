#include "kiln/backend/cuda/runtime.h"

#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "kiln/allocator.h"
#include "kiln/backend/cuda/jit.h"
#include "kiln/backend/gpu.h"
#include "kiln/primitive.h"

namespace kiln::cuda {

namespace {

// ---- pinned host memory ----

// Host blocks of 1 MiB or more (the host allocator maps those from the OS) are page-locked
// for transfers and stay so while the allocator caches them: their copies then run at the
// bus's full speed without the driver's staging (384 MB up on the H100 host: 8 ms pinned,
// 51 ms pageable; down: 7 ms pinned, 250-315 ms pageable). Pinning locks every page, a cost
// a block used once does not win back, so an upload pins a block the second time it crosses
// the bus (a reused block: data batches, a cached buffer); a download, far slower pageable,
// pins at once. Smaller blocks take the driver's pageable path, asynchronous for them.
class PinnedBlocks {
 public:
  enum class When { now, second_time };
  // Whether the host-allocator block at `block` holding nbytes is pinned for this copy.
  bool pin(void* block, size_t nbytes, When when) {
    if (nbytes < allocator::kHostMapThreshold) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (pinned_.count(block)) return true;
    if (when == When::second_time && seen_.insert(block).second) return false;
    seen_.erase(block);
    if (cudaHostRegister(block, allocator::size_class(nbytes), cudaHostRegisterDefault) !=
        cudaSuccess) {
      cudaGetLastError();  // e.g. the locked-memory limit: the copy goes pageable
      return false;
    }
    pinned_.insert(block);
    return true;
  }
  static void unpin(void* block) {
    auto& self = pinned_blocks();
    std::lock_guard<std::mutex> lock(self.mutex_);
    if (self.pinned_.erase(block)) cudaHostUnregister(block);
    self.seen_.erase(block);
  }
  static PinnedBlocks& pinned_blocks() {
    static PinnedBlocks* p = new PinnedBlocks();
    return *p;
  }

 private:
  std::mutex mutex_;
  std::unordered_set<void*> pinned_;
  std::unordered_set<void*> seen_;  // blocks uploaded once, unpinned
};

// ---- devices ----

struct DeviceRecord {
  DeviceProperties props;
  std::unique_ptr<allocator::CachingAllocator> alloc;
  std::once_flag upload_once;
  cudaStream_t upload = nullptr;  // copies from pinned host blocks into fresh device blocks
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
    if (n > 0) allocator::set_host_unmap_hook(&PinnedBlocks::unpin);
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

// Batches of frees queued behind an event recorded on the stream that last used them; a batch
// goes back to the allocator once its event has completed. Events rather than host callbacks:
// a callback stalls the stream until the driver's callback thread has run it (measured ~50 us
// per eval on the H100), an event costs the stream nothing. Completed batches are collected
// by whoever next needs memory or waits for the GPU (poll), or waited for (drain).
class Releases {
 public:
  void push(int device, cudaStream_t stream, FreeBatch batch) {
    cudaEvent_t ev = take_event(device);
    cudaError_t err = cudaEventRecord(ev, stream);
    if (err != cudaSuccess) {
      // The stream is broken (a sticky error): wait for the device and release from here.
      cudaStreamSynchronize(stream);
      release_passed(batch);
      check(err, "cudaEventRecord");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({ev, device, std::move(batch)});
  }
  // Releases every batch whose event has completed.
  void poll() { collect(false); }
  // Waits for every queued batch and releases it.
  void drain() { collect(true); }

 private:
  struct Queued {
    cudaEvent_t event;
    int device;
    FreeBatch batch;
  };
  void collect(bool wait) {
    std::vector<Queued> done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return;
      std::deque<Queued> left;
      for (auto& q : queue_) {
        if (wait) cudaEventSynchronize(q.event);
        if (cudaEventQuery(q.event) == cudaErrorNotReady) {
          left.push_back(std::move(q));
        } else {
          done.push_back(std::move(q));
        }
      }
      queue_.swap(left);
    }
    for (auto& q : done) {
      release_passed(q.batch);
      std::lock_guard<std::mutex> lock(mutex_);
      events_[q.device].push_back(q.event);
    }
  }
  cudaEvent_t take_event(int device) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& pool = events_[device];
      if (!pool.empty()) {
        cudaEvent_t ev = pool.back();
        pool.pop_back();
        return ev;
      }
    }
    cudaEvent_t ev;
    KILN_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    return ev;
  }
  std::mutex mutex_;
  std::deque<Queued> queue_;
  std::unordered_map<int, std::vector<cudaEvent_t>> events_;  // per device, ready for reuse
};

Releases& releases() {
  static Releases* r = new Releases();
  return *r;
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
    map_[s.index] = StreamRecord{s.index, dev, cs, std::make_unique<Encoder>(cs, dev),
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
  release_passed(batch);  // the stream has passed every use
  releases().poll();      // and the batches flushed on it before
}

void Encoder::flush() {
  FreeBatch batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    take_all_pending_locked();
    if (pending_.empty()) return;
    batch.swap(pending_);
  }
  releases().push(device_, stream_, std::move(batch));
}

namespace {

// Copies a pinned host block into `dst`, a device block no kernel uses yet, on the device's
// upload stream: the copy waits for no queued kernel, s waits for it on the device, and the
// host waits for the copy alone, after which the host block may change.
void upload_pinned(void* dst, const void* src, size_t nbytes, int dev, const Stream& s) {
  DeviceRecord& rec = devices().get(dev);
  std::call_once(rec.upload_once, [&] {
    KILN_CUDA_CHECK(cudaStreamCreateWithFlags(&rec.upload, cudaStreamNonBlocking));
  });
  std::shared_ptr<void> event = gpu::event_create(s);
  auto done = static_cast<cudaEvent_t>(event.get());
  KILN_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, rec.upload));
  KILN_CUDA_CHECK(cudaEventRecord(done, rec.upload));
  KILN_CUDA_CHECK(cudaStreamWaitEvent(cuda_stream(s), done, 0));
  KILN_CUDA_CHECK(cudaEventSynchronize(done));
}

}  // namespace

void make_device_current(const array& a, const Stream& s) {
  Data& d = *a.data_shared_ptr();
  int dev = stream_device(s);
  std::lock_guard<std::mutex> lock(d.mutex());
  auto& copy = d.device_copy();
  if (d.device_valid() && copy.device == dev) return;
  if (copy.ptr && copy.device != dev) {
    throw std::invalid_argument("[cuda] arrays on different GPUs are not supported yet");
  }
  if (d.nbytes()) {
    bool pinned = d.host_owned() && PinnedBlocks::pinned_blocks().pin(
        d.raw_host(), d.nbytes(), PinnedBlocks::When::second_time);
    bool fresh = !copy.ptr;
    if (fresh) {
      copy.ptr = gpu::allocate(d.nbytes(), dev);
      copy.device = dev;
    }
    if (fresh && pinned) {
      upload_pinned(copy.ptr, d.raw_host(), d.nbytes(), dev, s);
    } else {
      // Behind the stream's work: queued kernels may still read the old device contents.
      KILN_CUDA_CHECK(cudaMemcpyAsync(copy.ptr, d.raw_host(), d.nbytes(),
                                      cudaMemcpyHostToDevice, cuda_stream(s)));
      // A pinned source is read later by the copy engine: wait, as the driver does for a
      // pageable one, so the host copy may change once this returns.
      if (pinned) KILN_CUDA_CHECK(cudaStreamSynchronize(cuda_stream(s)));
    }
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
  releases().poll();
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
  releases().drain();  // batches flushed on streams of other devices
}

void copy_to_host(const void* device_ptr, void* host_ptr, size_t nbytes, int device,
                  bool host_block) {
  if (!nbytes) return;
  KILN_CUDA_CHECK(cudaSetDevice(device));
  if (host_block) PinnedBlocks::pinned_blocks().pin(host_ptr, nbytes, PinnedBlocks::When::now);
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

void synchronize(const Stream& s) { encoder(s).synchronize(); }

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
  releases().poll();  // the frees flushed before the event are now behind the GPU
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
