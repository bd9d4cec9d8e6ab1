"""mx.random: the Threefry bits against a NumPy reference of the generator, determinism and
key handling, the global state (seed, compile with inputs/outputs=mx.random.state), shapes,
dtypes and broadcast parameters, statistics of every distribution with fixed keys, and the
error cases. On KILN_TEST_DEVICE=gpu everything runs on the GPU, and one test compares the
two devices bit for bit."""

import math

import numpy as np
import pytest

import kiln.core as mx

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
N = 100_000


def dt(name):
    return getattr(mx, name)


def f64(a):
    return np.array(a.astype(mx.float64) if a.dtype == mx.bfloat16 else a).astype(np.float64)


# ---------------------------------------------------------------- reference generator

ROT = [13, 15, 26, 6, 17, 29, 16, 24]


def threefry(k0, k1, c0, c1):
    """Threefry-2x32, 20 rounds, written from the Random123 specification (vectorized)."""
    k0, k1 = np.uint32(k0), np.uint32(k1)
    ks = [k0, k1, np.uint32(0x1BD11BDA) ^ k0 ^ k1]
    with np.errstate(over="ignore"):  # 32-bit wrapping is the point
        x0, x1 = c0 + ks[0], c1 + ks[1]
        for r in range(20):
            x0 = x0 + x1
            x1 = (x1 << np.uint32(ROT[r % 8])) | (x1 >> np.uint32(32 - ROT[r % 8]))
            x1 = x1 ^ x0
            if r % 4 == 3:
                s = r // 4 + 1
                x0 = x0 + ks[s % 3]
                x1 = x1 + ks[(s + 1) % 3] + np.uint32(s)
    return x0, x1


def blocks(key, n):
    b = np.arange(n, dtype=np.uint64)
    return threefry(key[0], key[1], (b & np.uint64(0xFFFFFFFF)).astype(np.uint32),
                    (b >> np.uint64(32)).astype(np.uint32))


def words32(key, n):
    """The first n 32-bit draws of a key: block b gives draws 2b and 2b + 1."""
    x0, x1 = blocks(key, (n + 1) // 2)
    return np.stack([x0, x1], axis=1).reshape(-1)[:n]


def words64(key, n):
    x0, x1 = blocks(key, n)
    return x0.astype(np.uint64) | (x1.astype(np.uint64) << np.uint64(32))


def test_reference_matches_the_known_answers():
    assert [int(v) for v in threefry(0, 0, np.uint32(0), np.uint32(0))] == [0x6B200159, 0x99BA4EFE]
    m = np.uint32(0xFFFFFFFF)
    assert [int(v) for v in threefry(m, m, m, m)] == [0x1CB996FC, 0xBB002BE7]


# ---------------------------------------------------------------- keys and bits

def test_key():
    k = mx.random.key(0)
    assert k.dtype == mx.uint32 and k.shape == (2,)
    assert np.array(k).tolist() == [0, 0]
    assert np.array(mx.random.key(2**32 * 7 + 5)).tolist() == [7, 5]
    assert np.array(mx.random.key(2**64 - 1)).tolist() == [2**32 - 1, 2**32 - 1]


@pytest.mark.parametrize("num", [1, 2, 7, 1000])
def test_split_is_the_threefry_stream(num):
    key = np.array([123456789, 987654321], dtype=np.uint32)
    keys = mx.random.split(mx.array(key), num)
    assert keys.shape == (num, 2) and keys.dtype == mx.uint32
    np.testing.assert_array_equal(np.array(keys).reshape(-1), words32(key, 2 * num))
    assert mx.random.split(mx.array(key), 0).shape == (0, 2)


@pytest.mark.parametrize("n", [1, 2, 5, 4096, 100_001])
def test_uniform_is_the_top_bits_of_the_stream(n):
    key = np.array([3, 0xDEADBEEF], dtype=np.uint32)
    u32 = np.array(mx.random.uniform(shape=(n,), key=mx.array(key)))
    np.testing.assert_array_equal((u32.astype(np.float64) * 2**24).astype(np.uint64),
                                  words32(key, n) >> np.uint32(8))
    u64 = np.array(mx.random.uniform(shape=(n,), dtype=mx.float64, key=mx.array(key)))
    np.testing.assert_array_equal((u64 * 2**53).astype(np.uint64), words64(key, n) >> np.uint64(11))


def test_batched_keys_through_vmap():
    keys = mx.random.split(mx.random.key(11), 3)
    per_key = (7, 14287)  # odd, and enough draws for the CPU to split the work across keys

    def draw(k):
        return mx.random.uniform(shape=per_key, key=k)

    got = np.array(mx.vmap(draw)(keys))
    assert got.shape == (3,) + per_key
    for i, k in enumerate(np.array(keys)):
        ref = (words32(k, math.prod(per_key)) >> np.uint32(8)).reshape(per_key)
        np.testing.assert_array_equal((got[i].astype(np.float64) * 2**24).astype(np.uint64), ref)
    # The batch on the last axis of a (2, B) array of keys; 64-bit draws.
    cols = mx.array(np.ascontiguousarray(np.array(keys).T))
    got64 = np.array(mx.vmap(lambda k: mx.random.uniform(shape=(5,), dtype=mx.float64, key=k),
                             in_axes=1)(cols))
    for i, k in enumerate(np.array(keys)):
        np.testing.assert_array_equal((got64[i] * 2**53).astype(np.uint64),
                                      words64(k, 5) >> np.uint64(11))


@pytest.mark.gpu_only
def test_cpu_and_gpu_agree():
    key = mx.random.key(2024)
    lo = mx.array(np.linspace(-3, 2, 8).astype(np.float32)).reshape(8, 1)
    exact = [
        lambda s: mx.random.split(key, 1001, stream=s),
        lambda s: mx.random.uniform(shape=(3, 1001), key=key, stream=s),
        lambda s: mx.random.uniform(shape=(1001,), dtype=mx.float64, key=key, stream=s),
        lambda s: mx.random.uniform(shape=(1001,), dtype=mx.float16, key=key, stream=s),
        lambda s: mx.random.randint(-5, 1000, (4, 257), key=key, stream=s),
        lambda s: mx.random.randint(0, 2**62, (999,), dtype=mx.int64, key=key, stream=s),
        lambda s: mx.random.bernoulli(0.3, (2001,), key=key, stream=s),
        lambda s: mx.random.categorical(mx.array([0.0, 1.0, 2.0]), num_samples=999, key=key,
                                        stream=s),
        lambda s: mx.vmap(lambda k: mx.random.split(k, 33, stream=s))(mx.random.split(key, 5)),
    ]
    for f in exact:
        np.testing.assert_array_equal(np.array(f(mx.cpu)), np.array(f(mx.gpu)))
    close = [
        lambda s: mx.random.uniform(lo, 5.0, (8, 300), key=key, stream=s),
        lambda s: mx.random.normal((4097,), key=key, stream=s),
        lambda s: mx.random.normal((999,), dtype=mx.float64, key=key, stream=s),
        lambda s: mx.random.truncated_normal(-1.5, 2.0, (999,), key=key, stream=s),
        lambda s: mx.random.gumbel((999,), key=key, stream=s),
        lambda s: mx.random.laplace((999,), key=key, stream=s),
    ]
    for f in close:
        np.testing.assert_allclose(np.array(f(mx.cpu)), np.array(f(mx.gpu)), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- determinism and state

def test_same_key_same_numbers_and_split_keys_differ():
    k = mx.random.key(5)
    a = np.array(mx.random.normal((1000,), key=k))
    np.testing.assert_array_equal(a, np.array(mx.random.normal((1000,), key=k)))
    k1, k2 = mx.random.split(k)
    x = np.array(mx.random.uniform(shape=(N,), key=k1))
    y = np.array(mx.random.uniform(shape=(N,), key=k2))
    assert not np.array_equal(np.array(k1), np.array(k2))
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.015
    # neighbouring seeds give unrelated streams too
    z = np.array(mx.random.uniform(shape=(N,), key=mx.random.key(6)))
    w = np.array(mx.random.uniform(shape=(N,), key=mx.random.key(5)))
    assert abs(np.corrcoef(z, w)[0, 1]) < 0.015


def test_global_seed_reproduces_the_sequence():
    mx.random.seed(3)
    first = [np.array(mx.random.uniform(shape=(4,))), np.array(mx.random.randint(0, 9, (4,)))]
    mx.random.seed(3)
    second = [np.array(mx.random.uniform(shape=(4,))), np.array(mx.random.randint(0, 9, (4,)))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    mx.random.seed(4)
    assert not np.array_equal(np.array(mx.random.uniform(shape=(4,))), first[0])
    # successive draws differ
    assert not np.array_equal(np.array(mx.random.normal((4,))), np.array(mx.random.normal((4,))))


def test_state_is_one_list_holding_the_key():
    st = mx.random.state
    assert st is mx.random.state
    assert isinstance(st, list) and len(st) == 1
    assert st[0].dtype == mx.uint32 and st[0].shape == (2,)
    mx.random.seed(9)
    assert np.array(st[0]).tolist() == [0, 9]
    mx.random.uniform()
    assert np.array(st[0]).tolist() != [0, 9]
    with pytest.raises(AttributeError):
        mx.random.no_such_thing


def test_compile_threads_the_state_through():
    def step(x):
        return x + mx.random.uniform(shape=x.shape) + mx.random.normal(x.shape)

    mx.random.seed(7)
    ref = [np.array(step(mx.zeros((3,)))) for _ in range(4)]
    key_after = np.array(mx.random.state[0])
    mx.random.seed(7)
    compiled = mx.compile(step, inputs=mx.random.state, outputs=mx.random.state)
    got = [np.array(compiled(mx.zeros((3,)))) for _ in range(4)]
    for a, b in zip(ref, got):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert compiled.num_traces == 1
    np.testing.assert_array_equal(np.array(mx.random.state[0]), key_after)
    assert not np.allclose(got[0], got[1])


def test_shapeless_compile_refuses_random_draws():
    f = mx.compile(lambda x, k: x + mx.random.uniform(shape=x.shape, key=k), shapeless=True)
    with pytest.raises(ValueError, match="RandomBits"):
        f(mx.zeros((3,)), mx.random.key(0))


def test_compile_without_state_freezes_the_key():
    compiled = mx.compile(lambda x: x + mx.random.uniform(shape=x.shape))
    a = np.array(compiled(mx.zeros((3,))))
    np.testing.assert_array_equal(a, np.array(compiled(mx.zeros((3,)))))


# ---------------------------------------------------------------- shapes and dtypes

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4), (0, 3)])
def test_float_distributions_shape_and_dtype(dtype, shape):
    key = mx.random.key(1)
    for f in [lambda: mx.random.uniform(shape=shape, dtype=dt(dtype), key=key),
              lambda: mx.random.uniform(-1, 3, shape, dt(dtype), key=key),
              lambda: mx.random.normal(shape, dt(dtype), key=key),
              lambda: mx.random.normal(shape, dt(dtype), loc=1.0, scale=2.0, key=key),
              lambda: mx.random.truncated_normal(-1, 1, shape, dt(dtype), key=key),
              lambda: mx.random.gumbel(shape, dt(dtype), key=key),
              lambda: mx.random.laplace(shape, dt(dtype), 1.0, 0.5, key=key)]:
        x = f()
        assert x.shape == shape and x.dtype == dt(dtype)
        assert np.isfinite(f64(x)).all()


@pytest.mark.parametrize("dtype", INTS)
def test_randint_dtypes(dtype):
    x = mx.random.randint(3, 100, (2, 500), dtype=dt(dtype), key=mx.random.key(2))
    assert x.shape == (2, 500) and x.dtype == dt(dtype)
    v = np.array(x)
    assert v.min() >= 3 and v.max() < 100
    assert len(np.unique(v)) > 90


def test_parameters_broadcast_to_the_shape():
    key = mx.random.key(4)
    low = mx.array(np.array([[0.0], [10.0], [20.0]], dtype=np.float32))
    high = mx.array(np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)) + low
    u = np.array(mx.random.uniform(low, high, (2, 3, 4), key=key))
    lo, hi = np.broadcast_to(np.array(low), u.shape), np.broadcast_to(np.array(high), u.shape)
    assert ((u >= lo) & (u < hi)).all()
    loc = mx.array(np.array([0.0, 100.0, -100.0], dtype=np.float32))
    z = np.array(mx.random.normal((2000, 3), loc=loc, scale=mx.array(0.1), key=key))
    np.testing.assert_allclose(z.mean(axis=0), [0.0, 100.0, -100.0], atol=0.02)
    r = np.array(mx.random.randint(mx.array([[0], [50]]), mx.array([10, 20, 30]), (2, 3),
                                   key=key))
    assert ((r[0] >= 0) & (r[0] < [10, 20, 30])).all()
    assert (r[1] == 50).all()  # empty ranges
    t = mx.random.truncated_normal(mx.zeros((3, 1)), mx.ones((4,)), key=key)
    assert t.shape == (3, 4)
    p = mx.random.bernoulli(mx.array([0.0, 1.0]), key=key)
    assert p.shape == (2,) and np.array(p).tolist() == [False, True]


# ---------------------------------------------------------------- bounds

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("low,high", [(0.0, 1.0), (1.0, 2.0), (-2.0, -1.0), (-1.0, 0.0),
                                      (-3.0, 1000.0)])
def test_uniform_never_reaches_high(dtype, low, high):
    x = f64(mx.random.uniform(low, high, (N,), dt(dtype), key=mx.random.key(13)))
    assert x.min() >= low and x.max() < high


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_uniform_rounding_up_to_high_lands_just_below_it(dtype):
    # In 16-bit floats 1 + u rounds to 2 for u close to 1 (one draw in 2^12 or 2^8): those
    # draws must take the largest value below 2 instead.
    x = f64(mx.random.uniform(1.0, 2.0, (N,), dt(dtype), key=mx.random.key(1)))
    below = 2.0 - (2.0**-10 if dtype == "float16" else 2.0**-7)
    assert x.max() == below
    assert x.min() == 1.0


def test_empty_ranges_give_low():
    key = mx.random.key(8)
    np.testing.assert_array_equal(np.array(mx.random.uniform(2.0, 2.0, (10,), key=key)), 2.0)
    np.testing.assert_array_equal(np.array(mx.random.randint(5, 5, (10,), key=key)), 5)
    np.testing.assert_array_equal(np.array(mx.random.randint(5, 1, (10,), key=key)), 5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_is_finite_in_the_tails(dtype):
    z = f64(mx.random.normal((1 << 20,), dt(dtype), key=mx.random.key(21)))
    assert np.isfinite(z).all()
    assert 4.0 < np.abs(z).max() < 6.0


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("lower,upper", [(-1.0, 2.0), (0.5, 1.0), (-np.inf, -1.5), (4.0, 6.0),
                                         (0.0, np.inf)])
def test_truncated_normal_bounds_and_mean(dtype, lower, upper):
    x = f64(mx.random.truncated_normal(lower, upper, (N,), dt(dtype), key=mx.random.key(3)))
    lo = float(np.array(mx.array(lower).astype(dt(dtype))))
    hi = float(np.array(mx.array(upper).astype(dt(dtype))))
    assert np.isfinite(x).all() and x.min() >= lo and x.max() <= hi
    pdf = lambda t: 0.0 if np.isinf(t) else math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    cdf = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))
    mean = (pdf(lower) - pdf(upper)) / (cdf(upper) - cdf(lower))
    assert abs(x.mean() - mean) < 0.01


# ---------------------------------------------------------------- statistics

def ks_distance(samples, cdf):
    s = np.sort(samples)
    n = len(s)
    f = cdf(s)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


KS_BOUND = 1.95 / math.sqrt(N)  # the 0.1% critical value: fixed keys pass it by a margin
erf_v = np.vectorize(math.erf)


def test_uniform_statistics():
    x = np.array(mx.random.uniform(shape=(N,), key=mx.random.key(31))).astype(np.float64)
    assert abs(x.mean() - 0.5) < 4 * math.sqrt(1 / 12 / N)
    assert abs(x.var() - 1 / 12) < 0.002
    assert ks_distance(x, lambda t: t) < KS_BOUND
    y = np.array(mx.random.uniform(-2, 6, (N,), key=mx.random.key(32))).astype(np.float64)
    assert ks_distance(y, lambda t: (t + 2) / 8) < KS_BOUND


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_statistics(dtype):
    z = f64(mx.random.normal((N,), dt(dtype), key=mx.random.key(33)))
    assert abs(z.mean()) < 4 / math.sqrt(N)
    assert abs(z.var() - 1) < 4 * math.sqrt(2 / N)
    assert ks_distance(z, lambda t: 0.5 * (1 + erf_v(t / math.sqrt(2)))) < KS_BOUND
    w = f64(mx.random.normal((N,), dt(dtype), loc=3.0, scale=0.5, key=mx.random.key(34)))
    assert abs(w.mean() - 3) < 4 * 0.5 / math.sqrt(N)
    assert abs(w.std() - 0.5) < 0.01


def test_complex_normal_parts_are_half_variance():
    # MLX's convention: Re and Im each N(0, 1/2), so that E|z|^2 = 1.
    z = np.array(mx.random.normal((N,), mx.complex64, key=mx.random.key(40)))
    assert z.dtype == np.complex64
    for part in (z.real.astype(np.float64), z.imag.astype(np.float64)):
        assert abs(part.mean()) < 4 * math.sqrt(0.5 / N)
        assert abs(part.var() - 0.5) < 4 * 0.5 * math.sqrt(2 / N)
        assert ks_distance(part, lambda t: 0.5 * (1 + erf_v(t))) < KS_BOUND
    assert abs(np.corrcoef(z.real, z.imag)[0, 1]) < 4 / math.sqrt(N)
    # loc may be complex; scale is real and multiplies both parts
    w = np.array(mx.random.normal((N,), mx.complex64, loc=1 - 2j, scale=3.0,
                                  key=mx.random.key(41)))
    assert abs(w.mean() - (1 - 2j)) < 4 * 3 / math.sqrt(N)
    assert abs(w.real.std() - 3 / math.sqrt(2)) < 0.05
    with pytest.raises(ValueError):
        mx.random.normal((2,), loc=mx.array(1j), key=mx.random.key(0))  # complex loc, real dtype


def test_randint_bool_casts_the_drawn_integers():
    v = np.array(mx.random.randint(0, 2, (N,), dtype=mx.bool_, key=mx.random.key(42)))
    assert v.dtype == np.bool_
    assert abs(v.mean() - 0.5) < 4 * math.sqrt(0.25 / N)
    assert np.array(mx.random.randint(1, 5, (100,), dtype=mx.bool_, key=mx.random.key(3))).all()
    assert not np.array(mx.random.randint(0, 1, (100,), dtype=mx.bool_)).any()


def test_randint_range_and_coverage():
    v = np.array(mx.random.randint(-3, 7, (N,), key=mx.random.key(35)))
    assert v.min() == -3 and v.max() == 6
    counts = np.bincount(v + 3, minlength=10)
    assert (np.abs(counts / N - 0.1) < 4 * math.sqrt(0.09 / N)).all()
    # wide ranges reach both ends and stay uniform
    w = np.array(mx.random.randint(-2**31, 2**31 - 1, (N,), key=mx.random.key(36)))
    assert w.min() < -2**31 + 2**24 and w.max() > 2**31 - 2**24
    assert abs(w.astype(np.float64).mean() + 0.5) < 4 * 2**32 / math.sqrt(12 * N)
    big = np.array(mx.random.randint(0, 2**62, (N,), dtype=mx.int64, key=mx.random.key(37)))
    assert big.min() >= 0 and big.max() < 2**62
    assert abs(big.astype(np.float64).mean() / 2**62 - 0.5) < 0.005
    # not just multiples of some power of two (as a float32 route would give)
    assert (big % 2).sum() > N // 3
    top = mx.array(2**64 - 1, dtype=mx.uint64)
    u = np.array(mx.random.randint(mx.array(0, dtype=mx.uint64), top, (N,), dtype=mx.uint64,
                                   key=mx.random.key(38)))
    assert abs(u.astype(np.float64).mean() / 2**64 - 0.5) < 0.005


def test_bernoulli_frequency():
    b = np.array(mx.random.bernoulli(0.3, (N,), key=mx.random.key(39)))
    assert b.dtype == np.bool_
    assert abs(b.mean() - 0.3) < 4 * math.sqrt(0.21 / N)
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0], dtype=np.float32)
    f = np.array(mx.random.bernoulli(mx.array(p), (N // 5, 5), key=mx.random.key(40))).mean(axis=0)
    assert f[0] == 0.0 and f[4] == 1.0
    assert (np.abs(f - p) < 4 * np.sqrt(p * (1 - p) / (N // 5)) + 1e-12).all()
    assert np.array(mx.random.bernoulli(mx.array(0.5, dtype=mx.float16), (10,),
                                        key=mx.random.key(1))).shape == (10,)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_categorical_frequencies_follow_softmax(dtype):
    logits = np.array([0.0, 1.0, 2.0, -np.inf, -1.0], dtype=np.float32)
    draws = mx.random.categorical(mx.array(logits).astype(dt(dtype)), num_samples=N,
                                  key=mx.random.key(41))
    assert draws.dtype == mx.uint32 and draws.shape == (N,)
    counts = np.bincount(np.array(draws), minlength=5)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    assert counts[3] == 0
    assert (np.abs(counts / N - p) < 4 * np.sqrt(p * (1 - p) / N) + 1e-12).all()


def test_categorical_axes_and_shapes():
    key = mx.random.key(42)
    logits = mx.array(np.array([[10.0, -10.0, -10.0], [-10.0, -10.0, 10.0]], dtype=np.float32))
    assert np.array(mx.random.categorical(logits, key=key)).tolist() == [0, 2]
    assert np.array(mx.random.categorical(logits.T, axis=0, key=key)).tolist() == [0, 2]
    s = mx.random.categorical(logits, shape=(4, 2), key=key)
    assert s.shape == (4, 2) and (np.array(s) == [0, 2]).all()
    n = mx.random.categorical(logits, num_samples=6, key=key)
    assert n.shape == (2, 6) and (np.array(n) == [[0], [2]]).all()
    m = mx.random.categorical(logits.T, axis=0, num_samples=3, key=key)
    assert m.shape == (2, 3) and (np.array(m) == [[0], [2]]).all()


def test_gumbel_and_laplace_statistics():
    g = np.array(mx.random.gumbel((N,), key=mx.random.key(43))).astype(np.float64)
    assert abs(g.mean() - 0.5772156649) < 4 * math.sqrt(math.pi**2 / 6 / N)
    assert abs(g.var() - math.pi**2 / 6) < 0.05
    assert ks_distance(g, lambda t: np.exp(-np.exp(-t))) < KS_BOUND
    lap = np.array(mx.random.laplace((N,), loc=1.0, scale=2.0, key=mx.random.key(44)))
    lap = lap.astype(np.float64)
    assert abs(lap.mean() - 1.0) < 4 * math.sqrt(8 / N)
    assert abs(lap.var() - 8.0) < 0.25
    cdf = lambda t: np.where(t < 1, 0.5 * np.exp((t - 1) / 2), 1 - 0.5 * np.exp(-(t - 1) / 2))
    assert ks_distance(lap, cdf) < KS_BOUND


# ---------------------------------------------------------------- derivatives

def test_gradients_flow_to_the_parameters():
    key = mx.random.key(45)
    u = mx.random.uniform(shape=(5,), key=key)
    g_low, g_high = mx.grad(lambda a, b: mx.random.uniform(a, b, (5,), key=key).sum(),
                            argnums=(0, 1))(mx.array(1.0), mx.array(3.0))
    assert abs(float(g_low) - float((1 - u).sum())) < 1e-5
    assert abs(float(g_high) - float(u.sum())) < 1e-5
    z = mx.random.normal((5,), key=key)
    g_loc, g_scale = mx.grad(lambda m, s: mx.random.normal((5,), loc=m, scale=s, key=key).sum(),
                             argnums=(0, 1))(mx.array(0.5), mx.array(2.0))
    assert abs(float(g_loc) - 5.0) < 1e-6
    assert abs(float(g_scale) - float(z.sum())) < 1e-5


# ---------------------------------------------------------------- errors

def test_bad_keys():
    for bad in [mx.array([1, 2]), mx.array([1, 2, 3], dtype=mx.uint32),
                mx.zeros((2, 2), dtype=mx.uint32), mx.array([0.0, 1.0])]:
        with pytest.raises(ValueError, match="key"):
            mx.random.uniform(key=bad)
        with pytest.raises(ValueError, match="key"):
            mx.random.split(bad)
    mx.random.state[0] = mx.array([1, 2])  # a corrupted global key is reported too
    try:
        with pytest.raises(ValueError, match="key"):
            mx.random.normal()
    finally:
        mx.random.seed(0)


def test_bad_arguments():
    key = mx.random.key(0)
    cases = [
        lambda: mx.random.uniform(shape=(2,), dtype=mx.int32, key=key),
        lambda: mx.random.normal((2,), dtype=mx.uint8, key=key),
        lambda: mx.random.gumbel((2,), dtype=mx.complex64, key=key),
        lambda: mx.random.laplace((2,), dtype=mx.int16, key=key),
        lambda: mx.random.truncated_normal(0, 1, (2,), dtype=mx.int32, key=key),
        lambda: mx.random.uniform(shape=(-1,), key=key),
        lambda: mx.random.uniform(mx.zeros((3,)), 1, (2,), key=key),
        lambda: mx.random.uniform(0, mx.ones((2, 3)), (3,), key=key),
        lambda: mx.random.uniform(mx.array(1j), 2, (2,), key=key),
        lambda: mx.random.normal((2,), loc=mx.zeros((3,)), key=key),
        lambda: mx.random.randint(0, 10, (2,), dtype=mx.float32, key=key),
        lambda: mx.random.randint(0.5, 10, (2,), key=key),
        lambda: mx.random.randint(mx.zeros((3,), dtype=mx.int32), 10, (2,), key=key),
        lambda: mx.random.bernoulli(mx.array([1, 0]), key=key),
        lambda: mx.random.bernoulli(mx.full((3,), 0.5), (2,), key=key),
        lambda: mx.random.truncated_normal(mx.zeros((3,)), 1, (2,), key=key),
        lambda: mx.random.categorical(mx.zeros((2, 3)), shape=(2,), num_samples=2, key=key),
        lambda: mx.random.categorical(mx.zeros((2, 3)), shape=(3,), key=key),
        lambda: mx.random.categorical(mx.zeros((2, 3)), num_samples=-1, key=key),
        lambda: mx.random.categorical(mx.zeros(()), key=key),
        lambda: mx.random.categorical(mx.zeros((2, 0)), key=key),
        lambda: mx.random.split(key, -2),
        lambda: mx.random.multivariate_normal(mx.zeros((3,)), mx.eye(2), key=key),
    ]
    for f in cases:
        with pytest.raises(ValueError):
            f()
    with pytest.raises(mx.AxisError):
        mx.random.categorical(mx.zeros((2, 3)), axis=2, key=key)
    with pytest.raises(mx.AxisError):
        mx.random.permutation(mx.zeros((2, 3)), axis=3, key=key)


def test_missing_pieces_are_named():
    with pytest.raises(RuntimeError, match="argsort"):
        mx.random.permutation(10, key=mx.random.key(0))
    with pytest.raises(RuntimeError, match="argsort"):
        mx.random.permutation(mx.arange(6).reshape(2, 3), axis=1)
    with pytest.raises(RuntimeError, match="cholesky"):
        mx.random.multivariate_normal(mx.zeros((3,)), mx.eye(3), (4,), key=mx.random.key(0))
