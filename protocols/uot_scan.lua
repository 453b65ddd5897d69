-- uot_scan.lua: the under-to-overparameterised transition (the paper's Fig. 1b).
--
-- At λ = 0, train networks of increasing width to a minimum (SGD, then GD at
-- lr and lr/10) and record the final loss against N/P.  Small networks
-- cannot fit the data (finite loss, "jammed"); past N*/P (≈ 0.18 in the
-- paper, at P = 60000) they fit it and the loss falls towards zero.
--
--   glassvm protocols/uot_scan.lua                  reduced scale (~1-2 min)
--   glassvm protocols/uot_scan.lua --preset=paper   widths 30..81, 10 inits, 7000 epochs
--
-- The reduced scale uses P = 5000 rows (so N/P spans 0.02 .. 1 with widths
-- 4 .. 30) and lr = 1e-2 (the paper: 60000 rows, lr = 1e-3).
local glass = require "glass"
local lab = glass.lab

local P = glass.params(lab.extend({
  name = "uot_scan",
  description = "Final training loss vs N/P at lambda = 0 over network widths (paper Fig. 1b).",
  absent = {T = lab.NO_T},
  {"widths", {4, 6, 8, 10, 12, 14, 17, 20, 25, 30}, "hidden widths scanned", min = 1,
   increasing = true},
  {"replicas", 3, "initial conditions per width", min = 1},
  {"epochs", 1000, "SGD epochs", min = 0},
  {"polish", 50, "GD steps at lr, then as many at lr/10", min = 0},
  presets = {
    paper = {widths = {30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81},
             replicas = 10, epochs = 7000, polish = 50, P = 0, lr = 1e-3},
    smoke = {widths = {2, 6}, replicas = 2, epochs = 1, polish = 2, P = 500},
  },
}, lab.network_params{P = 5000, lr = 1e-2, lambda = 0, lr_of = "SGD, then GD's polish",
  omit = {"width", "quench_epochs"}}))

local p = P:parse(arg)
local run = glass.run(p, {sweep = true})
local data = lab.data(p, run)
local Pn = data:size()

local per_init = glass.table{columns = {"width", "N", "N_over_P", "init", "loss", "data_loss",
                                        "accuracy", "lost"}}
local summary = glass.table{columns = {"width", "N", "N_over_P", "loss_mean", "loss_sem",
                                       "loss_geomean", "loss_geo_lo", "loss_geo_hi",
                                       "accuracy_mean", "n", "accuracy_sem"}}
local pts = {}
local points = {}
for _, w in ipairs(p.widths) do
  points[#points + 1] = {w = w, label = string.format("w=%d: ", w)}
end
-- Independent points: under MPI with fewer inits than ranks each rank
-- takes whole points (lab.sweep, docs/cluster.md).
lab.sweep(run, points, function(pt, prun)
  local ens = lab.ensemble(p, data, {width = pt.w})
  local rows = lab.minimise(prun, ens, p, data, p.lambda, pt.label)
  ens:close()
  return rows
end, function(pt, rows)
  local w = pt.w
  local N = lab.nweights(w, p.depth)
  local loss, acc = {}, {}
  for _, r in ipairs(rows) do
    per_init:add_row{width = w, N = N, N_over_P = N / Pn, init = r.replica, loss = r.loss,
                     data_loss = r.data_loss, accuracy = r.accuracy, lost = r.lost}
    loss[#loss + 1], acc[#acc + 1] = r.loss, r.accuracy
  end
  local s = lab.stats(loss)
  -- The geometric mean's error bar: exp(mean ± s.e. of log loss).
  summary:add_row{width = w, N = N, N_over_P = N / Pn, loss_mean = s.mean, loss_sem = s.sem,
                  loss_geomean = s.geomean, loss_geo_lo = s.geo_lo,
                  loss_geo_hi = s.geo_hi, accuracy_mean = lab.stats(acc).mean,
                  accuracy_sem = lab.stats(acc).sem,
                  n = s.n}
  pts[#pts + 1] = {x = N / Pn, y = s.mean, sem = s.sem, geo = s.geomean, geo_hi = s.geo_hi}
  run:log("w = %-3d N = %-6d N/P = %-7.3g final loss %s%s", w, N, N / Pn,
    glass.report.pm(s.mean, s.sem), lab.lost_note(rows))
end)
run:write_csv("final_loss", per_init, {"one row per (width, initial condition), lambda = "
  .. tostring(p.lambda)})
run:write_csv("loss_vs_width", summary, {"mean, standard error and geometric mean over inits; "
  .. "loss_geo_lo, loss_geo_hi = exp(mean of log loss -/+ its standard error), empty with one "
  .. "init or a loss of exactly 0"})

-- The conclusion, computed from the numbers (glass.report.uot_verdict):
-- how far the mean loss falls from the narrowest to the widest network,
-- against the error bars; "inconclusive (reason)" when they do not tell.
local verdict = glass.report.uot_verdict(pts)
run:plot{name = "loss_vs_NP", title = string.format(
    "Under- to overparameterised: final loss vs N/P (λ = %g, P = %d)", p.lambda, Pn),
  xlabel = "N/P", ylabel = "final training loss", logx = true, logy = true, key = "bottom left",
  extra = {"set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05"},
  series = {{file = "final_loss.csv", x = "N_over_P", y = "loss", style = "points", pt = 6,
             ps = 0.8, color = "#9aa7c7", title = "one initial condition"},
            -- An exact zero (every hinge margin >= 1) has no place on the log axis.
            {file = "final_loss.csv", x = "N_over_P", y = "loss", where = {loss = 0},
             yfloor = 1e-16, style = "points", pt = 9, ps = 1.2, color = "#c0392b",
             title = "loss exactly 0 (drawn at 10^{-16})"},
            {file = "loss_vs_width.csv", x = "N_over_P", y = "loss_geomean", color = 0,
             ylow = p.replicas > 1 and "loss_geo_lo" or nil,
             yhigh = p.replicas > 1 and "loss_geo_hi" or nil,
             title = p.replicas > 1 and "geometric mean, ×/÷ geometric s.e." or "geometric mean"}}}
run:finish({verdict})
