// Ops that create arrays.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

array full(Shape shape, const array& value, std::optional<Dtype> dtype = std::nullopt,
           StreamOrDevice s = {});
array zeros(Shape shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(Shape shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array ones_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array full_like(const array& a, const array& value, std::optional<Dtype> dtype = std::nullopt,
                StreamOrDevice s = {});
// NumPy's arange: ceil((stop - start) / step) values; the first two are cast to the dtype and
// their difference is the step (so integer dtypes step by whole numbers). The dtype defaults
// to float32 when any bound is fractional (`integral_bounds` false), else int32 (int64 when
// the bounds do not fit).
array arange(double start, double stop, double step, std::optional<Dtype> dtype = std::nullopt,
             bool integral_bounds = false, StreamOrDevice s = {});
array arange(double stop, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
// arange over integers, exact at any int64 magnitude (the double form rounds past 2**53).
// The dtype defaults to int32, or int64 when the bounds do not fit.
array arange(int64_t start, int64_t stop, int64_t step, std::optional<Dtype> dtype = std::nullopt,
             StreamOrDevice s = {});
// `num` evenly spaced values from start to stop (stop excluded unless `endpoint`), computed
// in double precision; integer dtypes take the floor, as in NumPy.
array linspace(double start, double stop, int64_t num = 50, bool endpoint = true,
               Dtype dtype = float32, StreamOrDevice s = {});

// Ones on the k-th diagonal of an n x m matrix (k > 0 above the main diagonal).
array eye(int64_t n, int64_t m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array identity(int64_t n, Dtype dtype = float32, StreamOrDevice s = {});
// Ones at and below the k-th diagonal of an n x m matrix.
array tri(int64_t n, int64_t m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
// The lower (upper) triangle of the last two axes, from the k-th diagonal; zeros elsewhere.
array tril(const array& x, int k = 0, StreamOrDevice s = {});
array triu(const array& x, int k = 0, StreamOrDevice s = {});
// Coordinate grids from 1-d arrays (inputs of other ranks are flattened), with Cartesian
// ("xy") or matrix ("ij") indexing; sparse grids keep size-1 axes instead of broadcasting.
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse = false,
                            const std::string& indexing = "xy", StreamOrDevice s = {});

// Symmetric window functions of M points (float32), as NumPy defines them.
array bartlett(int64_t M, StreamOrDevice s = {});
array blackman(int64_t M, StreamOrDevice s = {});
array hamming(int64_t M, StreamOrDevice s = {});
array hanning(int64_t M, StreamOrDevice s = {});

}  // namespace kiln
