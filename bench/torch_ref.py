#!/usr/bin/env python3
"""torch_ref.py: the PyTorch half of issue 6's benchmark (docs/performance.md).

The paper's network, loss and updates written as a typical PyTorch user
would: nn.Sequential of Linear(bias=False) + ReLU, autograd, float32.

  full-batch Langevin step:  w <- w - lr*grad + sqrt(2*lr*T/P) * randn
  SGD epoch:                 torch.randperm shuffle, 600 batches of 100 rows
                             (index slicing, as a DataLoader over a tensor
                             with shuffle=True would give, minus its per-sample
                             collation), torch.optim.SGD

  Langevin in a trained basin: the same steps at T = 1e-4 from the weights
                             bench_glassvm's basin part quenched (--fixtures
                             DIR), both as written above and masked (a
                             forward pass without autograd picks the rows
                             with y f < 1; forward and backward on those
                             only: what a user could write to skip
                             satisfied rows); the faster is reported
  SGD ensemble:              8 replicas, one epoch per timing (as
                             bench_glassvm): a loop over 8 models, or the 8
                             batched with torch.bmm, whichever is faster on
                             a tenth of an epoch

  torch_ref.py --data FILE --setting NAME [--threads n] [--reps n] [--fixtures DIR]

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
import os
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
BASIN_T, BASIN_EPOCHS = 1e-4, 20  # as bench_glassvm.c
SGD_ENS_R, SGD_ENS_EPOCHS = 8, 5


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


def load_weights(model, path):
    """glassvm's weight vector (layers in order, row-major out x in, float64)."""
    w = np.fromfile(path, dtype=np.float64)
    off = 0
    with torch.no_grad():
        for p in model.parameters():
            n = p.numel()
            p.copy_(torch.from_numpy(w[off:off + n].astype(np.float32)).view_as(p))
            off += n
    if off != w.size:
        raise SystemExit(f"torch_ref.py: {path} has {w.size} weights, the network {off}")


def langevin_step_masked(model, X, y, amp):
    """The same step, backward only through rows with y f < 1 (the others
    have zero hinge derivative): loss = (1/P) sum over those rows."""
    model.zero_grad()
    with torch.no_grad():
        keep = (y * model(X).squeeze(1)) < 1
    Xk, yk = X[keep], y[keep]
    loss = 0.5 * torch.clamp(1 - yk * model(Xk).squeeze(1), min=0).pow(2).sum() / X.shape[0]
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(p.grad, alpha=-LR)
            p.add_(torch.randn_like(p), alpha=amp)
    return loss


def ens_weights(R, d, w, depth=6):
    """R replicas' weights as [R, out, in] tensors, PyTorch's default init."""
    Ws, fan_in = [], d
    for out in [w] * depth + [1]:
        b = 1 / math.sqrt(fan_in)
        Ws.append(((torch.rand(R, out, fan_in) * 2 - 1) * b).requires_grad_())
        fan_in = out
    return Ws


def ens_forward(Ws, xb):
    """xb [R, B, d] -> outputs [R, B] through every replica's network."""
    h = xb
    for W in Ws[:-1]:
        h = torch.relu(torch.bmm(h, W.transpose(1, 2)))
    return torch.bmm(h, Ws[-1].transpose(1, 2)).squeeze(2)


def sgd_epoch_bmm(Ws, X, y, R):
    """One epoch of R replicas batched with torch.bmm: each replica its own
    permutation; loss = sum over replicas of each replica's batch mean."""
    P = X.shape[0]
    perms = torch.stack([torch.randperm(P) for _ in range(R)])
    for b in range(P // BATCH):
        idx = perms[:, b * BATCH:(b + 1) * BATCH]
        out = ens_forward(Ws, X[idx])
        loss = (0.5 * torch.clamp(1 - y[idx] * out, min=0).pow(2)).mean(1).sum()
        for W in Ws:
            W.grad = None
        loss.backward()
        with torch.no_grad():
            for W in Ws:
                W.add_(W.grad, alpha=-LR)


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
    ap.add_argument("--fixtures", default="", help="bench_glassvm's --fixtures dir (basin rows)")
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
    # Langevin in the trained basin, from glassvm's quenched weights.
    tag = "mnist" if P == 60000 else "random"
    amp = math.sqrt(2 * LR * BASIN_T / P)
    for w in (30, 72):
        path = f"{args.fixtures}/basin_{tag}_w{w}_e{BASIN_EPOCHS}.f64"
        if not args.fixtures or not os.path.exists(path):
            print(f"# no basin weights {path}: run bench_glassvm --fixtures DIR basin first")
            continue
        best = None
        for how, step in (("plain", langevin_step), ("masked", langevin_step_masked)):
            model = make_net(d, w)
            load_weights(model, path)
            t = timed(lambda: [step(model, X, y, amp) for _ in range(3)], args.reps, 3)
            print(f"# basin w={w} {how}: median {1e3 * statistics.median(t):.3g} ms")
            if best is None or statistics.median(t) < statistics.median(best[1]):
                best = (how, t)
        print(f"# basin w={w}: reported {best[0]}")
        emit("basin_langevin_ms", impl, w, P, nt, "ms", [1e3 * v for v in best[1]])
    # SGD of an 8-replica ensemble: a loop over models, or batched with bmm.
    for w in (30, 72):
        models = [make_net(d, w) for _ in range(SGD_ENS_R)]
        opts = [torch.optim.SGD(m.parameters(), lr=LR) for m in models]
        Ws = ens_weights(SGD_ENS_R, d, w)
        loop = lambda rows: [sgd_epoch(m, o, X[:rows], y[:rows]) for m, o in zip(models, opts)]
        bmm = lambda rows: sgd_epoch_bmm(Ws, X[:rows], y[:rows], SGD_ENS_R)
        # Trial on a tenth of an epoch each (2nd of 2 runs), then whole
        # epochs with the faster (the slower can take minutes).
        trial = {}
        for name, fn in (("loop", loop), ("bmm", bmm)):
            trial[name] = timed(lambda: fn(P // 10), 1, 1)[0]
        how = min(trial, key=trial.get)
        print(f"# sgd ensemble w={w}: tenth of an epoch: loop {trial['loop']:.3g} s, bmm "
              f"{trial['bmm']:.3g} s; timing {how}")
        fn = loop if how == "loop" else bmm
        t = timed(lambda: fn(P), SGD_ENS_EPOCHS - 1, 1)
        emit("sgd_ens_rate", impl, w, P, nt, "replica-epochs/s", [SGD_ENS_R / v for v in t])


if __name__ == "__main__":
    main()
