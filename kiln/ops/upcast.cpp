#include "kiln/ops/upcast.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace kiln {

namespace {

bool env_enabled() {
  const char* v = std::getenv("KILN_WARN_UPCAST");
  return v && *v && std::strcmp(v, "0") != 0;
}

// The callback is swapped rarely and read on every report: a shared_ptr copied under the
// lock lets a report run without holding it (the callback may build ops itself).
std::mutex callback_mutex;
std::shared_ptr<UpcastCallback> callback;

bool is_half(Dtype d) { return d == float16 || d == bfloat16; }

}  // namespace

namespace detail {
std::atomic<bool> upcast_report_enabled{env_enabled()};

void report_upcast(const char* op, const Dtype* from, size_t n, Dtype to) {
  if (!is_inexact(to) || is_half(to)) return;
  bool has_half = false;
  for (size_t i = 0; i < n; ++i) has_half |= is_half(from[i]);
  if (!has_half) return;
  std::shared_ptr<UpcastCallback> cb;
  {
    std::lock_guard<std::mutex> lock(callback_mutex);
    cb = callback;
  }
  if (cb && *cb) (*cb)(op, std::vector<Dtype>(from, from + n), to);
}
}  // namespace detail

void set_upcast_callback(UpcastCallback cb) {
  auto p = std::make_shared<UpcastCallback>(std::move(cb));
  std::lock_guard<std::mutex> lock(callback_mutex);
  callback = std::move(p);
}

void set_promotion_warnings(bool enabled) {
  detail::upcast_report_enabled.store(enabled, std::memory_order_relaxed);
}

bool promotion_warnings() {
  return detail::upcast_report_enabled.load(std::memory_order_relaxed);
}

}  // namespace kiln
