#!/usr/bin/env python3
"""CPU workloads timed for Kiln, NumPy and PyTorch in one run.

Each workload runs a few warm-up times, then `--repeat` timed times per framework; the
median is reported. Kiln's timed region includes building the graph and `mx.eval`. A
workload whose op this Kiln build lacks (or a framework that is not installed) shows "n/a".
Results print as a table (ratios > 1 mean Kiln is faster) and, with --json, are written to
a file.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

import kiln.core as mx

try:
    import torch
except ImportError:  # the torch column then reads n/a
    torch = None


class Missing(Exception):
    """The framework lacks what the workload needs."""


def need(module, name):
    if module is None:
        raise Missing("not installed")
    fn = getattr(module, name, None)
    if fn is None:
        raise Missing(f"no {name}")
    return fn


def kiln_input(x):
    a = mx.array(x)
    mx.eval(a)
    return a


def torch_input(x):
    need(torch, "from_numpy")
    return torch.from_numpy(x)


# ---- workloads: each returns {framework: thunk}; a thunk computes and returns the result ----

def elementwise(rng):
    x = rng.standard_normal(16 * 2**20, dtype=np.float32)
    xk = kiln_input(x)

    def kiln():
        y = need(mx, "exp")(xk) * 2 + 1
        mx.eval(y)
        return y

    def torch_():
        xt = torch_input(x)
        return lambda: torch.exp(xt) * 2 + 1

    return {"kiln": lambda: kiln, "numpy": lambda: lambda: np.exp(x) * 2 + 1, "torch": torch_}


def total_sum(rng):
    x = rng.random(16 * 2**20, dtype=np.float32)

    def kiln():
        fn = need(mx, "sum")
        xk = kiln_input(x)

        def run():
            y = fn(xk)
            mx.eval(y)
            return y
        return run

    def torch_():
        xt = torch_input(x)
        return lambda: torch.sum(xt)

    return {"kiln": kiln, "numpy": lambda: lambda: np.sum(x), "torch": torch_}


def column_sum(rng):
    x = rng.random((4096, 4096), dtype=np.float32)

    def kiln():
        fn = need(mx, "sum")
        xk = kiln_input(x)

        def run():
            y = fn(xk, axis=0)
            mx.eval(y)
            return y
        return run

    def torch_():
        xt = torch_input(x)
        return lambda: torch.sum(xt, dim=0)

    return {"kiln": kiln, "numpy": lambda: lambda: np.sum(x, axis=0), "torch": torch_}


def softmax(rng):
    x = rng.standard_normal((4096, 4096), dtype=np.float32)

    def numpy_softmax():
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    def kiln():
        fn = need(mx, "softmax")
        xk = kiln_input(x)

        def run():
            y = fn(xk, axis=-1)
            mx.eval(y)
            return y
        return run

    def torch_():
        xt = torch_input(x)
        return lambda: torch.softmax(xt, dim=-1)

    return {"kiln": kiln, "numpy": lambda: numpy_softmax, "torch": torch_}


def transpose_copy(rng):
    x = rng.standard_normal((4096, 4096), dtype=np.float32)

    def kiln():
        fn = need(mx, "contiguous")
        xk = kiln_input(x)

        def run():
            y = fn(xk.T)
            mx.eval(y)
            return y
        return run

    def torch_():
        xt = torch_input(x)
        return lambda: xt.t().contiguous()

    return {"kiln": kiln, "numpy": lambda: lambda: np.ascontiguousarray(x.T), "torch": torch_}


def matmul(rng):
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 1024), dtype=np.float32)

    def kiln():
        fn = need(mx, "matmul")
        ak, bk = kiln_input(a), kiln_input(b)

        def run():
            y = fn(ak, bk)
            mx.eval(y)
            return y
        return run

    def torch_():
        at, bt = torch_input(a), torch_input(b)
        return lambda: at @ bt

    return {"kiln": kiln, "numpy": lambda: lambda: a @ b, "torch": torch_}


CHAIN = 100


def add_chain(rng):
    x = rng.standard_normal(16, dtype=np.float32)
    xk = kiln_input(x)

    def kiln():
        y = xk
        for _ in range(CHAIN):
            y = y + 1
        mx.eval(y)
        return y

    def numpy_():
        y = x
        for _ in range(CHAIN):
            y = y + 1
        return y

    def torch_():
        xt = torch_input(x)

        def run():
            y = xt
            for _ in range(CHAIN):
                y = y + 1
            return y
        return run

    return {"kiln": lambda: kiln, "numpy": lambda: numpy_, "torch": torch_}


# name, builder, per-call op count (results in us/op when > 1), target, tolerance of the check
WORKLOADS = [
    ("exp(x)*2+1, 16M f32", elementwise, 1, "numpy", 1e-5),
    ("sum, 16M f32", total_sum, 1, "numpy", 1e-3),
    ("sum(axis=0), 4096^2 f32", column_sum, 1, "numpy", 1e-4),
    ("softmax(axis=-1), 4096^2 f32", softmax, 1, None, 1e-4),
    ("transpose copy, 4096^2 f32", transpose_copy, 1, None, 0),
    ("matmul 1024^3 f32", matmul, 1, "matmul", 1e-3),
    (f"{CHAIN} dependent adds, 16 f32", add_chain, CHAIN, "per_op", 1e-5),
]

FRAMEWORKS = ["kiln", "numpy", "torch"]


def timed_runs(fns, warmup, repeat):
    """Seconds of each timed call of each function. The timed runs interleave the frameworks
    (one run of each per round), so a change in machine load affects all of them alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def as_numpy(result):
    if isinstance(result, mx.array):
        return np.array(result)
    if torch is not None and isinstance(result, torch.Tensor):
        return result.numpy()
    return np.asarray(result)


def target_met(kind, kiln_s, numpy_s, per_op_us):
    """'yes', 'NO' or '' (no target) for the issue's targets."""
    if kind is None or kiln_s is None:
        return ""
    if kind == "numpy":
        return "yes" if numpy_s is not None and kiln_s <= numpy_s else "NO"
    if kind == "matmul":
        return "yes" if numpy_s is not None and kiln_s <= 1.05 * numpy_s else "NO"
    if kind == "per_op":
        return "yes" if per_op_us <= 4.0 else "NO"
    return ""


def run(args):
    rng = np.random.default_rng(0)
    results = []
    for name, builder, ops, target, tol in WORKLOADS:
        if args.only and not any(s in name for s in args.only):
            continue
        thunks = builder(rng)
        row = {"workload": name, "ops_per_call": ops}
        outputs, fns = {}, {}
        for fw in FRAMEWORKS:
            row[fw] = None
            if fw == "torch" and args.no_torch:
                row[fw + "_note"] = "skipped"
                continue
            try:
                fns[fw] = thunks[fw]()
                outputs[fw] = as_numpy(fns[fw]())
            except Missing as e:
                fns.pop(fw, None)
                row[fw + "_note"] = str(e)
        for fw, times in timed_runs(fns, args.warmup, args.repeat).items():
            row[fw] = statistics.median(times)
            row[fw + "_times"] = times
        # The Kiln result must agree with NumPy's, else its time means nothing.
        if "kiln" in outputs and "numpy" in outputs:
            k, n = outputs["kiln"], outputs["numpy"]
            ok = k.shape == n.shape and np.allclose(k, n, rtol=tol, atol=tol)
            row["check"] = "ok" if ok else "MISMATCH"
        for fw in ("numpy", "torch"):
            both = row.get(fw) is not None and row.get("kiln") is not None
            row[fw + "_over_kiln"] = row[fw] / row["kiln"] if both else None
        row["kiln_us_per_op"] = row["kiln"] * 1e6 / ops if row["kiln"] is not None else None
        row["target"] = target_met(target, row["kiln"], row["numpy"], row["kiln_us_per_op"])
        results.append(row)
        del thunks, outputs
    return results


def fmt_time(seconds, ops):
    if seconds is None:
        return "n/a"
    if ops > 1:
        return f"{seconds * 1e6 / ops:.2f} us/op"
    return f"{seconds * 1e3:.2f} ms"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def print_table(results):
    header = ["workload", "kiln", "numpy", "torch", "numpy/kiln", "torch/kiln", "target", "check"]
    rows = [header]
    for r in results:
        rows.append([r["workload"], fmt_time(r["kiln"], r["ops_per_call"]),
                     fmt_time(r["numpy"], r["ops_per_call"]),
                     fmt_time(r["torch"], r["ops_per_call"]), fmt_ratio(r["numpy_over_kiln"]),
                     fmt_ratio(r["torch_over_kiln"]), r["target"] or "-", r.get("check", "-")])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def environment():
    env = {"python": sys.version.split()[0], "numpy": np.__version__,
           "kiln": getattr(mx, "__version__", "?"), "machine": platform.machine(),
           "cpus": os.cpu_count(), "kiln_num_threads": os.environ.get("KILN_NUM_THREADS")}
    if torch is not None:
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    return env


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=10, help="timed runs per framework")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs first")
    p.add_argument("--only", nargs="*", help="run workloads whose name contains one of these")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args()
    mx.set_default_device(mx.cpu)
    env = environment()
    print("  ".join(f"{k}={v}" for k, v in env.items()))
    results = run(args)
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "repeat": args.repeat, "warmup": args.warmup,
                       "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
