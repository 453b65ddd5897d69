-- Parameters of a glassvm run: protocol msd_batch_sweep, glassvm 0.1.0, 2026-11-29 03:16:18.
-- Re-run it:  glassvm docs/reproduction/msd_batch_sweep/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/msd_batch_sweep.lua --params=docs/reproduction/msd_batch_sweep/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/msd_batch_sweep.lua",
  batches = {1, 4, 16, 64, 256, 1024},  -- SGD batch sizes measured
  tw = 1000,  -- waiting time after the quench (steps)
  tmax = 100000,  -- longest lag measured (steps)
  per_decade = 10,  -- lags per decade (log-spaced from 1)
  replicas = 2,  -- independent initial conditions
  ref_T = 0.1,  -- temperature of the reference level T/(lambda P) (the paper: 0.1)
  dataset = "mnist",  -- training set, with the paper's preprocessing
  width = 30,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  lambda = 0.01,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 0,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  quench_epochs = 700,  -- SGD epochs before the measurement (the quench)
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
