// Element conversion between any two Kiln element types (host and device).
#pragma once

#include "kiln/types/complex.h"
#include "kiln/types/half.h"

namespace kiln {

template <typename T> struct is_complex_type { static constexpr bool value = false; };
template <> struct is_complex_type<complex64_t> { static constexpr bool value = true; };

// Complex to real keeps the real part; anything to bool tests against zero; 16-bit floats
// go through float.
template <typename Out, typename In>
KILN_HD Out cast_to(In x) {
  if constexpr (is_same_type<Out, In>::value) {
    return x;
  } else if constexpr (is_complex_type<In>::value) {
    if constexpr (is_same_type<Out, bool>::value) return x.real != 0.0f || x.imag != 0.0f;
    else return cast_to<Out>(x.real);
  } else if constexpr (is_half_type<In>::value) {
    return cast_to<Out>(float(x));
  } else if constexpr (is_same_type<Out, bool>::value) {
    return x != In(0);
  } else if constexpr (is_half_type<Out>::value || is_complex_type<Out>::value) {
    return Out(x);
  } else {
    return static_cast<Out>(x);
  }
}

}  // namespace kiln
