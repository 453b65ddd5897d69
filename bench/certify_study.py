#!/usr/bin/env python3
"""How much of a Langevin step's forward pass could a rigorous bound skip?

In a trained basin about 62-66 % of the rows are satisfied (y f >= 1): their
hinge derivative is zero and they add exact zeros to the loss and gradient,
but finding out costs each of them a forward pass, about half of a basin step
(docs/performance.md, "Where the time goes").  A row whose margin y f - 1 at a
reference step exceeds a bound on how far f can have moved since then is
still satisfied, and its forward pass could be skipped.  This study measures,
on bench_glassvm's basin fixtures (an SGD quench, then Langevin at T = 1e-4
with the benchmark's lr = 1e-3 on P = 60000), the fraction of rows such a
bound would certify k steps after a reference step.

The bound, per row x, between the reference weights W and W' = W + dW:
    |f(W', x) - f(W, x)| <= delta_L,
    delta_l = ||W'_l||_2 delta_{l-1} + ||dW_l||_F ||h_{l-1}(x)||,  delta_0 = 0
(each ReLU is 1-Lipschitz; ||dW||_F bounds ||dW||_2 at O(N) cost), plus the
float32 rounding of both evaluations: each layer's products err by at most
gamma_K |W| |h| (K = the layer's inputs, gamma_K = K u / (1 - K u),
u = 2^-24; Higham, Accuracy and Stability of Numerical Algorithms, 3.5),
whose norm is at most gamma_K ||W_l||_F ||h_{l-1}||, and the weights' own
rounding to float32 (u ||W_l||_F), propagated as delta.  Spectral norms are
taken from an SVD in float64 (an implementation would need an upper bound
with the solver's error added).  The Langevin trajectory is PyTorch's in
float64 (gradient of the quadratic hinge, Gaussian noise of variance 2 lr T / P
per weight), from the fixture's weights.

    /usr/bin/python3 bench/certify_study.py [--width 30] [--steps 10]
        [--fixtures build-bench] [--lr 1e-3] [--T 1e-4] [--seed 1]

Needs numpy and torch (python3-torch) and the fixtures bench/run.sh builds
(build-bench/bench_data.bin, build-bench/basin_mnist_w<W>_e20.f64).
Prints, for each k, the certified fraction of all rows, then the refresh
interval R (a full forward pass every R steps) that skips the most forward
rows on average, and that average.
"""
import argparse

import numpy as np
import torch

ap = argparse.ArgumentParser(description=__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--width", type=int, default=30)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--fixtures", default="build-bench")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--lr", type=float, default=1e-3)  # bench_glassvm.c's LR
ap.add_argument("--T", type=float, default=1e-4)   # and BASIN_T
a = ap.parse_args()
LR, T, DEPTH = a.lr, a.T, 6  # DEPTH: the benchmark network's hidden layers
U = 2.0 ** -24
torch.set_num_threads(2)
dt = torch.float64

with open(f"{a.fixtures}/bench_data.bin", "rb") as fh:
    P, d = (int(v) for v in np.frombuffer(fh.read(16), dtype=np.int64))
    X = torch.tensor(np.frombuffer(fh.read(4 * P * d), dtype=np.float32).reshape(P, d), dtype=dt)
    y = torch.tensor(np.frombuffer(fh.read(P), dtype=np.int8), dtype=dt)
wv = np.fromfile(f"{a.fixtures}/basin_mnist_w{a.width}_e20.f64", dtype=np.float64)
shapes = [(a.width, d)] + [(a.width, a.width)] * (DEPTH - 1) + [(1, a.width)]
W0, off = [], 0
for s in shapes:
    W0.append(torch.tensor(wv[off:off + s[0] * s[1]].reshape(s)))
    off += s[0] * s[1]
if off != wv.size:
    raise SystemExit(f"certify_study.py: {wv.size} weights in the fixture, the network has {off}")


def forward(Ws):
    h, ins = X, []
    for l, W in enumerate(Ws):
        ins.append(h)
        h = h @ W.T
        if l < len(Ws) - 1:
            h = torch.relu(h)
    return h.squeeze(1), ins


def spec(W):
    return torch.linalg.matrix_norm(W, 2).item()


def gamma(K):
    return K * U / (1 - K * U)


with torch.no_grad():
    f0, ins0 = forward(W0)
hn = [h.norm(dim=1) for h in ins0]  # ||h_{l-1}(x)|| at the reference, per row
margin = y * f0 - 1
sat = margin > 0
fro0 = [W.norm().item() for W in W0]
print(f"w = {a.width}, P = {P}: satisfied {sat.double().mean().item():.4f} of the rows; "
      f"their margins y f - 1, quantiles 10/50/90 %: "
      + " / ".join(f"{q:.3g}" for q in np.quantile(margin[sat].numpy(), [0.1, 0.5, 0.9])))
print("spectral norms of the layers: " + ", ".join(f"{spec(W):.3g}" for W in W0))

# Rounding of the reference evaluation, propagated (rho), row by row.
rho = torch.zeros(P, dtype=dt)
for l, W in enumerate(W0):
    rho = spec(W) * rho + (gamma(W.shape[1]) + U) * fro0[l] * (hn[l] + rho)

gen = torch.Generator().manual_seed(a.seed)
amp = (2 * LR * T / P) ** 0.5
cur, cert = [W.clone() for W in W0], []
print(" k | certified | bound / |df| (median) | satisfied rows not certified")
for k in range(1, a.steps + 1):
    ws = [W.clone().requires_grad_(True) for W in cur]
    f, _ = forward(ws)
    (0.5 * torch.clamp(1 - y * f, min=0).pow(2).mean()).backward()
    with torch.no_grad():
        cur = [W - LR * W.grad + amp * torch.randn(W.shape, generator=gen, dtype=dt) for W in ws]
        delta, rn = torch.zeros(P, dtype=dt), torch.zeros(P, dtype=dt)
        for l, (Wn, Wr) in enumerate(zip(cur, W0)):
            s = spec(Wn)
            # the new evaluation's rounding, on activations within delta + rho of the reference's
            rn = s * rn + (gamma(Wn.shape[1]) + U) * Wn.norm().item() * (hn[l] + delta + rho + rn)
            delta = s * delta + (Wn - Wr).norm().item() * hn[l]
        bound = delta + rho + rn
        ok = sat & (margin > bound)
        f1, _ = forward(cur)
        moved = (f1 - f0).abs()
        cert.append(ok.double().mean().item())
        print(f"{k:2d} | {cert[-1]:.4f} | {(bound / moved.clamp(min=1e-300)).median().item():.3g} | "
              f"{(sat & ~ok).double().mean().item():.4f}")
# Refresh every R steps: step 0 of each cycle runs every row, steps 1..R-1 skip the
# certified ones.
best = max(range(1, a.steps + 2), key=lambda R: sum(cert[:R - 1]) / R)
print(f"best refresh interval R = {best}: {sum(cert[:best - 1]) / best:.4f} of the forward rows "
      f"skipped on average")
