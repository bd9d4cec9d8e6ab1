// Dense loops of the elementwise kernels over one tile, for compile's fused regions
// (kiln/backend/cpu/compiled.cpp): the same vectorized loops the Unary, Binary, Select and
// AsType kernels run, looked up once per region instead of per call. An operand with step 0
// is one value repeated; step 1 reads n consecutive elements.
#pragma once

#include <cstdint>

#include "kiln/dtype.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/unary.h"

namespace kiln::cpu {

using UnaryTile = void (*)(const void* in, void* out, int64_t n);
using BinaryTile = void (*)(const void* a, int64_t step_a, const void* b, int64_t step_b,
                            void* out, int64_t n);
using SelectTile = void (*)(const bool* cond, int64_t step_c, const void* x, int64_t step_x,
                            const void* y, int64_t step_y, void* out, int64_t n);
using CastTile = void (*)(const void* in, void* out, int64_t n);

// Each throws std::invalid_argument when the op does not support the dtype.
UnaryTile unary_tile(UnaryOp op, Dtype in);         // kiln/backend/cpu/unary.cpp
BinaryTile binary_tile(BinaryOp op, Dtype in);      // kiln/backend/cpu/binary.cpp
SelectTile select_tile(Dtype dtype);                // kiln/backend/cpu/binary.cpp
CastTile cast_tile(Dtype in, Dtype out);            // kiln/backend/cpu/copy.cpp

}  // namespace kiln::cpu
