-- paper_cost.lua: how long the paper presets of ageing, quench_anneal and ttsp would take
-- on this machine, from the cost of their steps measured here (seconds: 7.6 s here):
--
--   glassvm bench/paper_cost.lua [--threads=N]
--
-- It times, on all of MNIST with the paper's network (w = 30, 6 hidden layers), on the
-- threads a run would use: a full-batch Langevin step per replica (50 replicas, as the
-- presets, from the initial weights, where every row is unsatisfied) and an SGD epoch
-- per replica (batch 100). The whole runs are then counted in those units: the quench
-- (7000 epochs), each temperature's Langevin run to t_w + t_max, and the T = 0 gradient
-- descent each protocol adds (the same cost per step as Langevin). In a trained basin
-- most rows are satisfied and a full-batch step takes about two thirds of its cost
-- from the initial weights (docs/performance.md), so each estimate is a range: basin
-- to initial weights. A machine shared with other work is slower in proportion.
local glass = require "glass"
local clock = require("glass.progress").clock
local threads = tonumber((table.concat(arg, " "):match("%-%-threads=(%d+)")))
if threads then glass.threads(threads) end
local R = 50
local data = glass.data.mnist{}
local land = glass.landscape.network{net = glass.mlp{d = 10, width = 30, depth = 6}, data = data}

local function per_replica(integ, steps)
  local ens = glass.ensemble{landscape = land, replicas = R, seed = 1}
  ens:run{integrator = integ, steps = 1} -- warm-up: workspaces, first-use checks
  local t = clock()
  ens:run{integrator = integ, steps = steps}
  local dt = (clock() - t) / (R * steps)
  ens:close()
  return dt
end
local step = per_replica(glass.langevin{lr = 1e-3, T = 1e-6, lambda = 1e-2}, 4)
local epoch = per_replica(glass.sgd{lr = 1e-3, batch = 100, lambda = 1e-2}, 600) * 600

print(string.format("glassvm %s on %d threads (OpenBLAS core %s): full-batch step %.2f ms, SGD "
  .. "epoch %.2f ms, per replica (50 replicas, w = 30, P = 60000)", glass.version, glass.threads(),
  glass.build and glass.build.blas_core or "?", 1000 * step,
  1000 * epoch))
local quench = R * 7000 * epoch
local function line(name, what, steps)
  local lo, hi = quench + R * steps * step * 2 / 3, quench + R * steps * step
  print(string.format("%-14s %5.0f to %5.0f h  (quench %.1f h; %s: %.3g replica-steps)", name,
    lo / 3600, hi / 3600, quench / 3600, what, R * steps))
end
local tw_tmax = 20000 + 300000
line("ageing", "Langevin to 1.5e5 + 3e5, drift check 2e4 + 3e5", 450000 + tw_tmax)
line("quench_anneal", "13 T > 0 and T = 0, each to 2e4 + 3e5", 14 * tw_tmax)
line("ttsp", "7 T and the T = 0 companion, each to 2e4 + 3e5", 8 * tw_tmax)
