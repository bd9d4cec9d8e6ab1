// Formatting builds strings with snprintf rather than iostreams: iostream number formatting
// crashed inside the Python module on one toolchain (see python/CMakeLists.txt), and
// snprintf gives the same text everywhere. The text follows MLX's, which is an ostream's
// default float format (printf's %g) or, with a precision set, its fixed format (%f).
#include "kiln/printing.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>

namespace kiln {

namespace {

std::atomic<int> precision{-1};

struct Format {
  int precision;    // -1: %g with six significant digits; otherwise %f with this many
  bool python_bools;  // True/False rather than true/false
};

void append_float(std::string& out, double x, const Format& f) {
  char buf[512];  // %f of the largest double needs 309 digits before the point
  if (f.precision < 0) {
    std::snprintf(buf, sizeof(buf), "%g", x);
  } else {
    std::snprintf(buf, sizeof(buf), "%.*f", std::min(f.precision, 100), x);
  }
  out += buf;
}

template <typename T>
void append_element(std::string& out, T v, const Format& f) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? (f.python_bools ? "True" : "true") : (f.python_bools ? "False" : "false");
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    append_float(out, v.real, f);
    if (v.imag >= 0 || std::isnan(v.imag)) {
      out += "+";
      append_float(out, v.imag, f);
    } else {
      out += "-";
      append_float(out, -v.imag, f);
    }
    out += "j";
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(+v);
  } else {
    append_float(out, double(v), f);
  }
}

constexpr int64_t kEdge = 3;  // entries printed at each end of a summarised dimension

template <typename T>
void append_dim(std::string& out, const array& a, const T* base, int dim, int64_t off,
                const Format& f) {
  if (dim == a.ndim()) {
    append_element(out, base[off], f);
    return;
  }
  bool innermost = dim + 1 == a.ndim();
  // Rows of an outer dimension go on lines of their own, aligned under the first one.
  std::string separator = innermost ? ", " : ",\n" + std::string(size_t(dim) + 7, ' ');
  int64_t n = a.shape()[dim];
  out += "[";
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) out += separator;
    if (n > 2 * kEdge && i == kEdge) {
      out += "...";
      i = n - kEdge - 1;
      continue;
    }
    append_dim(out, a, base, dim + 1, off + i * a.strides()[dim], f);
  }
  out += "]";
}

std::string values(array a, bool python_bools) {
  a.eval();
  Format f{precision.load(), python_bools};
  std::string out;
  dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    append_dim(out, a, a.data<T>(), 0, 0, f);
  });
  return "array(" + out + ", dtype=" + dtype_name(a.dtype()) + ")";
}

}  // namespace

void set_print_precision(int p) { precision.store(p < 0 ? -1 : p); }
int get_print_precision() { return precision.load(); }

std::ostream& operator<<(std::ostream& os, array a) { return os << values(std::move(a), false); }

std::string array_repr(array a) { return values(std::move(a), true); }

}  // namespace kiln
