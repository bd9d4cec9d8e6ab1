"""Reductions, softmax and scans: Kiln against NumPy on the same inputs, in the same run.

Prints one row per workload (median milliseconds over several runs after a warm-up) and the
speedup of Kiln over NumPy; `--json PATH` also writes the rows as JSON."""

import argparse
import json
import time

import numpy as np

import kiln.core as mx


def median_ms(fn, repeat):
    fn()  # warm-up (allocator caches, thread pool)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.median(times))


def np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def workloads(rng):
    v = rng.standard_normal(1 << 24).astype(np.float32)
    m = rng.standard_normal((4096, 4096)).astype(np.float32)
    kv, km = mx.array(v), mx.array(m)
    mx.eval(kv, km)
    run = lambda f: (lambda: mx.eval(f()))
    return [
        ("sum 16M f32", run(lambda: mx.sum(kv)), lambda: v.sum()),
        ("sum(axis=0) 4096^2 f32", run(lambda: mx.sum(km, axis=0)), lambda: m.sum(axis=0)),
        ("sum(axis=1) 4096^2 f32", run(lambda: mx.sum(km, axis=1)), lambda: m.sum(axis=1)),
        ("max 16M f32", run(lambda: mx.max(kv)), lambda: v.max()),
        ("argmax(axis=1) 4096^2 f32", run(lambda: mx.argmax(km, axis=1)), lambda: m.argmax(axis=1)),
        ("mean(axis=0) 4096^2 f32", run(lambda: mx.mean(km, axis=0)), lambda: m.mean(axis=0)),
        ("softmax(axis=-1) 4096^2 f32", run(lambda: mx.softmax(km, axis=-1)), lambda: np_softmax(m)),
        ("logsumexp(axis=-1) 4096^2 f32", run(lambda: mx.logsumexp(km, axis=-1)),
         lambda: np.log(np.exp(m - m.max(-1, keepdims=True)).sum(-1)) + m.max(-1)),
        ("cumsum(axis=1) 4096^2 f32", run(lambda: mx.cumsum(km, axis=1)), lambda: m.cumsum(axis=1)),
        ("cumsum(axis=0) 4096^2 f32", run(lambda: mx.cumsum(km, axis=0)), lambda: m.cumsum(axis=0)),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    print(f"{'workload':34} {'kiln ms':>9} {'numpy ms':>9} {'speedup':>8}")
    for name, k, n in workloads(np.random.default_rng(0)):
        tk, tn = median_ms(k, args.repeat), median_ms(n, args.repeat)
        rows.append({"workload": name, "kiln_ms": tk, "numpy_ms": tn, "speedup": tn / tk})
        print(f"{name:34} {tk:9.2f} {tn:9.2f} {tn / tk:7.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
