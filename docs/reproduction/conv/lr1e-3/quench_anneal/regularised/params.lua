-- Parameters of a glassvm run: protocol quench_anneal, glassvm 0.1.0.
-- Re-run it:  glassvm DIR/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm /work/main/protocols/quench_anneal.lua --params=DIR/params.lua [...]
-- The protocol is protocol_file if it exists, else a file of that name next to
-- this one, else quench_anneal.lua among glassvm's protocols (glass.paths.protocols).
local params = glass.protocol_params {
  protocol = "quench_anneal",
  protocol_file = "/work/main/protocols/quench_anneal.lua",
  T = {3e-05, 1e-05, 0.0},  -- Langevin temperatures
  tw = 20000,  -- waiting time after the quench before measuring (steps)
  tmax = 20000,  -- longest lag measured (steps)
  per_decade = 16,  -- lags per decade (log-spaced from 1)
  chi = 300.0,  -- sensitivity chi of the overlap: eps = sigma(t_w)/chi
  replicas = 4,  -- independent initial conditions
  fit_T_min = 0.0003,  -- fit tau90 ~ T^slope over T >= this (the high-T, noise-dominated regime)
  tau_method = "interp",  -- tau estimator: first (the first lag where the replica-mean Q is below, the paper's), interp (the replica-mean Q interpolated in log t), per_replica (the authors': each replica's first lag below, none if that is the first lag or < 4 steps, mean over replicas, none if any replica has none), per_replica_found (the same over the replicas that have one) or of_mean (first, with the tau_replicas rules)
  dataset = "mnist",  -- training set, with the paper's preprocessing: mnist, fashion (Fashion-MNIST) or cifar10 (CIFAR-10's binary batches, which glassvm cannot fetch: docs/datasets.md)
  width = 30,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  lambda = 0.01,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 5000,  -- training rows used, a seeded random subset (0: all: 60000 of MNIST, 50000 of CIFAR-10)
  lr = 0.001,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  quench_epochs = 10000,  -- SGD epochs before the measurement (the quench)
  noise = "common",  -- Langevin noise across sweep points: independent (point k runs with seed glass.rng.subseed(seed, k)) or common (every point reuses the seed's stream: common random numbers, points correlated)
  seed = 2,  -- random seed (same seed, machine and build: bit-identical results)
}
return params
