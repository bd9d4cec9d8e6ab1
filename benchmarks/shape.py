"""Shape ops timed against NumPy in the same run: prints a table of milliseconds and
ratios (NumPy / Kiln, > 1 means Kiln is faster) and optionally writes JSON.

    PYTHONPATH=build/python python3 benchmarks/shape.py [--json out.json] [--repeat 10]
"""

import argparse
import json
import time

import numpy as np

import kiln.core as mx


def best_ms(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((4096, 4096), dtype=np.float32)
    small = rng.random((1024, 1024), dtype=np.float32)
    a, s = mx.array(x), mx.array(small)
    mx.eval(a, s)

    def k(f):
        return lambda: mx.eval(f())

    cases = [
        ("transpose copy 4096^2 f32", k(lambda: mx.contiguous(a.T)),
         lambda: np.ascontiguousarray(x.T)),
        ("transposed cast to f16, C order", k(lambda: mx.contiguous(a.T.astype(mx.float16))),
         lambda: x.T.astype(np.float16, order="C")),
        ("concatenate 2x 4096^2 axis=1", k(lambda: mx.concatenate([a, a], axis=1)),
         lambda: np.concatenate([x, x], axis=1)),
        ("pad constant 1024^2 +8", k(lambda: mx.pad(s, 8)), lambda: np.pad(small, 8)),
        ("pad reflect 1024^2 +8", k(lambda: mx.pad(s, 8, mode="reflect")),
         lambda: np.pad(small, 8, mode="reflect")),
        ("roll 4096^2 (5, 7)", k(lambda: mx.roll(a, (5, 7), (0, 1))),
         lambda: np.roll(x, (5, 7), (0, 1))),
        ("tile 1024^2 (2, 2)", k(lambda: mx.tile(s, (2, 2))), lambda: np.tile(small, (2, 2))),
        ("repeat 1024^2 x2 axis=0", k(lambda: mx.repeat(s, 2, 0)),
         lambda: np.repeat(small, 2, 0)),
    ]
    rows = []
    print(f"{'workload':34s} {'kiln ms':>9s} {'numpy ms':>9s} {'numpy/kiln':>10s}")
    for name, kf, nf in cases:
        km, nm = best_ms(kf, args.repeat), best_ms(nf, args.repeat)
        rows.append({"workload": name, "kiln_ms": km, "numpy_ms": nm, "ratio": nm / km})
        print(f"{name:34s} {km:9.2f} {nm:9.2f} {nm / km:10.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
