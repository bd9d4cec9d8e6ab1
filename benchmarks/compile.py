"""compile: fused elementwise work against the same work op by op and against the peers.

Workloads, each timed in the same run (median milliseconds of --repeat runs after --warmup,
the contenders alternating so that a busy machine slows them alike; Kiln's timed region ends
with mx.eval):
- GELU chain 0.5*x*(1+tanh(0.79788456*(x+0.044715*x**3))): on the CPU 16M float32 against
  NumPy and uncompiled Kiln (target: compiled at least 4x NumPy); with --device gpu 64M
  float32 against uncompiled Kiln, PyTorch eager and torch.compile (mode default; skipped if
  it fails), with the bandwidth floor (one read and one write of x at --bandwidth GB/s,
  default 3000 as on an H100) and the compiled time as a percentage of it.
- LayerNorm written with ops (mean, variance, normalize, scale and shift), compiled against
  eager, on the chosen device.
- Softmax written with ops (exp(x - max) / sum), which compile turns into one Softmax
  kernel, against eager, on the chosen device.
- An Adam update of a dict of parameters (state in inputs=/outputs=), compiled against eager.
The first compiled call (trace, fusion and, on the GPU, NVRTC unless the kernel cache is
warm) is reported separately. `--json PATH` writes the rows.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/compile.py [--device gpu] [--json out.json]
"""

import argparse
import json
import time

import numpy as np
from timing import median_ms

import kiln.core as mx


def gelu(x):
    return 0.5 * x * (1 + mx.tanh(0.79788456 * (x + 0.044715 * x**3)))


def np_gelu(x):
    return 0.5 * x * (1 + np.tanh(0.79788456 * (x + 0.044715 * x**3)))


def layer_norm(x, w, b, eps=1e-5):
    mean = mx.mean(x, axis=-1, keepdims=True)
    d = x - mean
    var = mx.mean(d * d, axis=-1, keepdims=True)
    return d * mx.rsqrt(var + eps) * w + b


def softmax(x):
    e = mx.exp(x - mx.max(x, axis=-1, keepdims=True))
    return e / mx.sum(e, axis=-1, keepdims=True)


def adam_step(params, grads, m, v, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    for k in params:
        m[k] = b1 * m[k] + (1 - b1) * grads[k]
        v[k] = b2 * v[k] + (1 - b2) * mx.square(grads[k])
        params[k] = params[k] - lr * m[k] / (mx.sqrt(v[k]) + eps)


def first_call_ms(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3


def bench_gelu(args, rows):
    n = (64 if args.device == "gpu" else 16) * 1024 * 1024
    xn = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    x = mx.array(xn)
    mx.eval(x)
    compiled = mx.compile(gelu)
    first = first_call_ms(lambda: mx.eval(compiled(x)))
    names = ["kiln compiled", "kiln eager"]
    fns = [lambda: mx.eval(compiled(x)), lambda: mx.eval(gelu(x))]
    if args.device == "cpu":
        names.append("numpy")
        fns.append(lambda: np_gelu(xn))
    else:
        try:
            import torch

            tx = torch.tensor(xn, device="cuda")

            def tgelu(t):
                return 0.5 * t * (1 + torch.tanh(0.79788456 * (t + 0.044715 * t**3)))

            def run(f):
                def go():
                    f(tx)
                    torch.cuda.synchronize()
                return go

            names.append("torch eager")
            fns.append(run(tgelu))
            try:
                tc = torch.compile(tgelu)
                run(tc)()
                names.append("torch.compile")
                fns.append(run(tc))
            except Exception as e:  # noqa: BLE001 - report and go on without it
                print(f"torch.compile skipped: {type(e).__name__}: {e}")
            names.append("torch copy (x.clone)")
            fns.append(run(lambda t: t.clone()))
        except ImportError:
            print("torch not available: GPU peers skipped")
    times = dict(zip(names, median_ms(fns, args.warmup, args.repeat)))
    err = float(np.max(np.abs(np.array(compiled(x)) - np_gelu(xn))))
    row = {"workload": f"gelu {n // (1 << 20)}M float32", "device": args.device,
           "first_call_ms": first, "max_abs_err_vs_numpy": err}
    row.update({f"{k}_ms": v for k, v in times.items()})
    kc = times["kiln compiled"]
    line = f"{row['workload']} [{args.device}]  compiled {kc:8.3f} ms  eager {times['kiln eager']:8.3f} ms"
    line += f"  eager/compiled {times['kiln eager'] / kc:5.2f}x"
    if "numpy" in times:
        row["numpy_over_compiled"] = times["numpy"] / kc
        row["target_4x_numpy_met"] = bool(times["numpy"] / kc >= 4)
        line += f"  numpy {times['numpy']:8.2f} ms  numpy/compiled {times['numpy'] / kc:6.2f}x"
    if args.device == "gpu":
        floor = 2 * 4 * n / (args.bandwidth * 1e9) * 1e3
        row.update(bandwidth_floor_ms=floor, percent_of_floor=100 * floor / kc)
        line += f"  floor {floor:.3f} ms ({100 * floor / kc:.0f}% of floor)"
        for peer in ["torch eager", "torch.compile", "torch copy (x.clone)"]:
            if peer in times:
                row[f"{peer}_over_compiled"] = times[peer] / kc
                line += f"  {peer} {times[peer]:.3f} ms ({times[peer] / kc:.2f}x)"
    line += f"  first call {first:.1f} ms  max err {err:.2e}"
    print(line)
    rows.append(row)


def bench_by_ops(args, rows, label, fn, inputs):
    """A function written with ops, compiled against the same run eagerly."""
    mx.eval(inputs)
    compiled = mx.compile(fn)
    first = first_call_ms(lambda: mx.eval(compiled(*inputs)))
    tc, te = median_ms([lambda: mx.eval(compiled(*inputs)), lambda: mx.eval(fn(*inputs))],
                       args.warmup, args.repeat)
    err = float(mx.max(mx.abs(compiled(*inputs) - fn(*inputs))).item())
    row = {"workload": label, "device": args.device, "compiled_ms": tc, "eager_ms": te,
           "eager_over_compiled": te / tc, "first_call_ms": first, "max_abs_diff": err}
    print(f"{label} [{args.device}]  compiled {tc:8.3f} ms  eager {te:8.3f} ms  "
          f"eager/compiled {te / tc:5.2f}x  first call {first:.1f} ms  max diff {err:.1e}")
    rows.append(row)


def by_ops_shape(args):
    return (16384, 4096) if args.device == "gpu" else (4096, 1024)


def bench_layer_norm(args, rows):
    shape = by_ops_shape(args)
    rng = np.random.default_rng(1)
    x, w, b = (mx.array(rng.standard_normal(s).astype(np.float32))
               for s in (shape, shape[-1:], shape[-1:]))
    bench_by_ops(args, rows, f"layer_norm by ops {shape[0]}x{shape[1]} float32", layer_norm,
                 [x, w, b])


def bench_softmax(args, rows):
    """exp(x - max) / sum: compile turns the five ops into one Softmax kernel."""
    shape = by_ops_shape(args)
    x = mx.array(np.random.default_rng(3).standard_normal(shape).astype(np.float32))
    bench_by_ops(args, rows, f"softmax by ops {shape[0]}x{shape[1]} float32", softmax, [x])


def bench_adam(args, rows):
    count, size = 16, (1 << 22 if args.device == "gpu" else 1 << 18)
    rng = np.random.default_rng(2)

    def fresh():
        p = {f"p{i}": mx.array(rng.standard_normal(size).astype(np.float32)) for i in range(count)}
        z = {k: mx.zeros_like(v) for k, v in p.items()}
        z2 = {k: mx.zeros_like(v) for k, v in p.items()}
        mx.eval(p, z, z2)
        return p, z, z2

    grads = {f"p{i}": mx.array(rng.standard_normal(size).astype(np.float32)) for i in range(count)}
    mx.eval(grads)
    params, m, v = fresh()
    eparams, em, ev = fresh()

    def step(g):
        adam_step(params, g, m, v)

    compiled = mx.compile(step, inputs=[params, m, v], outputs=[params, m, v])

    def run_compiled():
        compiled(grads)
        mx.eval(params, m, v)

    def run_eager():
        adam_step(eparams, grads, em, ev)
        mx.eval(eparams, em, ev)

    first = first_call_ms(run_compiled)
    tc, te = median_ms([run_compiled, run_eager], args.warmup, args.repeat)
    row = {"workload": f"adam update {count} x {size} float32", "device": args.device,
           "compiled_ms": tc, "eager_ms": te, "eager_over_compiled": te / tc,
           "first_call_ms": first, "traces": compiled.num_traces}
    print(f"{row['workload']} [{args.device}]  compiled {tc:8.3f} ms  eager {te:8.3f} ms  "
          f"eager/compiled {te / tc:5.2f}x  first call {first:.1f} ms")
    rows.append(row)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--bandwidth", type=float, default=3000.0,
                        help="GB/s for the GPU bandwidth floor")
    parser.add_argument("--only", nargs="*", choices=["gelu", "layer_norm", "softmax", "adam"])
    parser.add_argument("--json")
    args = parser.parse_args()
    mx.set_default_device(mx.gpu if args.device == "gpu" else mx.cpu)
    rows = []
    benches = {"gelu": bench_gelu, "layer_norm": bench_layer_norm, "softmax": bench_softmax,
               "adam": bench_adam}
    for name, fn in benches.items():
        if not args.only or name in args.only:
            fn(args, rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
