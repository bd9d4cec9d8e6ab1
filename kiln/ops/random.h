// Random numbers (mlx.core.random). Counter-based: a key, a uint32 array of shape (2,),
// determines the numbers completely, on every device. Functions given no key take one from
// the global key sequence, seeded from the clock until seed() is called.
//
// Every distribution is built from the bits of RandomBits with ordinary ops, so it runs on
// any device and composes with grad, vmap and compile (derivatives flow to low/high,
// loc/scale and logits; none to the keys).
#pragma once

#include <optional>
#include <utility>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln::random {

// The key of a seed: its high and low 32 bits.
array key(uint64_t seed);
// Restarts the global key sequence from key(seed).
void seed(uint64_t seed);
// The next key of the global sequence (the global key is split: one half stays, the other
// is returned).
array next_key(StreamOrDevice s = {});

// `num` keys drawn from `key`, as an array of shape (num, 2).
array split(const array& key, int num, StreamOrDevice s = {});
// The two keys of split(key, 2).
std::pair<array, array> split(const array& key, StreamOrDevice s = {});

// Random bits of `shape`: uint32 for width 4, uint64 for width 8.
array bits(const Shape& shape, int width = 4, const std::optional<array>& key = std::nullopt,
           StreamOrDevice s = {});

// Uniform in [low, high) in a real floating dtype; low and high broadcast to `shape`. The
// result is never high, even where rounding to the dtype would reach it (an empty range,
// high <= low, gives low).
array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array uniform(const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// loc + scale * N(0, 1) (loc and scale broadcast to `shape`); always finite. For complex64
// the real and imaginary parts of N(0, 1) are independent N(0, 1/2) (MLX's convention), and
// loc may be complex.
array normal(const Shape& shape, Dtype dtype = float32,
             const std::optional<array>& loc = std::nullopt,
             const std::optional<array>& scale = std::nullopt,
             const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Integers uniform in [low, high) (integer bounds, broadcast to `shape`; an empty range gives
// low). Exact for any range: the offset is floor(bits64 * range / 2^64), so no value is more
// likely than another by more than a factor 1 + range / 2^64. A bool dtype casts the drawn
// integers (randint(0, 2, dtype=bool) is a fair coin, as NumPy's integers(0, 2, dtype=bool)).
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// True with probability p (floating point, broadcast to `shape`; p's own shape by default).
array bernoulli(const array& p, const std::optional<Shape>& shape = std::nullopt,
                const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// N(0, 1) restricted to [lower, upper] (by inverting the CDF, in float64); the shape defaults
// to that of the broadcast bounds.
array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape = std::nullopt, Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Standard Gumbel samples: -log(-log(u)); always finite.
array gumbel(const Shape& shape, Dtype dtype = float32,
             const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Indices (uint32) drawn with probabilities softmax(logits) along `axis` (the Gumbel-max
// trick). The result has `shape` (which the other axes of logits broadcast to), or those axes
// followed by `num_samples`; by default the other axes' shape. At most one of shape and
// num_samples may be given.
array categorical(const array& logits, int axis = -1,
                  const std::optional<Shape>& shape = std::nullopt,
                  const std::optional<int64_t>& num_samples = std::nullopt,
                  const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Laplace(loc, scale) samples; always finite.
array laplace(const Shape& shape, Dtype dtype = float32, double loc = 0.0, double scale = 1.0,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// A random permutation of arange(n), or of x along `axis`. Needs argsort, which Kiln does not
// have yet: after checking the arguments these raise std::runtime_error saying so.
array permutation(int64_t n, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
array permutation(const array& x, int axis = 0, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

// Samples of N(mean, cov). Needs a Cholesky factorization (linalg), which Kiln does not have
// yet: after checking the arguments this raises std::runtime_error saying so.
array multivariate_normal(const array& mean, const array& cov, const Shape& shape = {},
                          Dtype dtype = float32, const std::optional<array>& key = std::nullopt,
                          StreamOrDevice s = {});

}  // namespace kiln::random
