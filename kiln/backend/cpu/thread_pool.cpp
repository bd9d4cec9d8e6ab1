#include "kiln/backend/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::cpu {

namespace {

thread_local bool tl_in_pool = false;

class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 1; i < n; ++i) threads_.emplace_back([this] { worker(); });
  }

  int size() const { return size_; }

  // Returns false (and runs nothing) when another job holds the pool.
  bool run(int pieces, const std::function<void(int)>& piece) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    Job job;
    job.f = &piece;
    job.pieces = pieces;
    job.remaining.store(pieces);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    cv_.notify_all();
    tl_in_pool = true;
    job.work();
    tl_in_pool = false;
    // Wait until every piece is done and no helper still holds the job (it lives on this
    // stack). Spin first: the helpers are usually almost done.
    for (int i = 0; i < 20000 && (job.remaining.load() > 0 || job.joined.load() > 0); ++i) {
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      done_cv_.wait(lock, [&] { return job.remaining.load() == 0 && job.joined.load() == 0; });
      job_ = nullptr;
    }
    if (job.error) std::rethrow_exception(job.error);
    return true;
  }

 private:
  struct Job {
    const std::function<void(int)>* f = nullptr;
    int pieces = 0;
    std::atomic<int> next{0}, remaining{0}, joined{0};
    std::exception_ptr error;
    std::mutex error_mutex;

    void work() {
      for (int i; (i = next.fetch_add(1)) < pieces;) {
        try {
          (*f)(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
        remaining.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  };

  void worker() {
    tl_in_pool = true;
    uint64_t seen = 0;
    for (;;) {
      Job* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return generation_ != seen && job_ != nullptr; });
        seen = generation_;
        job = job_;
        job->joined.fetch_add(1);
      }
      job->work();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        job->joined.fetch_sub(1);
      }
      done_cv_.notify_all();
    }
  }

  int size_;
  std::vector<std::thread> threads_;
  std::mutex busy_;  // one job at a time
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
};

int configured_threads() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool& pool() {
  // Never destroyed: its threads live for the whole process.
  static ThreadPool* p = new ThreadPool(configured_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t pieces = std::min<int64_t>(num_threads(), n / grain);
  if (pieces <= 1 || tl_in_pool) {
    f(0, n);
    return;
  }
  auto piece = [&](int i) { f(n * i / pieces, n * (i + 1) / pieces); };
  if (!pool().run(int(pieces), piece)) f(0, n);
}

}  // namespace kiln::cpu
