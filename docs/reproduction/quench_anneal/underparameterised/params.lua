-- Parameters of a glassvm run: protocol quench_anneal, glassvm 0.1.0, 2026-11-29 02:45:44.
-- Re-run it:  glassvm docs/reproduction/quench_anneal/underparameterised/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/quench_anneal.lua --params=docs/reproduction/quench_anneal/underparameterised/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/quench_anneal.lua",
  T = {0.01, 0.003, 0.001, 0.0003, 0.0001, 3e-05, 1e-05, 1e-06, 1e-08, 0.0},  -- Langevin temperatures
  tw = 2000,  -- waiting time after the quench before measuring (steps)
  tmax = 5000,  -- longest lag measured (steps)
  per_decade = 16,  -- lags per decade (log-spaced from 1)
  chi = 500.0,  -- sensitivity chi of the overlap: eps = sigma(t_w)/chi
  replicas = 4,  -- independent initial conditions
  fit_T_min = 0.0003,  -- fit tau90 ~ T^slope over T >= this (the high-T, noise-dominated regime)
  tau_method = "interp",  -- tau from the first lag below threshold (first, the paper's) or interpolated in log t (interp)
  dataset = "mnist",  -- training set, with the paper's preprocessing
  width = 8,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  lambda = 0.0,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 5000,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  quench_epochs = 1000,  -- SGD epochs before the measurement (the quench)
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
