"""The timing harness every benchmark script shares.

A script lists its workloads per device and calls `main`. For each workload the harness
builds the inputs once per library, calls each contender once (its result, for the
agreement check, and its first-call time), runs `--warmup` untimed calls of each, then
`--repeat` timed rounds in which the contenders alternate, so that a change in machine load
slows them alike; the median is reported. On the GPU every timed call starts with the GPU
idle and ends when its work is done: Kiln's call builds the graph, runs `mx.eval` and
`mx.synchronize()`, PyTorch's ends with `torch.cuda.synchronize()`. Kiln's call always
includes `mx.eval`.

A contender's name starts with its library ("kiln", "kiln eager", "numpy", "torch",
"torch.compile"; NumPy's are left out with --device gpu). The first contender is the
subject: the table gives each other contender's time over the subject's (above 1: the
subject is faster), the workload's targets and whether the subject's result agrees with the
reference's. A contender that cannot run (a library not installed, an op without a GPU
implementation in this build) reads n/a.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Optional

import numpy as np

import kiln.core as mx

try:
    import torch
except ImportError:  # its contenders then read n/a
    torch = None


class Missing(Exception):
    """The contender lacks what the workload needs."""


@dataclass
class Workload:
    """One row of the table.

    Either `contenders` maps each contender to fn(*inputs), called with `inputs(rng)` (NumPy
    arrays) converted to the contender's library (cast to `dtype` in Kiln and PyTorch, left
    as they are with `numpy_inputs`), or `setup(rng, args)` returns the contenders as
    zero-argument functions, for workloads whose state is not a list of arrays.
    `ops` counts the operations in one call (times then read per op), `bytes`/`flops` give
    rates, `check(got, expected)` returns (agrees, error) for the subject's result against
    the first of `reference` present, `after(row, args)` may add measures to the row and
    returns lines printed after the table, and `targets`, functions of the row (see
    `peer_ratio`, `within_ms`, `within_us_per_op`, `at_least`), are judged last.
    """

    name: str
    contenders: dict = field(default_factory=dict)
    inputs: Optional[Callable] = None
    setup: Optional[Callable] = None
    dtype: Optional[str] = None
    numpy_inputs: bool = False
    ops: int = 1
    bytes: Optional[int] = None
    flops: Optional[int] = None
    targets: tuple = ()
    check: Optional[Callable] = None
    reference: tuple = ("numpy", "torch")
    after: Optional[Callable] = None


def library(contender):
    return contender.split()[0].split(".")[0]


def unavailable(lib, args):
    """Why a library's contenders cannot run here, or None."""
    if lib != "torch":
        return None
    if args.no_torch:
        return "skipped"
    if torch is None:
        return "not installed"
    if args.device == "gpu" and not torch.cuda.is_available():
        return "no CUDA in this PyTorch"
    return None


def torch_device(args):
    return "cuda" if args.device == "gpu" else "cpu"


def synchronize(args):
    """Wait for every GPU queue, so that a timed call starts with the GPU idle."""
    if args.device == "gpu":
        mx.synchronize()
        if unavailable("torch", args) is None:
            torch.cuda.synchronize()


# ---- inputs and results ----

def kiln_array(x, dtype=None):
    a = mx.array(x)
    if dtype is not None:
        a = a.astype(getattr(mx, dtype))
    mx.eval(a)
    mx.synchronize()
    return a


def torch_tensor(x, args, dtype=None):
    t = torch.from_numpy(x).to(torch_device(args))
    return t.to(getattr(torch, dtype)) if dtype is not None else t


def convert(xs, lib, w, args):
    if lib == "kiln" and not w.numpy_inputs:
        return [kiln_array(x, w.dtype) for x in xs]
    if lib == "torch" and not w.numpy_inputs:
        return [torch_tensor(x, args, w.dtype) for x in xs]
    return list(xs)


def to_numpy(y):
    """A result as NumPy (bfloat16 as float32); tuples, lists and dicts element by element."""
    if isinstance(y, (tuple, list)):
        return [to_numpy(v) for v in y]
    if isinstance(y, dict):
        return {k: to_numpy(v) for k, v in y.items()}
    if isinstance(y, mx.array):
        return np.array(y.astype(mx.float32) if y.dtype == mx.bfloat16 else y)
    if torch is not None and isinstance(y, torch.Tensor):
        y = y.detach()
        return (y.float() if y.dtype == torch.bfloat16 else y).cpu().numpy()
    return np.asarray(y)


def close(tol):
    """Agreement element by element: numpy.allclose with rtol = atol = tol."""
    def check(got, expected):
        if got.shape != expected.shape:
            return False, float("inf")
        err = float(np.max(np.abs(got.astype(np.float64) - expected), initial=0))
        return bool(np.allclose(got, expected, rtol=tol, atol=tol)), err
    return check


def relative_l2(tol):
    """Agreement as a whole: |got - expected| / |expected| (L2 norms) at most tol."""
    def check(got, expected):
        if got.shape != expected.shape:
            return False, float("inf")
        g, e = got.astype(np.float64), expected.astype(np.float64)
        norm = np.linalg.norm(e)
        err = float(np.linalg.norm(g - e) / (norm if norm else 1.0))
        return err <= tol, err
    return check


# ---- targets: each maps a row to (label, met or None: not measured) ----

def at_least(key, minimum, label):
    """row[key] (a ratio, or a measure that `after` wrote into the row) is at least
    `minimum`."""
    def target(row):
        v = row.get(key)
        return label, None if v is None else v >= minimum
    return target


def peer_ratio(peer, minimum, subject="kiln"):
    """The peer's time over the subject's is at least `minimum`."""
    return at_least(f"{peer}_over_{subject}", minimum, f"{peer}/{subject}>={minimum:.2f}")


def within_ms(ms, who="kiln"):
    def target(row):
        s = row.get(who)
        return f"<={ms}ms", None if s is None else s * 1e3 <= ms
    return target


def within_us_per_op(us, who="kiln"):
    def target(row):
        s = row.get(who)
        return f"<={us}us/op", None if s is None else s * 1e6 / row["ops_per_call"] <= us
    return target


# ---- running ----

def finish(lib, fn, args):
    """A call of `fn` that ends when its work is done, and turns a missing op into Missing."""
    if lib == "kiln":
        def call():
            try:
                y = fn()
                if y is not None:
                    mx.eval(y)
            except ValueError as e:
                if "has no GPU implementation" in str(e):
                    raise Missing(str(e)) from None
                raise
            except AttributeError as e:
                if e.obj is mx:  # an op this build lacks
                    raise Missing(str(e)) from None
                raise
            if args.device == "gpu":
                mx.synchronize()
            return y
        return call
    if lib == "torch" and args.device == "gpu":
        def call():
            y = fn()
            torch.cuda.synchronize()
            return y
        return call
    return fn


def contenders(w, rng, args, row):
    """Zero-argument calls per contender that can run; the others get a note in `row`."""
    if w.setup is not None:
        raw = w.setup(rng, args)
    else:
        xs = w.inputs(rng) if w.inputs else []
        raw, converted = {}, {}
        for name, fn in w.contenders.items():
            lib = library(name)
            why = unavailable(lib, args)
            if why:
                row[name + "_note"] = why
                continue
            if lib not in converted:
                converted[lib] = convert(xs, lib, w, args)
            raw[name] = partial(fn, *converted[lib])
    # The peers of a GPU run run on the GPU.
    return {name: finish(library(name), fn, args) for name, fn in raw.items()
            if not (args.device == "gpu" and library(name) == "numpy")}


def time_calls(fns, args):
    """Seconds of each timed call per contender; the contenders alternate each round."""
    for fn in fns.values():
        for _ in range(args.warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(args.repeat):
        for name, fn in fns.items():
            synchronize(args)
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def run_workload(w, args):
    row = {"workload": w.name, "ops_per_call": w.ops}
    fns = contenders(w, np.random.default_rng(0), args, row)
    subject = next(iter(fns), None)
    results = {}
    for name in list(fns):
        try:
            synchronize(args)
            t0 = time.perf_counter()
            y = fns[name]()
            row[name + "_first_call"] = time.perf_counter() - t0
            # Kept on the host: a GPU result held through the timing would crowd the memory.
            compared = w.check and (name == subject or name in w.reference)
            results[name] = to_numpy(y) if compared else None
            del y
        except Missing as e:
            row[name + "_note"] = str(e)
            del fns[name]
    for name, times in time_calls(fns, args).items():
        s = statistics.median(times)
        row[name], row[name + "_times"] = s, times
        row[name + "_GBps"] = w.bytes / s / 1e9 if w.bytes else None
        row[name + "_TFLOPs"] = w.flops / s / 1e12 if w.flops else None
    for name in list(w.contenders) + list(fns):
        if name != subject and row.get(name) is not None and row.get(subject) is not None:
            row[f"{name}_over_{subject}"] = row[name] / row[subject]
    row["subject"] = subject
    row["notes"] = w.after(row, args) if w.after and subject else []
    targets = [t(row) for t in w.targets]
    row["targets"] = [{"target": label, "met": met} for label, met in targets]
    row["target"] = ("" if not targets else "n/a" if any(m is None for _, m in targets)
                     else "yes" if all(m for _, m in targets) else "NO")
    reference = next((r for r in w.reference if r in results and r != subject), None)
    if w.check and subject in results and reference:
        ok, err = w.check(results[subject], results[reference])
        row.update(check="ok" if ok else "MISMATCH", check_error=err, check_against=reference)
    return row


# ---- reporting ----

def fmt_time(seconds, ops):
    if seconds is None:
        return "n/a"
    return f"{seconds * 1e6 / ops:.2f} us/op" if ops > 1 else f"{seconds * 1e3:.3f} ms"


def fmt_rate(row, name):
    if row.get(name + "_TFLOPs") is not None:
        return f"{row[name + '_TFLOPs']:.1f} TFLOP/s"
    if row.get(name + "_GBps") is not None:
        return f"{row[name + '_GBps']:.0f} GB/s"
    return "-"


def print_table(rows):
    # Contenders in the order they ran, then those that could not run anywhere.
    ran = [k[:-len("_times")] for r in rows for k in r if k.endswith("_times")]
    names = list(dict.fromkeys(ran + [k[:-len("_note")] for r in rows for k in r
                                      if k.endswith("_note")]))
    rated = [n for n in names if any(fmt_rate(r, n) != "-" for r in rows)]
    ratios = list(dict.fromkeys(k for r in rows for k in r if "_over_" in k))
    header = ["workload"]
    for n in names:
        header += [n] + ([n + " rate"] if n in rated else [])
    header += [k.replace("_over_", "/") for k in ratios] + ["target", "check"]
    table = [header]
    for r in rows:
        cells = [r["workload"]]
        for n in names:
            listed = n in r or n + "_note" in r
            cells.append(fmt_time(r.get(n), r["ops_per_call"]) if listed else "-")
            if n in rated:
                cells.append(fmt_rate(r, n))
        cells += ["-" if r.get(k) is None else f"{r[k]:.2f}x" for k in ratios]
        marks = {True: "yes", False: "NO", None: "n/a"}
        cells.append(" ".join(f"{t['target']} {marks[t['met']]}" for t in r["targets"]) or "-")
        cells.append(r.get("check", "-"))
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, cells in enumerate(table):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(cells, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        for n in names:
            if n + "_note" in r:
                print(f"{r['workload']}: {n} n/a ({r[n + '_note']})")
        for line in r["notes"]:
            print(f"{r['workload']}: {line}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def environment(args):
    env = {"host": platform.node(), "machine": platform.machine(), "cpu": cpu_model(),
           "cpus": os.cpu_count(), "kiln_threads": mx.device_info(mx.cpu)["num_threads"],
           "python": sys.version.split()[0], "numpy": np.__version__, "kiln": mx.__version__,
           "device": args.device}
    if torch is not None:
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    if args.device == "gpu":
        info = mx.device_info(mx.gpu)
        env["gpu"] = info.get("device_name")
        env["gpu_architecture"] = info.get("architecture")
        env["gpu_memory_GiB"] = round(info.get("memory_size", 0) / 2**30, 1)
        if unavailable("torch", args) is None:
            env["torch_cuda"] = torch.version.cuda
            env["torch_gpu"] = torch.cuda.get_device_name(0)
    return env


def parse_args(doc, add_args=None, **defaults):
    p = argparse.ArgumentParser(description=" ".join(doc.strip().split("\n\n")[0].split()))
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--repeat", type=int, help="timed runs per contender (default: 10 on the "
                   "CPU, 20 on the GPU)")
    p.add_argument("--warmup", type=int, help="untimed runs first (default: 2 on the CPU, 3 on "
                   "the GPU)")
    p.add_argument("--only", nargs="*", help="run workloads whose name contains one of these")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    p.add_argument("--threads", type=int, help="CPU threads for Kiln and PyTorch (default: "
                   "each library's own)")
    p.add_argument("--json", help="write the environment and the results to this file")
    if add_args:
        add_args(p)
    p.set_defaults(**defaults)
    args = p.parse_args()
    gpu = args.device == "gpu"
    if args.repeat is None:
        args.repeat = 20 if gpu else 10
    if args.warmup is None:
        args.warmup = 3 if gpu else 2
    return args


def setup(args):
    """Threads and the default device, before anything runs."""
    if args.threads:
        # Kiln's thread pool reads this when it first runs work, which has not happened yet.
        os.environ["KILN_NUM_THREADS"] = str(args.threads)
        if mx.device_info(mx.cpu)["num_threads"] != args.threads:
            sys.exit("Kiln's thread pool started before --threads could size it")
        if torch is not None:
            torch.set_num_threads(args.threads)
    if args.device == "gpu":
        if not mx.cuda.is_available():
            sys.exit(f"{os.path.basename(sys.argv[0])} --device gpu needs a Kiln build with a "
                     "usable CUDA GPU")
        mx.set_default_device(mx.gpu)
    else:
        mx.set_default_device(mx.cpu)


def main(doc, workloads, add_args=None, **defaults):
    """Run a script's workloads: `workloads` maps "cpu"/"gpu" to a list of Workload;
    `add_args(parser)` adds the script's own options, `defaults` overrides the harness's."""
    args = parse_args(doc, add_args, **defaults)
    setup(args)
    chosen = [w for w in workloads.get(args.device, [])
              if not args.only or any(s in w.name for s in args.only)]
    if not workloads.get(args.device):
        print(f"{os.path.basename(sys.argv[0])}: no {args.device} workloads")
    env = environment(args)
    print("  ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    rows = [run_workload(w, args) for w in chosen]
    if rows:
        print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "repeat": args.repeat, "warmup": args.warmup,
                       "results": rows}, f, indent=2)
    return rows
