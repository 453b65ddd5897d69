#!/usr/bin/env python3
"""torch_gpu.py: the PyTorch half of the GPU benchmark (docs/performance.md, "GPU").

The same network and step as bench_gpu (d = 10, 6 hidden layers of width w,
bias-free, ReLU, one output; quadratic hinge + L2; full-batch Langevin
w <- w - lr*grad + sqrt(2*lr*T/P)*randn) on P random rows, float32, TF32 off
(torch.backends.cuda.matmul.allow_tf32 = False: plain fp32 as glassvm), in
three ways, each as replica-steps per second:

  loop    what a user writes: R replicas as R nn.Sequential models, a Python
          loop over them, autograd, an in-place update;
  bmm     the best we could make it: the R replicas' weights as [R, out, in]
          tensors, torch.bmm for every layer, autograd, one update for all;
  graph   bmm captured once in a CUDA graph (torch.cuda.graphs) and replayed,
          removing the launch overhead.

and the GPU's fp32 peak as measured here: an 8192^3 float32 matmul (TF32
off) through cuBLAS, the ceiling the FLOP rates are compared with.

  torch_gpu.py [--P 60000] [--widths 30,72] [--replicas 1,8,64,256]
               [--seconds 1] [--reps 3] [--ways loop,bmm,graph] [--device cuda]

Prints CSV lines metric,impl,w,P,R,unit,median,min,max,n (the format of
bench_gpu), FLOP rates counted as 6*N*P per replica-step.  Exits 3 with
"# PyTorch not installed" when torch cannot be imported.  --device cpu runs
the same code on the CPU (small sizes: a check of the script itself).
"""
import argparse
import statistics
import sys
import time

try:
    import torch
except ImportError as exc:
    print(f"# PyTorch not installed ({exc})")
    sys.exit(3)

LR, TEMP, LAMBDA, D, DEPTH = 1e-3, 1e-2, 1e-2, 10, 6


def ints(s):
    return [int(x) for x in s.split(",") if x]


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def make_data(P, dev):
    g = torch.Generator().manual_seed(11)
    X = torch.randn(P, D, generator=g)
    y = torch.where(X[:, 0] * X[:, 1] + 0.5 * X[:, 2] > 0, 1.0, -1.0)
    return X.to(dev), y.to(dev)


def nweights(w):
    return D * w + (DEPTH - 1) * w * w + w


def init_layers(R, w, dev, seed):
    """Per-replica weights, PyTorch's Linear default U(-1/sqrt(in), 1/sqrt(in))."""
    g = torch.Generator(device=dev).manual_seed(seed)
    dims = [D] + [w] * DEPTH + [1]
    out = []
    for i in range(DEPTH + 1):
        b = 1.0 / dims[i] ** 0.5
        t = (torch.rand(R, dims[i + 1], dims[i], generator=g, device=dev) * 2 - 1) * b
        out.append(t)
    return out


def hinge(f, y):
    return 0.5 * torch.clamp(1 - y * f, min=0) ** 2


# ---- loop: what a user writes --------------------------------------------------

def loop_way(R, w, X, y, dev):
    models = []
    init = init_layers(R, w, dev, 1)
    for r in range(R):
        layers = []
        for i in range(DEPTH + 1):
            lin = torch.nn.Linear(init[i].shape[2], init[i].shape[1], bias=False, device=dev)
            with torch.no_grad():
                lin.weight.copy_(init[i][r])
            layers.append(lin)
            if i < DEPTH:
                layers.append(torch.nn.ReLU())
        models.append(torch.nn.Sequential(*layers))
    amp = (2 * LR * TEMP / X.shape[0]) ** 0.5

    def step():
        for m in models:
            f = m(X).squeeze(1)
            loss = hinge(f, y).mean()
            loss = loss + 0.5 * LAMBDA * sum((p * p).sum() for p in m.parameters())
            m.zero_grad(set_to_none=True)
            loss.backward()
            with torch.no_grad():
                for p in m.parameters():
                    p.add_(p.grad, alpha=-LR)
                    p.add_(torch.randn_like(p), alpha=amp)
    return step


# ---- bmm: replicas batched --------------------------------------------------------

class Batched:
    def __init__(self, R, w, X, y, dev):
        self.W = [t.requires_grad_(True) for t in init_layers(R, w, dev, 1)]
        self.Xb = X.unsqueeze(0).expand(R, -1, -1)  # [R, P, d], no copy
        self.y = y
        self.amp = (2 * LR * TEMP / X.shape[0]) ** 0.5

    def step(self):
        a = self.Xb
        for i, W in enumerate(self.W):
            a = torch.bmm(a, W.transpose(1, 2))
            if i < DEPTH:
                a = torch.relu(a)
        f = a.squeeze(2)  # [R, P]
        # The sum over replicas of each replica's loss: its gradient is every
        # replica's own gradient.
        loss = hinge(f, self.y).mean(dim=1).sum()
        loss = loss + 0.5 * LAMBDA * sum((W * W).sum() for W in self.W)
        grads = torch.autograd.grad(loss, self.W)
        with torch.no_grad():
            for W, g in zip(self.W, grads):
                W.add_(g, alpha=-LR)
                W.add_(torch.randn_like(W), alpha=self.amp)


def bmm_way(R, w, X, y, dev):
    return Batched(R, w, X, y, dev).step


def graph_way(R, w, X, y, dev):
    if dev.type != "cuda":
        return None
    b = Batched(R, w, X, y, dev)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm-up on a side stream, as the docs ask
        for _ in range(3):
            b.step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        b.step()
    return g.replay


WAYS = {"loop": loop_way, "bmm": bmm_way, "graph": graph_way}


def measure(step, R, seconds, reps, dev):
    step()  # warm-up
    sync(dev)
    t = time.perf_counter()
    step()
    sync(dev)
    per = time.perf_counter() - t
    n = max(2, int(seconds / per)) if per > 0 else 2
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(n):
            step()
        sync(dev)
        rates.append(n * R / (time.perf_counter() - t))
    return rates, n


def fp32_peak(dev, reps):
    n = 8192 if dev.type == "cuda" else 1024
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    rates = []
    for i in range(reps + 2):
        sync(dev)
        t = time.perf_counter()
        for _ in range(5):
            c = a @ b
        sync(dev)
        dt = time.perf_counter() - t
        if i >= 2:  # two warm-ups
            rates.append(5 * 2 * n ** 3 / dt / 1e12)
    del c
    return rates, n


def line(metric, impl, w, P, R, unit, xs):
    print(f"{metric},{impl},{w},{P},{R},{unit},{statistics.median(xs):.6g},{min(xs):.6g},"
          f"{max(xs):.6g},{len(xs)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--P", type=int, default=60000)
    ap.add_argument("--widths", type=ints, default=[30, 72])
    ap.add_argument("--replicas", type=ints, default=[1, 8, 64, 256])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ways", default="loop,bmm,graph")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    dev = torch.device(args.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print("# torch sees no CUDA device")
        return 3
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    ways = [x for x in args.ways.split(",") if x]
    for x in ways:
        if x not in WAYS:
            ap.error(f"unknown way {x} (ways: {', '.join(WAYS)})")
    print("metric,impl,w,P,R,unit,median,min,max,n")
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    print(f"# torch {torch.__version__} on {name}, TF32 off")
    peak, n = fp32_peak(dev, args.reps)
    line("fp32_peak", f"torch-matmul{n}", 0, 0, 0, "TFLOP/s", peak)
    X, y = make_data(args.P, dev)
    for w in args.widths:
        flop = 6.0 * nweights(w) * args.P / 1e9
        for R in args.replicas:
            for way in ways:
                try:
                    step = WAYS[way](R, w, X, y, dev)
                    if step is None:
                        continue
                    rates, n = measure(step, R, args.seconds, args.reps, dev)
                except torch.cuda.OutOfMemoryError:
                    print(f"# {way} w={w} R={R}: out of GPU memory", flush=True)
                    continue
                finally:
                    if dev.type == "cuda":
                        torch.cuda.empty_cache()
                line("replica_steps", f"torch-{way}", w, args.P, R, "1/s", rates)
                line("flops", f"torch-{way}", w, args.P, R, "GFLOP/s", [r * flop for r in rates])
                print(f"# {way} w={w} R={R}: {n} steps per timed run", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
