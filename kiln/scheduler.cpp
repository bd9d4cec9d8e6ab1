#include "kiln/scheduler.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kiln/backend/gpu.h"
#include "kiln/thread_stream.h"

namespace kiln {

// CPU events are a flag with a condition variable; GPU events wrap a CUDA event.
struct EventState {
  Stream stream;
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> done{false};
  std::shared_ptr<void> gpu_event;  // owned by the GPU backend
  explicit EventState(Stream s) : stream(s) {}
  void set_done() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      done.store(true, std::memory_order_release);
    }
    cv.notify_all();
  }
};

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// One thread running a CPU stream's tasks in order.
class CpuWorker {
 public:
  CpuWorker() : thread_([this] { run(); }) {}

  void enqueue(std::function<void()> task) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
      pending_.fetch_add(1, std::memory_order_relaxed);
      wake = sleeping_;
    }
    if (wake) cv_.notify_one();
  }

  size_t pending() const { return pending_.load(std::memory_order_acquire); }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (queue_.empty()) {
          // Spin briefly before sleeping: an eval enqueues many short tasks back to back,
          // and waking a sleeping thread costs more than most of them.
          lock.unlock();
          for (int i = 0; i < 4000 && pending_.load(std::memory_order_acquire) == 0; ++i) {
            cpu_relax();
          }
          lock.lock();
          sleeping_ = true;
          cv_.wait(lock, [this] { return !queue_.empty(); });
          sleeping_ = false;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
      task = nullptr;  // release what the task captured before taking the next
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::atomic<size_t> pending_{0};
  bool sleeping_ = false;
  std::thread thread_;
};

struct StreamRecord {
  Stream stream;
  std::unique_ptr<CpuWorker> worker;  // CPU streams only
};

// Every stream ever made, and the pool of default streams not held by a thread now.
class Scheduler {
 public:
  Scheduler() {
    // The first thread to ask (usually the main one) gets streams 0 (CPU) and 1 (GPU).
    pool_[0].push_back(create(Device::cpu));
    if (gpu::is_available()) pool_[1].push_back(create(Device::gpu));
  }

  Stream create(Device d) {
    std::lock_guard<std::mutex> lock(mutex_);
    Stream s{int(streams_.size()), d};
    auto rec = std::make_unique<StreamRecord>(StreamRecord{s, nullptr});
    if (d.type == Device::cpu) {
      rec->worker = std::make_unique<CpuWorker>();
    } else {
      gpu::new_stream(s);
    }
    streams_.push_back(std::move(rec));
    return s;
  }

  StreamRecord& get(const Stream& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (s.index < 0 || s.index >= int(streams_.size())) {
      throw std::invalid_argument("unknown stream index " + std::to_string(s.index));
    }
    return *streams_[s.index];
  }

  // A stream for a thread to hold: a pooled one if any, else a new one.
  Stream take(Device d) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& pool = pool_[slot(d)];
      if (!pool.empty()) {
        Stream s = pool.back();
        pool.pop_back();
        return s;
      }
    }
    return create(d);
  }

  void give_back(const Stream& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    pool_[slot(s.device)].push_back(s);
  }

  static int slot(const Device& d) { return d.type == Device::cpu ? 0 : 1; }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<StreamRecord>> streams_;
  std::vector<Stream> pool_[2];
};

// Deliberately never destroyed: worker threads may still run while statics are torn down.
Scheduler& instance() {
  static Scheduler* s = new Scheduler();
  return *s;
}

// The streams of one thread. Those it took from the pool go back when the thread ends (or
// at clear_streams), so threads that come and go do not pile up worker threads.
struct ThreadStreams {
  std::optional<Stream> defaults[2];  // set_default_stream's choice, or the thread's own
  std::unordered_map<int, Stream> local;  // ThreadLocalStream index -> this thread's stream
  std::vector<Stream> taken;

  Stream take(Device d) {
    Stream s = instance().take(d);
    taken.push_back(s);
    return s;
  }
  void release() {
    for (auto& s : taken) instance().give_back(s);
    taken.clear();
    local.clear();
    defaults[0] = defaults[1] = std::nullopt;
  }
  ~ThreadStreams() { release(); }
};

ThreadStreams& thread_streams() {
  thread_local ThreadStreams t;
  return t;
}

std::atomic<int> next_thread_local_index{0};

}  // namespace

namespace scheduler {

void enqueue(const Stream& s, std::function<void()> task) {
  auto& rec = instance().get(s);
  if (!rec.worker) throw std::logic_error("scheduler::enqueue: not a CPU stream");
  rec.worker->enqueue(std::move(task));
}

size_t pending(const Stream& s) {
  auto& rec = instance().get(s);
  return rec.worker ? rec.worker->pending() : 0;
}

}  // namespace scheduler

// ---- Event ----

Event::Event(Stream s) : state_(std::make_shared<EventState>(s)) {
  if (s.device.type == Device::gpu) state_->gpu_event = gpu::event_create(s);
}

const Stream& Event::stream() const { return state_->stream; }

void Event::signal() {
  if (state_->stream.device.type == Device::gpu) {
    gpu::event_record(state_->gpu_event.get(), state_->stream);
    return;
  }
  scheduler::enqueue(state_->stream, [st = state_] { st->set_done(); });
}

void Event::wait() const {
  if (state_->stream.device.type == Device::gpu) {
    gpu::event_wait_host(state_->gpu_event.get());
    return;
  }
  if (state_->done.load(std::memory_order_acquire)) return;
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->cv.wait(lock, [this] { return state_->done.load(std::memory_order_acquire); });
}

bool Event::is_signaled() const {
  if (state_->stream.device.type == Device::gpu) {
    return gpu::event_query(state_->gpu_event.get());
  }
  return state_->done.load(std::memory_order_acquire);
}

void Event::wait_on(const Stream& s) const {
  if (s == state_->stream || is_signaled()) return;
  bool gpu_event = state_->stream.device.type == Device::gpu;
  if (s.device.type == Device::gpu) {
    if (gpu_event) {
      gpu::event_wait_stream(state_->gpu_event.get(), s);
    } else {
      // A GPU stream waiting on CPU work: the work is encoded on this thread, so waiting
      // here orders it.
      wait();
    }
    return;
  }
  // A CPU stream waits in its own queue, leaving the calling thread free.
  scheduler::enqueue(s, [ev = *this] { ev.wait(); });
}

// ---- Streams ----

Stream default_stream(Device d) {
  if (!is_available(d)) throw std::invalid_argument(to_string(d) + " is not available");
  auto& t = thread_streams();
  auto& s = t.defaults[Scheduler::slot(d)];
  if (!s) s = t.take(d);
  return *s;
}

void set_default_stream(Stream s) {
  instance().get(s);  // validates the index
  thread_streams().defaults[Scheduler::slot(s.device)] = s;
}

Stream new_stream(Device d) {
  if (!is_available(d)) throw std::invalid_argument("new_stream: " + to_string(d) + " is not available");
  return instance().create(d);
}

ThreadLocalStream new_thread_local_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("new_thread_local_stream: " + to_string(d) + " is not available");
  }
  return ThreadLocalStream{next_thread_local_index.fetch_add(1), d};
}

Stream to_stream(const ThreadLocalStream& tls) {
  auto& t = thread_streams();
  auto it = t.local.find(tls.index);
  if (it == t.local.end()) it = t.local.emplace(tls.index, t.take(tls.device)).first;
  return it->second;
}

void clear_streams() { thread_streams().release(); }

Stream to_stream(StreamOrDevice s) {
  switch (s.kind) {
    case StreamOrDevice::Kind::stream:
      return s.stream;
    case StreamOrDevice::Kind::device:
      return default_stream(s.device);
    default:
      return default_stream(default_device());
  }
}

void synchronize(Stream s) {
  if (s.device.type == Device::gpu) {
    gpu::synchronize(s);  // also returns memory freed behind the stream's work
    return;
  }
  Event e(s);
  e.signal();
  e.wait();
}

void synchronize() { synchronize(default_stream(default_device())); }

std::string to_string(const Stream& s) {
  return "Stream(" + to_string(s.device) + ", " + std::to_string(s.index) + ")";
}

// Contexts nest on their thread: the outermost one hands the thread back to the process-wide
// default device when it ends.
thread_local int context_depth = 0;

StreamContext::StreamContext(StreamOrDevice s)
    : old_device_(default_device()), old_stream_(to_stream(s)) {
  Stream st = old_stream_;
  old_stream_ = default_stream(st.device);  // restored on exit
  set_default_stream(st);
  detail::set_thread_default_device(st.device);
  ++context_depth;
}

StreamContext::~StreamContext() {
  set_default_stream(old_stream_);
  detail::set_thread_default_device(--context_depth > 0 ? std::optional(old_device_)
                                                        : std::nullopt);
}

}  // namespace kiln
