#!/usr/bin/env python3
"""torch_ageing.py: the main job (protocols/ageing.lua at its defaults) in PyTorch.

The end-to-end row of the benchmark (docs/performance.md): what a PyTorch
user writes to get the same tau90 table as `./run.sh main`:

  - P = 5000 training rows (a seeded random subset of the preprocessed MNIST
    that `bench_glassvm --dump` writes), network 10-30x6-1 without biases,
    the quadratic hinge loss plus (lambda/2)|w|^2 with lambda = 1e-2;
  - 3 replicas, one after the other (nn.Sequential, PyTorch's default init;
    this PyTorch's torch.bmm is slower than a loop on these shapes);
  - quench: 1000 epochs of SGD, batch 100, lr = 1e-2, a fresh permutation
    per replica and epoch;
  - then Langevin at T = 1e-6 (noise sqrt(2 lr T / P) per weight per step)
    (gradient of the loss with the L2 term) for max(t_w) + t_max = 13000 steps; at each t_w in {100, 300, 1000, 3000,
    10000} (steps after the quench) a reference copy of each replica's
    weights and sigma (population standard deviation of all its N weights);
    at t_w + t for the lags t = glass.schedule.log{1, 3000, 16 per decade},
    Q_r = fraction of weights with |w - w(t_w)| <= sigma_r / chi, chi = 300;
  - tau90 and tau_e of the replica-mean Q(t) per t_w, interpolated in log t
    (glass.analysis.tau90 with method = "interp"), written to tau.csv;
  - the main job's drift check (--drift_check, on by default there): gradient
    descent (T = 0) from the same quenched networks to the first t_w's last
    lag (t_w[0] + t_max = 3100 steps at the defaults), its tau90 at t_w[0] printed beside
    the T > 0 one (--no-drift-check leaves it out).

  torch_ageing.py --data FILE [--out DIR] [--threads n] [--quench-epochs n] ...

It does not plot.  The numbers differ from glassvm's (other random numbers,
other subset); the work is the same.
"""
import argparse
import math
import os
import sys
import time

try:
    import torch
except ImportError as exc:
    print(f"# PyTorch not installed ({exc})")
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ref import hinge_loss as hinge, load, make_net  # noqa: E402


def log_schedule(first, last, per_decade):
    """glass.schedule.log{first, last, per_decade} (src/gv_sched.c)."""
    jlo = math.floor(math.log10(first) * per_decade) - 1
    jhi = math.ceil(math.log10(last) * per_decade) + 1
    s = {first, last}
    for j in range(int(jlo), int(jhi) + 1):
        v = round(10 ** (j / per_decade))
        if first <= v <= last:
            s.add(int(v))
    return sorted(s)


def tau(t, q, thr):
    """First lag below thr, interpolated in log t from the last point above
    (glass.analysis.tau, method "interp"); NaN when not reached or already
    below at the first lag."""
    for i, qi in enumerate(q):
        if qi < thr:
            if i == 0:
                return float("nan")
            tj, qj, ti = t[i - 1], q[i - 1], t[i]
            f = (qj - thr) / (qj - qi)
            if tj == 0:
                return tj + f * (ti - tj)
            return math.exp(math.log(tj) + f * (math.log(ti) - math.log(tj)))
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--P", type=int, default=5000)
    ap.add_argument("--width", type=int, default=30)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--lam", type=float, default=1e-2)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--quench-epochs", type=int, default=1000)
    ap.add_argument("--T", type=float, default=1e-6)
    ap.add_argument("--tw", default="100,300,1000,3000,10000")
    ap.add_argument("--tmax", type=int, default=3000)
    ap.add_argument("--per-decade", type=float, default=16)
    ap.add_argument("--chi", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-drift-check", dest="drift", action="store_false")
    a = ap.parse_args()
    t_start = time.perf_counter()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    Xall, yall = load(a.data)
    sub = torch.randperm(Xall.shape[0])[:a.P] if 0 < a.P < Xall.shape[0] else torch.arange(Xall.shape[0])
    X, y = Xall[sub].contiguous(), yall[sub].contiguous()
    P, d = X.shape
    R = a.replicas

    # Each replica in turn: its own network and optimiser (a loop over
    # replicas: this PyTorch's torch.bmm is far slower than its matmul on
    # these shapes, see docs/performance.md).
    tws = [int(v) for v in a.tw.split(",")]
    lags = log_schedule(1, a.tmax, a.per_decade)
    events = {}
    for tw in tws:
        events.setdefault(tw, []).append((tw, 0))
        for t in lags:
            events.setdefault(tw + t, []).append((tw, t))
    last = max(tws) + a.tmax
    amp = math.sqrt(2 * a.lr * a.T / P)
    spe = P // a.batch
    Qr = {}  # (tw, t) -> list over replicas

    def step(model, params, amp):
        # One full-batch step of the loss with the L2 term, plus noise of amplitude amp.
        model.zero_grad()
        hinge(model(X), y).backward()
        with torch.no_grad():
            for p in params:
                p.add_(p.grad + a.lam * p, alpha=-a.lr)
                if amp > 0:
                    p.add_(torch.randn_like(p), alpha=amp)

    Q0r = {}  # the drift check's: t -> list over replicas
    t_quench = 0.0
    for r in range(R):
        model = make_net(d, a.width, a.depth)
        params = list(model.parameters())
        # Quench: SGD on (1/B) sum hinge + (lambda/2)|w|^2 (weight_decay adds lambda w).
        opt = torch.optim.SGD(params, lr=a.lr, weight_decay=a.lam)
        t0 = time.perf_counter()
        for _ in range(a.quench_epochs):
            perm = torch.randperm(P)
            for b in range(spe):
                idx = perm[b * a.batch:(b + 1) * a.batch]
                opt.zero_grad()
                hinge(model(X[idx]), y[idx]).backward()
                opt.step()
        t_quench += time.perf_counter() - t0
        quenched = [p.detach().clone() for p in params] if a.drift else None
        # Langevin with the two-time measurements.
        ref, eps = {}, {}
        for s in range(last + 1):
            if s in events:
                with torch.no_grad():
                    w = torch.cat([p.reshape(-1) for p in params])
                    for tw, t in events[s]:
                        if t == 0:
                            ref[tw] = w.clone()
                            eps[tw] = w.std(unbiased=False).item() / a.chi
                        else:
                            q = ((w - ref[tw]).abs() <= eps[tw]).double().mean().item()
                            Qr.setdefault((tw, t), []).append(q)
            if s == last:
                break
            step(model, params, amp)
        if quenched is None:
            continue
        # The drift check: T = 0 from the quenched weights, the first t_w only.
        with torch.no_grad():
            for p, w0 in zip(params, quenched):
                p.copy_(w0)
        tw0, lagset = tws[0], set(lags)
        for s in range(tw0 + a.tmax + 1):
            if s == tw0 or s - tw0 in lagset:
                with torch.no_grad():
                    w = torch.cat([p.reshape(-1) for p in params])
                    if s == tw0:
                        ref0, eps0 = w.clone(), w.std(unbiased=False).item() / a.chi
                    else:
                        Q0r.setdefault(s - tw0, []).append(((w - ref0).abs() <= eps0).double().mean().item())
            if s == tw0 + a.tmax:
                break
            step(model, params, 0.0)
    t_end = time.perf_counter()
    Q = {k: sum(v) / len(v) for k, v in Qr.items()}

    lines = ["tw,tau90,tau_e"]
    for tw in tws:
        q = [Q[tw, t] for t in lags]
        lines.append(f"{tw},{tau(lags, q, 0.9):.6g},{tau(lags, q, math.exp(-1)):.6g}")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "tau.csv"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print("\n".join("# " + l for l in lines))
    if Q0r:
        q0 = [sum(Q0r[t]) / len(Q0r[t]) for t in lags]
        print(f"# drift check (t_w = {tws[0]}): tau90 = {tau(lags, [Q[tws[0], t] for t in lags], 0.9):.6g} "
              f"at T = {a.T:g}, {tau(lags, q0, 0.9):.6g} at T = 0")
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads: quench "
          f"{t_quench:.1f} s, total {t_end - t_start:.1f} s")


if __name__ == "__main__":
    main()
