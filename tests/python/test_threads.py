"""Threads: evaluating one shared graph or separate graphs from several threads, per-thread
default streams and stream contexts, and thread-local streams. Every case runs on the CPU
and, when one is usable, on the GPU."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import kiln.core as mx

DEVICES = [
    "cpu",
    pytest.param("gpu", marks=pytest.mark.skipif(not mx.cuda.is_available(), reason="needs a GPU")),
]
N_THREADS = 4


def run_threads(target, n=N_THREADS):
    """Runs target(k) on n threads started together; returns their results in order and
    re-raises the first exception a thread raised."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def body(k):
        try:
            barrier.wait()
            results[k] = target(k)
        except BaseException as e:  # a thread's exception would otherwise be lost
            errors.append(e)

    threads = [threading.Thread(target=body, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def lazy_chain(x, steps=20):
    """A lazy graph with shared intermediates: y_{i+1} = tanh(y_i @ y_i / n) + y_i."""
    y = x
    for _ in range(steps):
        y = mx.tanh(y @ y / x.shape[0]) + y
    return y


def numpy_chain(x, steps=20):
    y = x.astype(np.float64)
    for _ in range(steps):
        y = np.tanh(y @ y / x.shape[0]) + y
    return y


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("how", ["eval", "item", "numpy", "async"])
def test_threads_evaluate_one_shared_graph(rng, device, how):
    x_np = rng.standard_normal((16, 16)).astype(np.float32) * 0.1
    expected = numpy_chain(x_np)
    for _ in range(10):  # races need several chances
        with mx.stream(getattr(mx, device)):
            y = lazy_chain(mx.array(x_np))
            total = y.sum()

        def evaluate(k):
            if how == "eval":
                mx.eval(y, total)
                return np.array(y)
            if how == "item":
                return total.item()
            if how == "async":
                mx.async_eval(total)
                return total.item()
            return np.array(y)

        results = run_threads(evaluate)
        for r in results:
            want = expected.sum() if how in ("item", "async") else expected
            np.testing.assert_allclose(r, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_threads_evaluate_overlapping_outputs(rng, device):
    # Each thread asks for a different output of one graph; the outputs share a trunk.
    x_np = rng.standard_normal((32, 32)).astype(np.float32) * 0.1
    with mx.stream(getattr(mx, device)):
        trunk = lazy_chain(mx.array(x_np), steps=10)
        outs = [mx.sum(trunk * (k + 1), axis=k % 2) for k in range(N_THREADS)]
    ref = numpy_chain(x_np, steps=10)
    results = run_threads(lambda k: np.array(outs[k]))
    for k, r in enumerate(results):
        np.testing.assert_allclose(r, (ref * (k + 1)).sum(axis=k % 2), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_threads_build_and_evaluate_separate_graphs(rng, device):
    inputs = [rng.standard_normal((24, 24)).astype(np.float32) * 0.1 for _ in range(N_THREADS)]

    def work(k):
        out = []
        with mx.stream(getattr(mx, device)):
            for _ in range(5):
                out.append(np.array(lazy_chain(mx.array(inputs[k]), steps=8)))
        return out

    for k, results in enumerate(run_threads(work)):
        for r in results:
            np.testing.assert_allclose(r, numpy_chain(inputs[k], steps=8), rtol=1e-4, atol=1e-4)


def test_errors_reach_every_thread():
    mx.clear_cache()  # a cached block of the right size would be reused under any limit
    limit = mx.set_memory_limit(1 << 10)
    try:
        y = mx.ones((1 << 16,)) + 1  # its allocation fails at eval
        caught = run_threads(lambda k: pytest.raises(MemoryError, mx.eval, y))
        assert len(caught) == N_THREADS
    finally:
        mx.set_memory_limit(limit)


def test_threads_before_numpy_is_imported():
    # Two threads building graphs in a fresh interpreter that has not imported NumPy (a
    # function-local static that imports it used to wait on the GIL: deadlock).
    script = (
        "import sys, threading\n"
        "import kiln.core as mx\n"
        "def work():\n"
        "    for _ in range(200):\n"
        "        x = mx.array([1.0, 2.0]) + 1\n"
        "        mx.eval(x * 2.5)\n"
        "        x.tolist()\n"
        "ts = [threading.Thread(target=work) for _ in range(2)]\n"
        "[t.start() for t in ts]\n"
        "[t.join() for t in ts]\n"
        "print('done')\n"
    )
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", script], env=dict(os.environ),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "done"


# ---- streams and threads ----

def test_each_thread_has_its_own_default_stream():
    main = mx.default_stream(mx.cpu)
    all_taken = threading.Barrier(N_THREADS)

    def take(k):
        s = mx.default_stream(mx.cpu)
        all_taken.wait()  # no thread ends (giving its stream back) before all have one
        return s

    others = run_threads(take)
    assert all(s != main for s in others)
    assert len({repr(s) for s in others}) == N_THREADS
    assert mx.default_stream(mx.cpu) == main


def test_stream_context_is_per_thread():
    s = mx.new_stream(mx.cpu)
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def inside():
        with mx.stream(s):
            seen["inside"] = mx.default_stream(mx.cpu)
            entered.set()
            release.wait(30)
        seen["after"] = mx.default_stream(mx.cpu)

    t = threading.Thread(target=inside)
    t.start()
    assert entered.wait(30)
    # The other thread's block changes nothing here.
    assert mx.default_stream(mx.cpu) != s
    mine = mx.ones((3,)) + 1
    assert mine.tolist() == [2.0, 2.0, 2.0]
    release.set()
    t.join(30)
    assert seen["inside"] == s
    assert seen["after"] != s


def test_stream_context_restores_the_default_device():
    before = mx.default_device()
    with mx.stream(mx.cpu):
        assert mx.default_device() == mx.cpu
        with mx.stream(mx.new_stream(mx.cpu)):
            assert mx.default_device() == mx.cpu
        assert mx.default_device() == mx.cpu
    assert mx.default_device() == before


@pytest.mark.parametrize("device", DEVICES)
def test_thread_local_stream(device):
    dev = getattr(mx, device)
    tls = mx.new_thread_local_stream(dev)
    assert tls.device == dev
    assert tls == tls and tls != mx.new_thread_local_stream(dev)
    assert repr(tls).startswith(f"ThreadLocalStream({mx.Device(dev)!r}, ")

    all_done = threading.Barrier(N_THREADS)

    def work(k):
        a = mx.arange(100, stream=tls) * (k + 1)
        with mx.stream(tls):
            s = mx.default_stream(dev)
            b = a + 1
        mx.synchronize(tls)
        all_done.wait()  # no thread ends (giving its stream back) before all have one
        return s, np.array(b)

    results = run_threads(work)
    streams = [s for s, _ in results]
    assert len({repr(s) for s in streams}) == N_THREADS  # one stream per thread
    for k, (_, b) in enumerate(results):
        np.testing.assert_array_equal(b, np.arange(100) * (k + 1) + 1)
    # The same thread always gets the same stream for a handle.
    with mx.stream(tls):
        first = mx.default_stream(dev)
    with mx.stream(tls):
        assert mx.default_stream(dev) == first


def test_clear_streams():
    def work(k):
        before = mx.default_stream(mx.cpu)
        a = mx.arange(10) + 1  # built on `before`, evaluated after the clear
        mx.clear_streams()
        return before, a.tolist(), (mx.arange(3) * 2).tolist()

    for before, a, b in run_threads(work):
        assert a == list(range(1, 11))
        assert b == [0, 2, 4]


def test_thread_unsafe_stream_is_usable_anywhere():
    s = mx.new_thread_unsafe_stream(mx.cpu)
    assert isinstance(s, mx.Stream)
    x = mx.arange(10, stream=s)
    assert run_threads(lambda k: (x * k).sum().item()) == [45 * k for k in range(N_THREADS)]


def test_finished_threads_give_their_streams_back():
    # Threads that come and go reuse the streams of finished ones.
    seen = set()
    for _ in range(20):
        t = threading.Thread(target=lambda: seen.add(repr(mx.default_stream(mx.cpu))))
        t.start()
        t.join()
        time.sleep(0.02)  # join returns before the OS thread has run its exit handlers
    assert len(seen) <= 2
