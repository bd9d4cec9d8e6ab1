// The upcast report: an opt-in notice whenever an op widens a float16 or bfloat16 operand to
// a wider floating type because of another array operand, the silent slowdown of mixed
// precision code. Ops call check_upcast where they promote; a front end registers a callback
// (Python turns it into a warning at the user's line). Off by default, when it costs one
// relaxed atomic load per op; KILN_WARN_UPCAST=1 in the environment turns it on.
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <vector>

#include "kiln/dtype.h"

namespace kiln {

// Receives the op's name, the dtypes of its operands and the dtype they were promoted to.
using UpcastCallback =
    std::function<void(const char* op, const std::vector<Dtype>& from, Dtype to)>;

// Replaces the callback (an empty one silences the report).
void set_upcast_callback(UpcastCallback callback);
void set_promotion_warnings(bool enabled);
bool promotion_warnings();

namespace detail {
extern std::atomic<bool> upcast_report_enabled;
void report_upcast(const char* op, const Dtype* from, size_t n, Dtype to);
}  // namespace detail

// Reports when some operand in `from` is a 16-bit float and `to` is a wider floating type.
inline void check_upcast(const char* op, std::initializer_list<Dtype> from, Dtype to) {
  if (detail::upcast_report_enabled.load(std::memory_order_relaxed)) [[unlikely]] {
    detail::report_upcast(op, from.begin(), from.size(), to);
  }
}
inline void check_upcast(const char* op, const std::vector<Dtype>& from, Dtype to) {
  if (detail::upcast_report_enabled.load(std::memory_order_relaxed)) [[unlikely]] {
    detail::report_upcast(op, from.data(), from.size(), to);
  }
}

}  // namespace kiln
