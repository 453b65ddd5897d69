-- Parameters of a glassvm run: protocol ttt_scan, glassvm 0.1.0, 2026-11-29 03:02:17.
-- Re-run it:  glassvm docs/reproduction/ttt_scan/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/ttt_scan.lua --params=docs/reproduction/ttt_scan/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/ttt_scan.lua",
  lambdas = {0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06},  -- L2 strengths scanned
  replicas = 4,  -- initial conditions per lambda
  epochs = 200,  -- SGD epochs
  polish = 50,  -- GD steps at lr, then as many at lr/10
  dataset = "mnist",  -- training set, with the paper's preprocessing
  width = 30,  -- hidden width w (6 hidden layers by default)
  depth = 6,  -- number of hidden layers
  P = 0,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
