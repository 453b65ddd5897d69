-- Parameters of a glassvm run: protocol ageing, glassvm 0.1.0, 2026-11-29 02:34:13.
-- Re-run it:  glassvm docs/reproduction/ageing/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/ageing.lua --params=docs/reproduction/ageing/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/ageing.lua",
  T = 1e-06,  -- Langevin temperature (of the summed loss P*L)
  tw = {300, 1000, 2000, 5000, 10000, 15000, 30000},  -- waiting times after the quench (steps)
  tmax = 10000,  -- longest lag t measured from each t_w (steps)
  per_decade = 16,  -- lags per decade (log-spaced from 1)
  chi = 300.0,  -- sensitivity chi of the overlap: eps = sigma(t_w)/chi
  replicas = 4,  -- independent initial conditions
  tau_method = "interp",  -- tau90 from the first lag below 0.9 (first, the paper's) or interpolated in log t (interp)
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
