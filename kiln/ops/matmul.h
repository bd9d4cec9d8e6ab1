// Contractions: matrix products (through BLAS on the CPU) and the ops composed from them.
// Inputs that are not floating point (after promotion) are rejected, as in MLX.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// NumPy's matmul: a 1-d first operand is a row vector and a 1-d second operand a column
// vector (their added axis is removed from the result); leading (batch) axes broadcast.
array matmul(const array& a, const array& b, StreamOrDevice s = {});
// alpha * (a @ b) + beta * c, with c broadcast to the shape of a @ b.
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f,
            float beta = 1.0f, StreamOrDevice s = {});

// Sum over the last `axes` axes of a and the first `axes` axes of b.
array tensordot(const array& a, const array& b, int axes = 2, StreamOrDevice s = {});
// Sum over the pairs (axes_a[i], axes_b[i]).
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s = {});
// Sum over the last axis of both (a scalar operand multiplies instead).
array inner(const array& a, const array& b, StreamOrDevice s = {});
// Every product a[i] * b[j] of the flattened operands (any dtype).
array outer(const array& a, const array& b, StreamOrDevice s = {});
// sum(conj(a) * b) along `axis`; the other axes broadcast. Unlike the matrix products it
// takes integer and bool operands too (summed exactly, in their promoted dtype).
array vecdot(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});
// Kronecker product: blocks a[i...] * b (any dtype).
array kron(const array& a, const array& b, StreamOrDevice s = {});

}  // namespace kiln
