-- Parameters of a glassvm run: protocol phase_diagram, glassvm 0.1.0, 2026-11-29 03:11:11.
-- Re-run it:  glassvm docs/reproduction/phase_diagram/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/phase_diagram.lua --params=docs/reproduction/phase_diagram/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/phase_diagram.lua",
  widths = {4, 6, 8, 10, 12, 14, 17, 20, 25, 30},  -- hidden widths (the N/P axis)
  lambdas = {0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05},  -- L2 strengths (the lambda axis)
  replicas = 3,  -- initial conditions per grid point
  epochs = 1000,  -- SGD epochs
  polish = 50,  -- GD steps at lr, then as many at lr/10
  dataset = "mnist",  -- training set, with the paper's preprocessing
  depth = 6,  -- number of hidden layers
  P = 5000,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
