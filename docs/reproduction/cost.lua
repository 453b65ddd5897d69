-- cost.lua: what one step of the paper-scale runs costs on this machine, for the compute
-- table of docs/reproduction.md (analyse.lua reads the output):
--
--   glassvm docs/reproduction/cost.lua > docs/reproduction/cost.csv
--
-- Per replica, one thread, 2 replicas: an SGD epoch (600 steps of 100 rows, the quench)
-- and a full-batch Langevin step on all 60000 MNIST rows, at w = 30 and w = 72. cpu_s is
-- the process's CPU time (what a core spends, the number to budget with); wall_s the
-- elapsed time, which grows with the machine's other load (given in the header).
local glass = require "glass"
local wall = require("glass.progress").clock
local function load()
  local f = io.open("/proc/loadavg")
  local l = f and f:read("l") or "unknown"
  if f then f:close() end
  return (l:match("^(%S+)")) or l
end
glass.threads(1)
local data = glass.data.mnist{P = 0, seed = 0, test = false}
print(string.format("# glassvm docs/reproduction/cost.lua, %s UTC, load average %s at the start",
  os.date("!%Y-%m-%d %H:%M"), load()))
print("# per replica: item sgd_epoch = one SGD epoch (600 steps, batch 100), langevin_step = one")
print("# full-batch Langevin step; cpu_s: CPU seconds, wall_s: elapsed seconds; one thread")
print("item,width,P,replicas,steps,cpu_s,wall_s")
for _, w in ipairs{30, 72} do
  local land = glass.landscape.network{net = glass.mlp{d = 10, width = w, depth = 6}, data = data}
  local ens = glass.ensemble{landscape = land, replicas = 2, seed = 1}
  local c0, w0 = os.clock(), wall()
  glass.drive(ens, {integrator = glass.sgd{lr = 1e-2, batch = 100, lambda = 1e-2}, to = 600})
  print(string.format("sgd_epoch,%d,60000,2,600,%.4g,%.4g", w, (os.clock() - c0) / 2,
    (wall() - w0) / 2))
  local n = w == 30 and 30 or 8
  c0, w0 = os.clock(), wall()
  glass.drive(ens, {integrator = glass.langevin{lr = 1e-2, T = 1e-4, lambda = 1e-2}, to = 600 + n})
  print(string.format("langevin_step,%d,60000,2,%d,%.4g,%.4g", w, n, (os.clock() - c0) / (2 * n),
    (wall() - w0) / (2 * n)))
  ens:close()
end
print(string.format("# load average %s at the end", load()))
