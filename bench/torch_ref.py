#!/usr/bin/env python3
"""torch_ref.py: the PyTorch half of issue 6's benchmark (docs/performance.md).

The paper's network, loss and updates written as a typical PyTorch user
would: nn.Sequential of Linear(bias=False) + ReLU, autograd, float32.

  full-batch Langevin step:  w <- w - lr*grad + sqrt(2*lr*T/P) * randn
  SGD epoch:                 torch.randperm shuffle, 600 batches of 100 rows
                             (index slicing, as a DataLoader over a tensor
                             with shuffle=True would give, minus its per-sample
                             collation), torch.optim.SGD

  torch_ref.py --data FILE --setting NAME [--threads n] [--reps n] [--quick]

FILE is written by `bench_glassvm --dump FILE dump` (the same preprocessed
rows glassvm trains on).  --threads calls torch.set_num_threads(n) (the
"best" setting; OpenBLAS's own threads are set by OPENBLAS_NUM_THREADS in the
environment, which only works before the process starts).  Prints the same
CSV lines as bench_glassvm (metric,impl,w,P,threads,unit,median,min,max,n)
with impl = torch_<setting>.  Exits with status 3 and the line
"# PyTorch not installed" when torch cannot be imported.
"""
import argparse
import math
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as exc:  # the benchmark reports the rest without PyTorch
    print(f"# PyTorch not installed ({exc})")
    sys.exit(3)

LR, TEMP, BATCH = 1e-3, 1e-2, 100
WIDTHS = (30, 50, 72, 82)


def load(path):
    with open(path, "rb") as f:
        P, d = np.frombuffer(f.read(16), dtype=np.int64)
        X = np.frombuffer(f.read(4 * P * d), dtype=np.float32).reshape(P, d)
        y = np.frombuffer(f.read(P), dtype=np.int8)
    return torch.from_numpy(X.copy()), torch.from_numpy(y.astype(np.float32))


def make_net(d, w, depth=6):
    layers, fan_in = [], d
    for _ in range(depth):
        layers += [nn.Linear(fan_in, w, bias=False), nn.ReLU()]
        fan_in = w
    layers.append(nn.Linear(fan_in, 1, bias=False))
    return nn.Sequential(*layers)


def hinge_loss(out, y):
    # (1/P) sum 1/2 max(0, 1 - y f)^2, the paper's quadratic hinge
    return 0.5 * torch.clamp(1 - y * out.squeeze(1), min=0).pow(2).mean()


def langevin_step(model, X, y, amp):
    model.zero_grad()
    loss = hinge_loss(model(X), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(p.grad, alpha=-LR)
            p.add_(torch.randn_like(p), alpha=amp)
    return loss


def sgd_epoch(model, opt, X, y):
    P = X.shape[0]
    perm = torch.randperm(P)
    for b in range(P // BATCH):
        idx = perm[b * BATCH:(b + 1) * BATCH]
        xb, yb = X[idx], y[idx]
        opt.zero_grad()
        loss = hinge_loss(model(xb), yb)
        loss.backward()
        opt.step()


def timed(fn, reps, per):
    """reps timings of fn() (after one untimed warm-up), each divided by per."""
    fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) / per)
    return t


def emit(metric, impl, w, P, threads, unit, values):
    print(f"{metric},{impl},{w},{P},{threads},{unit},{statistics.median(values):.6g},"
          f"{min(values):.6g},{max(values):.6g},{len(values)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--setting", required=True, help="label: default or best")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    ap.add_argument("--reps", type=int, default=11)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    X, y = load(args.data)
    P, d = X.shape
    nt = torch.get_num_threads()
    impl = f"torch_{args.setting}"
    print(f"# torch {torch.__version__}, torch threads {nt}, setting {args.setting}, "
          f"{args.reps} repetitions")
    amp = math.sqrt(2 * LR * TEMP / P)
    for w in WIDTHS:
        model = make_net(d, w)
        # three steps per timing, as bench_glassvm
        t = timed(lambda: [langevin_step(model, X, y, amp) for _ in range(3)], args.reps, 3)
        emit("langevin_ms", impl, w, P, nt, "ms", [1e3 * v for v in t])
    for w in (30, 72):
        model = make_net(d, w)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        t = timed(lambda: sgd_epoch(model, opt, X, y), min(args.reps, 7), 1)
        emit("sgd_epoch_ms", impl, w, P, nt, "ms", [1e3 * v for v in t])


if __name__ == "__main__":
    main()
