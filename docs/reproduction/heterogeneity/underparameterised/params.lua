-- Parameters of a glassvm run: protocol heterogeneity, glassvm 0.1.0, 2026-11-29 02:40:03.
-- Re-run it:  glassvm docs/reproduction/heterogeneity/underparameterised/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/heterogeneity.lua --params=docs/reproduction/heterogeneity/underparameterised/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/heterogeneity.lua",
  T = {0.001, 0.0001, 1e-05, 1e-06},  -- Langevin temperatures
  tw = 2000,  -- waiting time after the quench (steps)
  tmax = 10000,  -- longest lag measured (steps)
  hist_lags = {100, 1000, 10000},  -- lags at which the log10|dw| histogram is taken
  bins = 100,  -- histogram bins over [hist_min, hist_max) of log10|dw|
  hist_min = -10.0,  -- lower edge of the histogram (log10|dw|)
  hist_max = 0.0,  -- upper edge of the histogram (log10|dw|)
  per_decade = 12,  -- lags per decade (log-spaced from 1)
  chi = 500.0,  -- sensitivity chi of Q (for chi4): eps = sigma(t_w)/chi
  replicas = 6,  -- independent initial conditions (chi4 needs several)
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
