"""A long training-like loop (matmul, grad, compile, update) keeps its memory flat: neither
Kiln's active memory nor the process's resident set grows once warmed up. Both are printed."""

import os
import time

import kiln.core as mx

STEPS = int(os.environ.get("KILN_MEMORY_STEPS", 100_000))
WARMUP = 2_000


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _loss(params, x, y):
    w1, b1, w2 = params
    return mx.mean(mx.square(mx.tanh(x @ w1 + b1) @ w2 - y))


def test_training_loop_memory_stays_flat(capsys):
    """Even steps run a compiled value_and_grad + SGD update, odd steps the same eagerly
    (a fresh graph each step): matmul, grad, update and compile, 10^5 times."""
    key1, key2, key3 = mx.random.split(mx.random.key(0), 3)
    x = mx.random.normal((32, 4), key=key1)
    y = mx.sin(x @ mx.array([[1.0], [-2.0], [0.5], [3.0]]))
    params = [mx.random.normal((4, 16), key=key2) * 0.5, mx.zeros((16,)),
              mx.random.normal((16, 1), key=key3) * 0.5]
    grad_fn = mx.value_and_grad(_loss)

    def eager_step(params):
        loss, grads = grad_fn(params, x, y)
        return loss, [p - 0.1 * g for p, g in zip(params, grads)]

    compiled_step = mx.compile(eager_step)
    first_loss = _loss(params, x, y).item()

    samples = {}
    t0 = time.monotonic()
    for i in range(STEPS):
        loss, params = (compiled_step if i % 2 == 0 else eager_step)(params)
        mx.eval(loss, params)
        if i + 1 in (WARMUP, STEPS):
            samples[i + 1] = (mx.get_active_memory(), _rss_bytes())
    took = time.monotonic() - t0
    (active0, rss0), (active1, rss1) = samples[WARMUP], samples[STEPS]
    with capsys.disabled():
        print(f"\n{STEPS} steps in {took:.1f} s; loss {first_loss:.3f} -> {loss.item():.3f}\n"
              f"  active memory: {active0} B after {WARMUP} steps, {active1} B at the end\n"
              f"  RSS: {rss0 / 2**20:.1f} MiB after {WARMUP} steps, {rss1 / 2**20:.1f} MiB at "
              f"the end")
    assert loss.item() < first_loss / 2  # it did train
    assert active1 - active0 <= 4096
    # 2 MiB over ~10^5 steps: a leak of 20 bytes a step would show.
    assert rss1 - rss0 <= 2 << 20
