#!/usr/bin/env python3
"""GPU workloads timed for Kiln and PyTorch on the same GPU in one run.

Each workload runs `--warmup` untimed times, then `--repeat` timed times per framework,
interleaved; the median is reported. A timed call starts with the GPU idle and ends when its
work is done: Kiln's includes building the graph, `mx.eval` and `mx.synchronize()`, PyTorch's
its eager call and `torch.cuda.synchronize()`. A workload whose op this Kiln build lacks on
the GPU (for example a reduction without a GPU kernel) shows "n/a".

The table gives each framework's time (per op in us for the chain of tiny adds), its rate
(GB/s or TFLOP/s where the workload has one), the ratio torch/kiln (above 1: Kiln is
faster), whether this script's target is met, and whether the two results agree. The binary
add also reports the device-to-device copy bandwidth measured with PyTorch and Kiln's add
bandwidth as a percentage of it.

    PYTHONPATH=build/python python3 benchmarks/gpu_ops.py [--json out.json] [--only add gemv]
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
except ImportError:
    torch = None

M64 = 64 * 2**20
CHAIN = 100
GEMV_BATCH = 20


class Missing(Exception):
    """The framework lacks what the workload needs."""


def kiln_run(fn):
    """A timed Kiln call: build, evaluate and wait for the GPU. A primitive without a GPU
    implementation makes the workload n/a."""
    def run():
        try:
            y = fn()
            mx.eval(y)
        except ValueError as e:
            if "has no GPU implementation" in str(e):
                raise Missing(str(e)) from None
            raise
        mx.synchronize()
        return y
    return run


def torch_run(fn):
    def run():
        y = fn()
        torch.cuda.synchronize()
        return y
    return run


def kiln_array(x, dtype=None):
    a = mx.array(x)
    if dtype is not None:
        a = a.astype(dtype)
    mx.eval(a)
    mx.synchronize()
    return a


def torch_tensor(x, dtype=None):
    t = torch.from_numpy(x).cuda()
    return t.to(dtype) if dtype is not None else t


def to_numpy(y):
    if isinstance(y, mx.array):
        if y.dtype == mx.bfloat16:
            y = y.astype(mx.float32)
        return np.array(y)
    if y.dtype == torch.bfloat16:
        y = y.float()
    return y.cpu().numpy()


# ---- workloads: each returns (kiln thunk, torch thunk, bytes moved or None, flops or None) ----

def add(rng):
    x = rng.standard_normal(M64, dtype=np.float32)
    y = rng.standard_normal(M64, dtype=np.float32)
    xk, yk = kiln_array(x), kiln_array(y)
    xt, yt = torch_tensor(x), torch_tensor(y)
    return (kiln_run(lambda: xk + yk), torch_run(lambda: xt + yt), 3 * x.nbytes, None)


def total_sum(rng):
    x = rng.random(M64, dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)
    return (kiln_run(lambda: mx.sum(xk)), torch_run(lambda: torch.sum(xt)), x.nbytes, None)


def softmax(rng):
    x = rng.standard_normal((8192, 8192), dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)
    return (kiln_run(lambda: mx.softmax(xk, axis=-1)),
            torch_run(lambda: torch.softmax(xt, dim=-1)), 2 * x.nbytes, None)


def transpose_copy(rng):
    x = rng.standard_normal((8192, 8192), dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)
    return (kiln_run(lambda: mx.contiguous(xk.T)), torch_run(lambda: xt.t().contiguous()),
            2 * x.nbytes, None)


def gemm(rng):
    n = 8192
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ak, bk = kiln_array(a, mx.bfloat16), kiln_array(b, mx.bfloat16)
    at, bt = torch_tensor(a, torch.bfloat16), torch_tensor(b, torch.bfloat16)
    return (kiln_run(lambda: ak @ bk), torch_run(lambda: at @ bt), None, 2 * n**3)


def gemv(transposed):
    """x (1, 4096) times a 14336 x 4096 bf16 weight: x @ W.T with W stored (14336, 4096)
    row-major, or x @ W with W stored (4096, 14336). A timed call runs GEMV_BATCH products
    back to back (as a decoder's layers do) so the host's wait for the GPU, about as long as
    one product, does not hide the kernel's bandwidth."""
    def build(rng):
        k, n = 4096, 14336
        w = rng.standard_normal((n, k) if transposed else (k, n), dtype=np.float32)
        x = rng.standard_normal((1, k), dtype=np.float32)
        wk, xk = kiln_array(w, mx.bfloat16), kiln_array(x, mx.bfloat16)
        wt, xt = torch_tensor(w, torch.bfloat16), torch_tensor(x, torch.bfloat16)
        nbytes = GEMV_BATCH * 2 * (w.size + x.size + n)  # W + x + out, bf16
        wk_, wt_ = (wk.T, wt.t()) if transposed else (wk, wt)

        def kiln():
            ys = [xk @ wk_ for _ in range(GEMV_BATCH)]
            mx.eval(ys)
            return ys[-1]

        def torch_():
            for _ in range(GEMV_BATCH):
                y = xt @ wt_
            return y

        return kiln_run(kiln), torch_run(torch_), nbytes, None
    return build


def upload(rng):
    """A NumPy array's first use on the GPU (copy in, one multiply): Kiln copies it into its
    host memory, pinned once that block has crossed the bus; PyTorch copies from NumPy's
    pageable memory."""
    x = rng.standard_normal(M64, dtype=np.float32)
    return (kiln_run(lambda: mx.array(x) * 2.0),
            torch_run(lambda: torch.from_numpy(x).cuda() * 2.0), x.nbytes, None)


def download(rng):
    """A GPU result read as NumPy (one multiply, copy out)."""
    x = rng.standard_normal(M64, dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)

    def kiln():
        y = xk * 2.0
        np.asarray(y)
        return y

    def torch_():
        y = xt * 2.0
        y.cpu().numpy()
        return y

    return kiln_run(kiln), torch_run(torch_), x.nbytes, None


def add_chain(rng):
    x = rng.standard_normal(16, dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)

    def kiln():
        y = xk
        for _ in range(CHAIN):
            y = y + 1
        return y

    def torch_():
        y = xt
        for _ in range(CHAIN):
            y = y + 1
        return y

    return kiln_run(kiln), torch_run(torch_), None, None


# name, builder, ops per call (times per op when > 1), target (minimum torch/kiln time
# ratio), tolerance of the agreement check (relative L2 error)
WORKLOADS = [
    ("add, 2x 64M f32", add, 1, 0.95, 0),
    ("sum, 64M f32", total_sum, 1, 0.9, 1e-5),
    ("softmax(axis=-1), 8192^2 f32", softmax, 1, 0.9, 1e-5),
    ("transpose copy, 8192^2 f32", transpose_copy, 1, 1.0, 0),
    ("gemm bf16 8192^3", gemm, 1, 0.95, 1e-2),
    ("gemv bf16 x @ W.T, W 14336x4096", gemv(True), GEMV_BATCH, 0.95, 1e-2),
    ("gemv bf16 x @ W, W 4096x14336", gemv(False), GEMV_BATCH, 0.95, 1e-2),
    (f"{CHAIN} dependent adds, 16 f32", add_chain, CHAIN, 1.0, 1e-6),
    ("NumPy -> GPU, 64M f32, then x*2", upload, 1, 0, 0),
    ("GPU -> NumPy, x*2 of 64M f32", download, 1, 0, 0),
]

# Kiln's add should move data at nearly the rate of a plain device-to-device copy.
ADD_TARGET_PERCENT_OF_COPY = 90.0


def timed_runs(fns, warmup, repeat):
    """Seconds of each timed call per framework; the frameworks alternate each round so a
    change in machine state affects both alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            mx.synchronize()
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def copy_bandwidth(warmup, repeat):
    """Device-to-device copy of 64M float32 with PyTorch: bytes read + written per second."""
    src = torch.empty(M64, dtype=torch.float32, device="cuda").normal_()
    dst = torch.empty_like(src)
    times = timed_runs({"copy": torch_run(lambda: dst.copy_(src))}, warmup, repeat)["copy"]
    return 2 * src.numel() * src.element_size() / statistics.median(times)


def relative_error(k, t):
    k, t = k.astype(np.float64), t.astype(np.float64)
    norm = np.linalg.norm(t)
    return np.linalg.norm(k - t) / (norm if norm else 1.0)


def run(args, workloads=WORKLOADS):
    rng = np.random.default_rng(0)
    results = []
    for name, builder, ops, target, tol in workloads:
        if args.only and not any(s in name for s in args.only):
            continue
        row = {"workload": name, "ops_per_call": ops, "kiln": None, "torch": None}
        kiln_fn, torch_fn, nbytes, flops = builder(rng)
        fns, outputs = {}, {}
        for fw, fn in (("kiln", kiln_fn), ("torch", torch_fn)):
            try:
                outputs[fw] = to_numpy(fn())
                fns[fw] = fn
            except Missing as e:
                row[fw + "_note"] = str(e)
        for fw, times in timed_runs(fns, args.warmup, args.repeat).items():
            row[fw] = statistics.median(times)
            row[fw + "_times"] = times
        for fw in ("kiln", "torch"):
            s = row[fw]
            row[fw + "_GBps"] = nbytes / s / 1e9 if s and nbytes else None
            row[fw + "_TFLOPs"] = flops / s / 1e12 if s and flops else None
        both = row["kiln"] is not None and row["torch"] is not None
        row["torch_over_kiln"] = row["torch"] / row["kiln"] if both else None
        row["target_min_ratio"] = target
        row["target"] = ("yes" if row["torch_over_kiln"] >= target else "NO") if both and target else ""
        if "kiln" in outputs and "torch" in outputs:
            k, t = outputs["kiln"], outputs["torch"]
            err = relative_error(k, t) if k.shape == t.shape else float("inf")
            row["relative_error"] = err
            row["check"] = "ok" if err <= tol else "MISMATCH"
        if builder is add:
            bw = copy_bandwidth(args.warmup, args.repeat)
            row["torch_copy_GBps"] = bw / 1e9
            if row["kiln"] is not None:
                pct = 100 * row["kiln_GBps"] * 1e9 / bw
                row["kiln_percent_of_copy"] = pct
                row["target_copy"] = "yes" if pct >= ADD_TARGET_PERCENT_OF_COPY else "NO"
            if row["torch"] is not None:
                row["torch_percent_of_copy"] = 100 * row["torch_GBps"] * 1e9 / bw
        results.append(row)
        del kiln_fn, torch_fn, fns, outputs
    return results


def fmt_time(seconds, ops):
    if seconds is None:
        return "n/a"
    return f"{seconds * 1e6 / ops:.2f} us/op" if ops > 1 else f"{seconds * 1e3:.3f} ms"


def fmt_rate(row, fw):
    if row.get(fw + "_TFLOPs") is not None:
        return f"{row[fw + '_TFLOPs']:.1f} TFLOP/s"
    if row.get(fw + "_GBps") is not None:
        return f"{row[fw + '_GBps']:.0f} GB/s"
    return "-"


def print_table(results):
    header = ["workload", "kiln", "kiln rate", "torch", "torch rate", "torch/kiln", "target",
              "check"]
    rows = [header]
    for r in results:
        ratio = "n/a" if r["torch_over_kiln"] is None else f"{r['torch_over_kiln']:.2f}x"
        target = (f">={r['target_min_ratio']:.2f}x {r['target']}".rstrip()
                  if r["target_min_ratio"] else "-")
        rows.append([r["workload"], fmt_time(r["kiln"], r["ops_per_call"]), fmt_rate(r, "kiln"),
                     fmt_time(r["torch"], r["ops_per_call"]), fmt_rate(r, "torch"), ratio,
                     target, r.get("check", "-")])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in results:
        if "torch_copy_GBps" in r:
            pct = r.get("kiln_percent_of_copy")
            print(f"device-to-device copy of 64M f32 (torch): {r['torch_copy_GBps']:.0f} GB/s; "
                  f"Kiln's add reaches {'n/a' if pct is None else f'{pct:.1f}%'} of it "
                  f"(target {ADD_TARGET_PERCENT_OF_COPY:.0f}%: {r.get('target_copy', 'n/a')}), "
                  f"torch's add "
                  f"{r.get('torch_percent_of_copy', float('nan')):.1f}%")
        for fw in ("kiln", "torch"):
            if fw + "_note" in r:
                print(f"{r['workload']}: {fw} n/a ({r[fw + '_note']})")


def environment():
    env = {"python": sys.version.split()[0], "numpy": np.__version__, "machine": platform.machine(),
           "torch": torch.__version__, "torch_cuda": torch.version.cuda,
           "gpu": torch.cuda.get_device_name(0)}
    info = mx.device_info(mx.gpu)
    env["kiln_device"] = info.get("device_name")
    env["kiln_architecture"] = info.get("architecture")
    return env


def main(workloads=WORKLOADS, doc=__doc__, report=None):
    """The command line of this script, and of others that time their own `workloads` the
    same way (`report(results)` prints what they add after the table)."""
    script = os.path.basename(sys.argv[0])
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--repeat", type=int, default=20, help="timed runs per framework")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    p.add_argument("--only", nargs="*", help="run workloads whose name contains one of these")
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args()
    if torch is None or not torch.cuda.is_available():
        sys.exit(f"{script} needs PyTorch with a usable CUDA GPU")
    if not mx.cuda.is_available():
        sys.exit(f"{script} needs a Kiln build with a usable CUDA GPU")
    mx.set_default_device(mx.gpu)
    env = environment()
    print("  ".join(f"{k}={v}" for k, v in env.items()))
    results = run(args, workloads)
    print_table(results)
    if report:
        report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "repeat": args.repeat, "warmup": args.warmup,
                       "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
