-- Parameters of a glassvm run: protocol heterogeneity, glassvm 0.1.0.
-- Re-run it:  glassvm DIR/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm /work/runs/glassvm-install3/share/glassvm/protocols/heterogeneity.lua --params=DIR/params.lua [...]
-- The protocol is protocol_file if it exists, else a file of that name next to
-- this one, else heterogeneity.lua among glassvm's protocols (glass.paths.protocols).
local params = glass.protocol_params {
  protocol = "heterogeneity",
  protocol_file = "/work/runs/glassvm-install3/share/glassvm/protocols/heterogeneity.lua",
  T = {3e-05},  -- Langevin temperatures
  tw = 2000,  -- waiting time after the quench (steps)
  tmax = 30000,  -- longest lag measured (steps)
  hist_lags = {2000, 20000},  -- lags at which the log10|dw| histogram is taken
  bins = 100,  -- histogram bins over [hist_min, hist_max) of log10|dw|
  hist_min = -10.0,  -- lower edge of the histogram (log10|dw|)
  hist_max = 0.0,  -- upper edge of the histogram (log10|dw|)
  per_decade = 16,  -- lags per decade (log-spaced from 1)
  chi = 300.0,  -- sensitivity chi of Q (for chi4): eps = sigma(t_w)/chi
  exclude_output = false,  -- leave the output layer's weights out of sigma(t_w) and Q, as the authors' code does (MSD and alpha2 keep every weight)
  replicas = 2,  -- quenched networks (basins); chi4 needs several
  ensemble = "same_basin",  -- same_basin: K noise replicas from each network's weights at t_w (chi4 splits into within- and between-basin parts); independent: the networks themselves
  K = 3,  -- noise replicas per basin (--ensemble=same_basin)
  B = 1000,  -- bootstrap resamples (over basins) for the chi4 peak's interval (0: none)
  dataset = "mnist",  -- training set, with the paper's preprocessing: mnist, fashion (Fashion-MNIST) or cifar10 (CIFAR-10's binary batches, which glassvm cannot fetch: docs/datasets.md)
  width = 30,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  lambda = 0.01,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 0,  -- training rows used, a seeded random subset (0: all: 60000 of MNIST, 50000 of CIFAR-10)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  quench_lr = 0.001,  -- learning rate of the quench's SGD only (0: --lr); SGD's batch noise grows with it, so a quench at a larger lr ends higher in its basin
  batch = 100,  -- SGD batch size
  quench_epochs = 7000,  -- SGD epochs before the measurement (the quench)
  noise = "independent",  -- Langevin noise across sweep points: independent (point k runs with seed glass.rng.subseed(seed, k)) or common (every point reuses the seed's stream: common random numbers, points correlated)
  noise_offset = 4,  -- with --noise=independent, point k runs with glass.rng.subseed(seed, k + noise_offset): give a run that continues another's sweep (same seed, more points) the number of points that run had, so their noise streams differ
  drift_check = false,  -- also run T = 0 (plain gradient descent) from the same networks and say in log.txt where Q decays as at T = 0 (the deterministic drift)
  seed = 1,  -- random seed (same seed, machine and build: bit-identical results)
}
return params
