-- Parameters of a glassvm run: protocol chi_sweep, glassvm 0.1.0, 2026-11-29 02:17:05.
-- Re-run it:  glassvm docs/reproduction/chi_sweep/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/chi_sweep.lua --params=docs/reproduction/chi_sweep/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/chi_sweep.lua",
  T = {0.01, 0.003, 0.001, 0.0003, 0.0001, 3e-05, 1e-05, 1e-06},  -- Langevin temperatures
  chis = {30.0, 60.0, 100.0, 300.0, 1000.0, 1500.0},  -- sensitivities chi (at most 16)
  tw = 2000,  -- waiting time after the quench (steps)
  tmax = 5000,  -- longest lag measured (steps)
  per_decade = 16,  -- lags per decade (log-spaced from 1)
  replicas = 3,  -- independent initial conditions
  dataset = "mnist",  -- training set, with the paper's preprocessing
  width = 30,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  lambda = 0.01,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 5000,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  quench_epochs = 1000,  -- SGD epochs before the measurement (the quench)
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
