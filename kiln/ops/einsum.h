// Einstein summation, composed from transposes, reshapes, strided slices (diagonals),
// elementwise products and matrix products (BLAS for floating point; integer and bool
// operands sum their products exactly with elementwise ops, where MLX rejects the
// contractions it sends to matmul).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// NumPy's subscripts: "ij,jk->ik", implicit output ("ij,jk": the labels seen once, sorted),
// "..." for broadcast leading axes, repeated labels in one operand for diagonals. Labels of
// size 1 broadcast against the others.
array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});

// The pairwise contraction order einsum uses (greedy: cheapest pair first), as indices into
// the list of operands still to contract, each result joining the end of that list; and a
// text report of the expected cost.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

}  // namespace kiln
