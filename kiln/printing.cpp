#include "kiln/printing.h"

#include <atomic>
#include <cmath>
#include <sstream>

#include "kiln/ops/shape.h"

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

template <typename T>
void print_element(std::ostream& os, T v, int digits) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    print_element(os, v.real, digits);
    os << (v.imag < 0 || (v.imag == 0 && std::signbit(v.imag)) ? "-" : "+");
    print_element(os, std::fabs(v.imag), digits);
    os << "j";
  } else if constexpr (std::is_integral_v<T>) {
    os << +v;
  } else {
    double x = double(v);
    if (std::isnan(x)) {
      os << "nan";
    } else if (std::isinf(x)) {
      os << (x < 0 ? "-inf" : "inf");
    } else {
      std::ostringstream tmp;
      tmp.precision(digits);
      tmp << x;
      std::string s = tmp.str();
      if (s.find_first_of(".e") == std::string::npos) s += ".";
      os << s;
    }
  }
}

// Long dimensions print their first and last three entries around "...".
constexpr int64_t kSummarize = 1000, kEdge = 3;

template <typename T>
void print_dim(std::ostream& os, const array& a, const T* base, int dim, int64_t off,
               int digits, bool summarize) {
  if (dim == a.ndim()) {
    print_element(os, base[off], digits);
    return;
  }
  os << "[";
  int64_t n = a.shape()[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) {
      os << "..., ";
      i = n - kEdge;
    }
    print_dim(os, a, base, dim + 1, off + i * a.strides()[dim], digits, summarize);
    if (i + 1 < n) {
      os << ",";
      if (dim + 1 < a.ndim()) {
        os << "\n" << std::string(size_t(dim) + 7, ' ');
      } else {
        os << " ";
      }
    }
  }
  os << "]";
}

}  // namespace

void set_print_precision(int p) { precision.store(p); }
int get_print_precision() { return precision.load(); }

std::ostream& operator<<(std::ostream& os, array a) {
  a.eval();
  dispatch_dtype(a.dtype(), [&]<typename T>(type_tag<T>) {
    print_dim(os, a, a.data<T>(), 0, 0, digits_for(a.dtype()), a.size() > kSummarize);
  });
  return os;
}

std::string array_repr(array a) {
  std::ostringstream os;
  os << "array(" << a << ", dtype=" << dtype_name(a.dtype()) << ")";
  return os.str();
}

}  // namespace kiln
