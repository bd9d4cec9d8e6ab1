// Error messages of the form "[op] ...". The parts are appended in order: strings as they
// are, numbers through std::to_string (GCC 12 has no <format>).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace kiln {

namespace detail {
inline void append_part(std::string& s, std::string_view part) { s += part; }
inline void append_part(std::string& s, char c) { s += c; }
template <typename T>
  requires std::is_arithmetic_v<T>
void append_part(std::string& s, T v) {
  s += std::to_string(v);
}
}  // namespace detail

// "[op] " followed by the parts.
template <typename... Parts>
std::string error_message(std::string_view op, const Parts&... parts) {
  std::string s = "[";
  s += op;
  s += "] ";
  (detail::append_part(s, parts), ...);
  return s;
}

// An axis outside [-ndim, ndim). It is an out_of_range (NumPy raises IndexError for it); the
// Python module registers it as AxisError, a subclass of both ValueError (what MLX raises) and
// IndexError, so code written for either library catches it.
class axis_error : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

// Throws E (std::invalid_argument unless named) with error_message(op, parts...).
template <typename E = std::invalid_argument, typename... Parts>
[[noreturn]] void fail(std::string_view op, const Parts&... parts) {
  throw E(error_message(op, parts...));
}

}  // namespace kiln
