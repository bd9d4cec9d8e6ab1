"""value_and_grad of a 3-layer MLP (batch 256, width 1024, float32): one training step's loss
and gradients, Kiln against PyTorch autograd on the same device, in the same run.

Both compute relu(relu(x W1 + b1) W2 + b2) W3 + b3, the mean squared error against a target,
and the gradients of all six parameters; Kiln's timed region ends with mx.eval of the loss and
gradients. Prints the median milliseconds per step over --repeat steps after --warmup steps
(the two libraries' steps alternate, so a busy machine slows both alike), the ratio
torch/kiln (above 1: Kiln is faster), and whether the gradients agree; `--json PATH` also
writes the row as JSON. `--device gpu` times both on the GPU (PyTorch on CUDA).
`--threads N` gives both the same number of CPU threads (default: all cores); Kiln's matrix
products run through OpenBLAS within that count."""

import argparse
import json
import os

import numpy as np
from timing import median_ms

mx = None  # kiln.core, imported once KILN_NUM_THREADS is set

BATCH, WIDTH, LAYERS = 256, 1024, 3


def make_params(rng):
    params = {}
    for i in range(LAYERS):
        params[f"w{i}"] = (rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
        params[f"b{i}"] = (rng.standard_normal((WIDTH,)) * 0.1).astype(np.float32)
    return params


def kiln_step(params, x, y):
    def loss(p):
        h = x
        for i in range(LAYERS):
            h = mx.matmul(h, p[f"w{i}"]) + p[f"b{i}"]
            if i < LAYERS - 1:
                h = mx.maximum(h, 0.0)
        return mx.mean(mx.square(h - y))

    vg = mx.value_and_grad(loss)

    def step():
        v, g = vg(params)
        mx.eval(v, g)
        return v, g

    return step


def torch_step(params, x, y, device):
    import torch

    p = {k: torch.tensor(v, device=device, requires_grad=True) for k, v in params.items()}
    tx, ty = torch.tensor(x, device=device), torch.tensor(y, device=device)

    def step():
        for t in p.values():
            t.grad = None
        h = tx
        for i in range(LAYERS):
            h = h @ p[f"w{i}"] + p[f"b{i}"]
            if i < LAYERS - 1:
                h = torch.relu(h)
        loss = torch.mean((h - ty) ** 2)
        loss.backward()
        if device != "cpu":
            torch.cuda.synchronize()
        return loss, {k: t.grad for k, t in p.items()}

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json")
    args = parser.parse_args()

    global mx
    os.environ["KILN_NUM_THREADS"] = str(args.threads)
    import kiln.core

    mx = kiln.core
    mx.set_default_device(mx.gpu if args.device == "gpu" else mx.cpu)
    rng = np.random.default_rng(0)
    params = make_params(rng)
    x = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    y = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)

    kparams = {k: mx.array(v) for k, v in params.items()}
    kstep = kiln_step(kparams, mx.array(x), mx.array(y))
    steps = [kstep]
    if not args.no_torch:
        import torch

        torch.set_num_threads(args.threads)
        tstep = torch_step(params, x, y, "cuda" if args.device == "gpu" else "cpu")
        steps.append(tstep)
    times = median_ms(steps, args.warmup, args.repeat)
    tk = times[0]
    row = {"workload": f"value_and_grad MLP {LAYERS}x{WIDTH}, batch {BATCH}, f32",
           "device": args.device, "threads": args.threads, "kiln_ms": tk}
    line = f"{row['workload']} [{args.device}, {args.threads} threads]  kiln {tk:8.2f} ms"
    if not args.no_torch:
        tt = times[1]
        kv, kg = kstep()
        tv, tg = tstep()
        agree = abs(float(kv.item()) - float(tv.item())) <= 1e-4 * abs(float(tv.item())) and all(
            np.allclose(np.array(kg[k]), tg[k].detach().cpu().numpy(), rtol=1e-3, atol=1e-5)
            for k in params)
        row.update(torch_ms=tt, ratio=tt / tk, grads_agree=bool(agree))
        line += f"  torch {tt:8.2f} ms  torch/kiln {tt / tk:5.2f}x  grads agree: {agree}"
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([row], f, indent=1)


if __name__ == "__main__":
    main()
