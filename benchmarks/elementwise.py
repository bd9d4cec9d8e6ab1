"""Elementwise workloads on the CPU, Kiln against NumPy in the same run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/elementwise.py [--json out.json] [names...]

Each case runs twice to warm up (the allocator's cache, the thread pool), then the median of
several timed runs (time.perf_counter) is reported; ratio > 1 means Kiln is faster."""

import argparse
import json
import math
import time

import numpy as np

import kiln.core as mx


def median_ms(fn, repeat):
    fn()
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def cases():
    n = 16 * 1024 * 1024
    rng = np.random.default_rng(0)
    xn = rng.standard_normal(n).astype(np.float32)
    yn = rng.standard_normal(n).astype(np.float32)
    pos = np.abs(xn) + 0.1
    x, y, p = mx.array(xn), mx.array(yn), mx.array(pos)
    col_n = rng.standard_normal((4096, 1)).astype(np.float32)
    row_n = rng.standard_normal((1, 4096)).astype(np.float32)
    col, row = mx.array(col_n), mx.array(row_n)
    hn = xn[: n // 4].astype(np.float16)
    h = mx.array(hn)
    cn = xn > 0
    c = mx.array(cn)
    dn = xn[: n // 4].astype(np.float64)
    d = mx.array(dn)
    mx.eval(x, y, p, col, row, h, c, d)
    ev = mx.eval
    return {
        "exp(x)*2+1 16M f32": (lambda: ev(mx.exp(x) * 2 + 1), lambda: np.exp(xn) * 2 + 1),
        "x+y 16M f32": (lambda: ev(x + y), lambda: xn + yn),
        "x*2.0 16M f32": (lambda: ev(x * 2.0), lambda: xn * 2.0),
        "col+row 4096^2 f32": (lambda: ev(col + row), lambda: col_n + row_n),
        "exp 16M f32": (lambda: ev(mx.exp(x)), lambda: np.exp(xn)),
        "log 16M f32": (lambda: ev(mx.log(p)), lambda: np.log(pos)),
        "sin 16M f32": (lambda: ev(mx.sin(x)), lambda: np.sin(xn)),
        "tanh 16M f32": (lambda: ev(mx.tanh(x)), lambda: np.tanh(xn)),
        "sigmoid 16M f32": (lambda: ev(mx.sigmoid(x)), lambda: 1 / (1 + np.exp(-xn))),
        "maximum(x,0) 16M f32": (lambda: ev(mx.maximum(x, 0.0)), lambda: np.maximum(xn, 0)),
        "where(c,x,y) 16M f32": (lambda: ev(mx.where(c, x, y)), lambda: np.where(cn, xn, yn)),
        "exp 4M f16": (lambda: ev(mx.exp(h)), lambda: np.exp(hn)),
        "x*x+1 4M f16": (lambda: ev(h * h + 1), lambda: hn * hn + 1),
        "exp 4M f64": (lambda: ev(mx.exp(d)), lambda: np.exp(dn)),
        "log 4M f64": (lambda: ev(mx.log(mx.abs(d))), lambda: np.log(np.abs(dn))),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--json")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    rows = []
    for name, (kiln_fn, numpy_fn) in cases().items():
        if args.names and not any(s in name for s in args.names):
            continue
        k = median_ms(kiln_fn, args.repeat)
        nump = median_ms(numpy_fn, args.repeat)
        rows.append({"case": name, "kiln_ms": k, "numpy_ms": nump, "ratio": nump / k})
        print(f"{name:24s} kiln {k:8.2f} ms   numpy {nump:8.2f} ms   x{nump / k:5.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": mx.cpu_count() if hasattr(mx, "cpu_count") else None,
                       "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
