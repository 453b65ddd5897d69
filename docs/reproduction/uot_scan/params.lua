-- Parameters of a glassvm run: protocol uot_scan, glassvm 0.1.0, 2026-11-29 02:56:46.
-- Re-run it:  glassvm docs/reproduction/uot_scan/params.lua [--out=DIR] [--name=value ...]
--         or: glassvm protocols/uot_scan.lua --params=docs/reproduction/uot_scan/params.lua [...]
local params = glass.protocol_params {
  protocol = "protocols/uot_scan.lua",
  widths = {4, 6, 8, 10, 12, 14, 17, 20, 25, 30},  -- hidden widths scanned
  replicas = 3,  -- initial conditions per width
  epochs = 10000,  -- SGD epochs
  polish = 50,  -- GD steps at lr, then as many at lr/10
  dataset = "mnist",  -- training set, with the paper's preprocessing
  depth = 6,  -- number of hidden layers
  lambda = 0,  -- L2 strength λ of the loss (λ/2)|W|²
  P = 5000,  -- training rows used, a seeded random subset (0: all 60000)
  lr = 0.01,  -- learning rate μ (SGD, GD and Langevin)
  batch = 100,  -- SGD batch size
  seed = 1,  -- random seed (every result is a pure function of it)
}
return params
