-- Parameters of a glassvm run: protocol ttsp, glassvm 0.1.0, 2026-11-29 02:11:48.
-- Re-run it:  glassvm docs/reproduction/ttsp/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/ttsp.lua --params=docs/reproduction/ttsp/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/ttsp.lua",
  T = {0.01, 0.003, 0.001, 0.0003, 0.0001},  -- Langevin temperatures
  tw = 2000,  -- waiting time after the quench (steps)
  tmax = 10000,  -- longest lag, t_f (steps)
  per_decade = 12,  -- lags per decade (log-spaced from 1)
  chi = 300.0,  -- sensitivity chi of the overlap: eps = sigma(t_w)/chi
  replicas = 3,  -- independent initial conditions
  rescale_by = "tau90",  -- the time that rescales t
  fit_from = 1.0,  -- fit the master curve Q ~ (t/tau)^a for t/tau >= this
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
