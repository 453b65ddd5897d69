-- ttt_scan.lua: the topology-trivialisation transition (the paper's Fig. 1c).
--
-- At fixed width, train to a minimum for each L2 strength λ: SGD, then
-- gradient descent at lr and at lr/10 (the "polish").  Below λ* the network
-- fits part of the data; above λ* the L2 term wins and every weight decays
-- to zero, the trivial minimum f = 0, whose loss is exactly ½ (every sample
-- has hinge loss ½·1²).  Each replica is one initial condition; replica r
-- starts from the same weights at every λ.
--
--   glassvm protocols/ttt_scan.lua                  reduced scale (~1-2 min)
--
-- The reduced scale trains on all 60000 rows for 20 epochs at lr = 1e-2
-- (the paper: 7000 epochs at 1e-3); the collapse above λ* needs lr·λ·steps
-- well above 1, which 12000 steps at lr = 1e-2 give for λ >~ 0.02.
--   glassvm protocols/ttt_scan.lua --preset=paper   20 inits, 7000 epochs (a cluster job)
local glass = require "glass"
local lab = glass.lab

local P = glass.params(lab.extend({
  name = "ttt_scan",
  description = "Final training loss vs the L2 strength lambda at fixed width: the jump to the "
    .. "trivial loss 1/2 above lambda* (paper Fig. 1c).",
  absent = {T = lab.NO_T},
  {"lambdas", {0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06},
   "L2 strengths scanned", min = 0, increasing = true},
  {"replicas", 3, "initial conditions per lambda", min = 1},
  {"epochs", 20, "SGD epochs", min = 0},
  {"polish", 50, "GD steps at lr, then as many at lr/10", min = 0},
  presets = {
    paper = {lambdas = {0, 0.01, 0.013, 0.016, 0.019, 0.022, 0.025, 0.028, 0.031, 0.034, 0.037,
                        0.04, 0.043, 0.046, 0.049, 0.052},
             replicas = 20, epochs = 7000, polish = 50, P = 0, lr = 1e-3},
    smoke = {lambdas = {0, 0.1}, replicas = 2, epochs = 1, polish = 2, P = 500, width = 8},
  },
}, lab.network_params{P = 0, lr = 1e-2, lr_of = "SGD, then GD's polish",
  omit = {"lambda", "quench_epochs"}}))

local p = P:parse(arg)
local run = glass.run(p, {sweep = true})
local data = lab.data(p, run)
local Pn = data:size()
local N = lab.nweights(p.width, p.depth)
run:log("system: w = %d, N = %d, P = %d, N/P = %.3g; %d inits per lambda", p.width, N, Pn,
  N / Pn, p.replicas)

local per_init = glass.table{columns = {"lambda", "init", "loss", "data_loss", "accuracy", "lost"}}
local summary = glass.table{columns = {"lambda", "loss_mean", "loss_sem", "loss_geomean",
                                       "data_loss_mean", "accuracy_mean", "n", "data_loss_sem",
                                       "accuracy_sem", "loss_geo_lo", "loss_geo_hi"}}
local means = {}
local points = {}
for _, lambda in ipairs(p.lambdas) do
  points[#points + 1] = {lambda = lambda, label = string.format("lambda=%g: ", lambda)}
end
-- Independent points: under MPI with fewer inits than ranks each rank
-- takes whole points (lab.sweep, docs/cluster.md).
lab.sweep(run, points, function(pt, prun)
  local ens = lab.ensemble(p, data)
  local rows = lab.minimise(prun, ens, p, data, pt.lambda, pt.label)
  ens:close()
  return rows
end, function(pt, rows)
  local lambda = pt.lambda
  local loss, dl, acc, n_half, n_above, max = {}, {}, {}, 0, 0, -math.huge
  for _, r in ipairs(rows) do
    -- (a lost init's loss is NaN: neither)
    if math.abs(r.loss - 0.5) <= 0.005 then n_half = n_half + 1 end
    if r.loss - 0.5 > 0.005 then n_above = n_above + 1 end
    if r.loss > max then max = r.loss end
    per_init:add_row{lambda = lambda, init = r.replica, loss = r.loss, data_loss = r.data_loss,
                     accuracy = r.accuracy, lost = r.lost}
    loss[#loss + 1], dl[#dl + 1], acc[#acc + 1] = r.loss, r.data_loss, r.accuracy
  end
  local s, sd, sa = lab.stats(loss), lab.stats(dl), lab.stats(acc)
  summary:add_row{lambda = lambda, loss_mean = s.mean, loss_sem = s.sem, loss_geomean = s.geomean,
                  data_loss_mean = sd.mean, accuracy_mean = sa.mean, n = s.n,
                  data_loss_sem = sd.sem, accuracy_sem = sa.sem, loss_geo_lo = s.geo_lo,
                  loss_geo_hi = s.geo_hi}
  means[#means + 1] = {lambda = lambda, loss = s.mean, sem = s.sem, n = s.n, n_half = n_half,
                       n_above = n_above, max = max}
  -- The s.e. to two significant digits: a fixed "%.4f" showed 5e-6 as 0.0000.
  run:log("lambda = %-6g final loss %s (%d init%s)%s", lambda, glass.report.pm(s.mean, s.sem,
    "%.4f", "%.2g"), s.n, s.n == 1 and "" or "s", lab.lost_note(rows))
end)
run:write_csv("final_loss", per_init, {"one row per (lambda, initial condition); loss includes "
  .. "(lambda/2)|W|^2; lost = 1 if the run diverged"})
run:write_csv("loss_vs_lambda", summary, {"mean, standard error (*_sem; empty with one init) and "
  .. "geometric mean over inits; loss_geo_lo, loss_geo_hi = exp(mean of log loss -/+ its "
  .. "standard error), empty with one init or a loss of exactly 0"})

-- λ*, computed from the numbers (glass.report.ttt_verdict): between the
-- last λ whose mean loss is resolved below ½ and the first of the final run
-- resolved at ½ (mean ± 2 s.e. within 0.005 of it); "inconclusive (reason)"
-- when the scan does not show that (every λ at ½, or an init's loss or a mean
-- above ½: not converged).
local verdict = glass.report.ttt_verdict(means)
run:plot{name = "loss_vs_lambda", title = string.format(
    "Topology trivialisation: final loss vs λ (w = %d, N/P = %.2g)", p.width, N / Pn),
  xlabel = "λ", ylabel = "final training loss", key = "outside right top",
  extra = {"set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05"},
  series = {{file = "final_loss.csv", x = "lambda", y = "loss", style = "points", pt = 6, ps = 0.8,
             color = "#9aa7c7", title = "one initial condition"},
            {file = "loss_vs_lambda.csv", x = "lambda", y = "loss_mean", yerr = "loss_sem",
             color = 0, title = "mean ± s.e."},
            {fn = "0.5", title = "trivial minimum W = 0 (loss ½)", dash = 2, color = "#c0392b"}}}
run:finish({verdict})
