#include "kiln/dtype.h"

#include <cmath>
#include <limits>

namespace kiln {

namespace {
const char* const kNames[Dtype::count] = {
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64"};

Dtype signed_of_bytes(int bytes) {
  switch (bytes) {
    case 1: return int8;
    case 2: return int16;
    case 4: return int32;
    default: return int64;
  }
}
}  // namespace

const char* dtype_name(Dtype d) { return kNames[d.index()]; }

Dtype dtype_from_name(const std::string& name) {
  for (Dtype d : all_dtypes) {
    if (name == kNames[d.index()]) return d;
  }
  if (name == "bool_") return bool_;
  throw std::invalid_argument("unknown dtype '" + name + "'");
}

std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }

bool issubdtype(Dtype a, DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating: return is_complex(a);
    case DtypeCategory::floating: return is_floating_point(a);
    case DtypeCategory::inexact: return is_inexact(a);
    case DtypeCategory::signedinteger: return is_signed_integer(a);
    case DtypeCategory::unsignedinteger: return is_unsigned(a);
    case DtypeCategory::integer: return is_integral(a);
    case DtypeCategory::number: return a != bool_;
    case DtypeCategory::generic: return true;
  }
  return false;
}

bool issubdtype(DtypeCategory a, DtypeCategory b) {
  if (a == b || b == DtypeCategory::generic) return true;
  switch (b) {
    case DtypeCategory::inexact:
      return a == DtypeCategory::floating || a == DtypeCategory::complexfloating;
    case DtypeCategory::integer:
      return a == DtypeCategory::signedinteger || a == DtypeCategory::unsignedinteger;
    case DtypeCategory::number:
      return a != DtypeCategory::generic;
    default:
      return false;
  }
}

Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == bool_) return b;
  if (b == bool_) return a;
  if (is_complex(a) || is_complex(b)) return complex64;
  bool fa = is_floating_point(a), fb = is_floating_point(b);
  if (fa && fb) {
    if (a == float64 || b == float64) return float64;
    return float32;  // any mix of float16, bfloat16 and float32
  }
  if (fa) return a;  // integer with float keeps the float
  if (fb) return b;
  // Both integral.
  bool ua = is_unsigned(a), ub = is_unsigned(b);
  if (ua == ub) return a.size >= b.size ? a : b;
  Dtype u = ua ? a : b, s = ua ? b : a;
  if (s.size > u.size) return s;
  if (u.size == 8) return float32;  // no signed type holds uint64
  return signed_of_bytes(u.size * 2);
}

Dtype weak_scalar_dtype(char kind, std::optional<Dtype> other) {
  switch (kind) {
    case 'b':
      return other ? *other : bool_;
    case 'i':
      if (!other || *other == bool_) return int32;
      return *other;
    case 'f':
      if (other && is_inexact(*other)) return *other;
      return float32;
    case 'c':
      return complex64;
  }
  throw std::invalid_argument("weak_scalar_dtype: bad scalar kind");
}

Dtype to_inexact(Dtype d) { return is_inexact(d) ? d : float32; }

finfo::finfo(Dtype d) : dtype(d) {
  auto fill = [this]<typename T>(int nbits) {
    bits = nbits;
    max = double(std::numeric_limits<T>::max());
    min = -max;
    eps = double(std::numeric_limits<T>::epsilon());
    smallest_normal = double(std::numeric_limits<T>::min());
  };
  if (d == float16) {
    bits = 16; max = 65504.0; min = -max; eps = std::ldexp(1.0, -10);
    smallest_normal = std::ldexp(1.0, -14);
  } else if (d == bfloat16) {
    bits = 16; max = 3.3895313892515355e38; min = -max; eps = std::ldexp(1.0, -7);
    smallest_normal = std::ldexp(1.0, -126);
  } else if (d == float32 || d == complex64) {
    fill.template operator()<float>(32);  // complex64's parts are float32, as in NumPy
    dtype = float32;
  } else if (d == float64) {
    fill.template operator()<double>(64);
  } else {
    throw std::invalid_argument(std::string("finfo: dtype ") + dtype_name(d) +
                                " is not inexact");
  }
}

iinfo::iinfo(Dtype d) : dtype(d) {
  if (!is_integral(d) && d != bool_) {
    throw std::invalid_argument(std::string("iinfo: dtype ") + dtype_name(d) +
                                " is not an integer type");
  }
  dispatch_dtype(d, [this]<typename T>(type_tag<T>) {
    if constexpr (std::is_integral_v<T>) {
      min = int64_t(std::numeric_limits<T>::min());
      max = uint64_t(std::numeric_limits<T>::max());
    }
  });
}

}  // namespace kiln
