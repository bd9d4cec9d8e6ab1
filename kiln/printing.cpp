// Formatting builds strings with snprintf rather than iostreams: iostream number formatting
// crashed inside the Python module on one toolchain (see python/CMakeLists.txt), and
// snprintf gives the same text everywhere.
#include "kiln/printing.h"

#include <atomic>
#include <cmath>
#include <cstdio>

namespace kiln {

namespace {

std::atomic<int> precision{-1};

int digits_for(Dtype d) {
  int p = precision.load();
  if (p >= 0) return p;
  if (d == float64) return 16;
  if (d == float16 || d == bfloat16) return 4;
  return 6;
}

void append_float(std::string& out, double x, int digits) {
  if (std::isnan(x)) {
    out += "nan";
  } else if (std::isinf(x)) {
    out += x < 0 ? "-inf" : "inf";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*g", digits, x);
    std::string s = buf;
    if (s.find_first_of(".e") == std::string::npos) s += ".";
    out += s;
  }
}

template <typename T>
void append_element(std::string& out, T v, int digits) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    append_float(out, v.real, digits);
    out += v.imag < 0 || (v.imag == 0 && std::signbit(v.imag)) ? "-" : "+";
    append_float(out, std::fabs(v.imag), digits);
    out += "j";
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(+v);
  } else {
    append_float(out, double(v), digits);
  }
}

// Long dimensions print their first and last three entries around "...".
constexpr int64_t kSummarize = 1000, kEdge = 3;

template <typename T>
void append_dim(std::string& out, const array& a, const T* base, int dim, int64_t off,
                int digits, bool summarize) {
  if (dim == a.ndim()) {
    append_element(out, base[off], digits);
    return;
  }
  out += "[";
  int64_t n = a.shape()[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) {
      out += "..., ";
      i = n - kEdge;
    }
    append_dim(out, a, base, dim + 1, off + i * a.strides()[dim], digits, summarize);
    if (i + 1 < n) {
      out += ",";
      out += dim + 1 < a.ndim() ? "\n" + std::string(size_t(dim) + 7, ' ') : " ";
    }
  }
  out += "]";
}

std::string values(array a) {
  a.eval();
  std::string out;
  dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    append_dim(out, a, a.data<T>(), 0, 0, digits_for(a.dtype()), a.size() > kSummarize);
  });
  return out;
}

}  // namespace

void set_print_precision(int p) { precision.store(p); }
int get_print_precision() { return precision.load(); }

std::ostream& operator<<(std::ostream& os, array a) { return os << values(std::move(a)); }

std::string array_repr(array a) {
  Dtype d = a.dtype();
  return "array(" + values(std::move(a)) + ", dtype=" + dtype_name(d) + ")";
}

}  // namespace kiln
