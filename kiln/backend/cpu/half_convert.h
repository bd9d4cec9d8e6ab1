// Bulk conversions between the 16-bit floats and float, for the CPU kernels that run
// float16/bfloat16 data through their float loops block by block. float16 uses the F16C or
// AVX-512 conversion instructions where the CPU has them; bfloat16 is a vectorized bit
// operation. Rounding is to nearest even, as in kiln/types/half.h.
#pragma once

#include <cstdint>

#include "kiln/types/half.h"

namespace kiln::cpu {

void to_float(const float16_t* in, float* out, int64_t n);
void to_float(const bfloat16_t* in, float* out, int64_t n);
void from_float(const float* in, float16_t* out, int64_t n);
void from_float(const float* in, bfloat16_t* out, int64_t n);

}  // namespace kiln::cpu
