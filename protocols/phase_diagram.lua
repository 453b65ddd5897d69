-- phase_diagram.lua: the (N/P, λ) phase diagram (the paper's Fig. 1a).
--
-- For every width w and L2 strength λ of a grid, train several initial
-- conditions to a minimum (SGD, then GD at lr and lr/10) and record the
-- final training loss; the diagram shows its geometric mean over inits.
-- Three regions appear: underparameterised (small N/P, λ small: finite
-- loss), overparameterised (large N/P, λ = 0: loss near 0) and regularised
-- (λ > 0), which ends at the trivialisation line λ* where the loss is ½.
--
--   glassvm protocols/phase_diagram.lua                  reduced scale (under a minute)
--   glassvm protocols/phase_diagram.lua --preset=paper   18 x 16 grid, 10 inits, 7000 epochs
--
-- The reduced scale uses P = 5000 rows, a 5 x 6 grid, 2 inits, lr = 1e-2.
local glass = require "glass"
local lab = glass.lab

local P = glass.params(lab.extend({
  name = "phase_diagram",
  description = "Final training loss over the (N/P, lambda) plane, geometric mean over "
    .. "initial conditions (paper Fig. 1a).",
  absent = {T = lab.NO_T},
  {"widths", {4, 8, 12, 20, 30}, "hidden widths (the N/P axis)", min = 1, increasing = true},
  {"lambdas", {0, 0.01, 0.02, 0.03, 0.04, 0.05}, "L2 strengths (the lambda axis)", min = 0,
   increasing = true},
  {"replicas", 2, "initial conditions per grid point", min = 1},
  {"epochs", 300, "SGD epochs", min = 0},
  {"polish", 50, "GD steps at lr, then as many at lr/10", min = 0},
  presets = {
    paper = {widths = {30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81},
             lambdas = {0, 0.01, 0.013, 0.016, 0.019, 0.022, 0.025, 0.028, 0.031, 0.034, 0.037,
                        0.04, 0.043, 0.046, 0.049, 0.052},
             replicas = 10, epochs = 7000, polish = 50, P = 0, lr = 1e-3},
    smoke = {widths = {2, 4}, lambdas = {0, 0.1}, replicas = 2, epochs = 1, polish = 2, P = 500},
  },
}, lab.network_params{P = 5000, lr = 1e-2, lr_of = "SGD, then GD's polish",
  omit = {"width", "lambda", "quench_epochs"}}))

local p = P:parse(arg)
local run = glass.run(p, {sweep = true})
local data = lab.data(p, run)
local Pn = data:size()

local per_init = glass.table{columns = {"width", "N_over_P", "lambda", "init", "loss",
                                        "data_loss", "lost"}}
local grid = glass.table{columns = {"width", "N", "N_over_P", "lambda", "loss_geomean",
                                    "loss_mean", "loss_sem", "n", "loss_geo_lo", "loss_geo_hi"}}
-- The grid points, independent: under MPI with fewer inits than ranks each
-- rank takes whole points (lab.sweep, docs/cluster.md).
local points = {}
for _, w in ipairs(p.widths) do
  for _, lambda in ipairs(p.lambdas) do
    points[#points + 1] = {w = w, lambda = lambda,
                           label = string.format("w=%d lambda=%g: ", w, lambda)}
  end
end
lab.sweep(run, points, function(pt, prun)
  local ens = lab.ensemble(p, data, {width = pt.w})
  local rows = lab.minimise(prun, ens, p, data, pt.lambda, pt.label)
  ens:close()
  return rows
end, function(pt, rows)
  local w, lambda = pt.w, pt.lambda
  local N = lab.nweights(w, p.depth)
  local loss = {}
  for _, r in ipairs(rows) do
    per_init:add_row{width = w, N_over_P = N / Pn, lambda = lambda, init = r.replica,
                     loss = r.loss, data_loss = r.data_loss, lost = r.lost}
    loss[#loss + 1] = r.loss
  end
  local s = lab.stats(loss)
  grid:add_row{width = w, N = N, N_over_P = N / Pn, lambda = lambda, loss_geomean = s.geomean,
               loss_mean = s.mean, loss_sem = s.sem, n = s.n, loss_geo_lo = s.geo_lo,
               loss_geo_hi = s.geo_hi}
  local geo = s.geomean ~= s.geomean and "none (no init finished)"
    or s.geo_lo == s.geo_lo and string.format("%.3g [%.3g, %.3g] (×/÷ its s.e.)", s.geomean,
      s.geo_lo, s.geo_hi)
    or string.format("%.3g (one init or a loss of exactly 0: no s.e.)", s.geomean)
  run:log("w = %-3d N/P = %-7.3g lambda = %-6g loss (geometric mean) %s%s", w, N / Pn, lambda,
    geo, lab.lost_note(rows))
end)
run:write_csv("final_loss", per_init, {"one row per (width, lambda, initial condition)"})
run:write_csv("grid", grid, {"geometric mean (and mean, standard error) of the final loss "
  .. "over inits at each grid point; loss_geo_lo, loss_geo_hi = exp(mean of log loss -/+ its "
  .. "standard error), empty with one init or a loss of exactly 0"})

-- The diagram: one square per grid point, coloured by log10 of the loss.
run:plot{name = "phase_diagram", title = string.format(
    "Phase diagram: final loss (geometric mean over %d inits), P = %d", p.replicas, Pn),
  xlabel = "N/P", ylabel = "λ", logx = true, key = "off", cblabel = "final loss", logcb = true,
  extra = {"set offsets graph 0.05, graph 0.05, graph 0.06, graph 0.06", "unset key"},
  series = {{file = "grid.csv", x = "N_over_P", y = "lambda", z = "loss_geomean",
             style = "points", pt = 5, ps = 3.5},
            -- The trivial minimum W = 0 (loss 1/2) is a colour among the near-1/2 losses
            -- of the transition: a cross marks a geometric mean within 0.005 of 1/2 (a
            -- marker, not ttt_scan's verdict, which also needs mean +- 2 s.e. inside that
            -- band; loss_geo_lo/hi in grid.csv give the spread), not a loss above 1/2,
            -- which is training not yet done.
            {file = "grid.csv", x = "N_over_P", y = "lambda",
             where = {loss_geomean = {min = 0.495, max = 0.505}},
             style = "points", pt = 2, ps = 2, color = "#000000"},
            -- A loss of exactly 0 has no colour on the log scale: an open circle.
            {file = "grid.csv", x = "N_over_P", y = "lambda", where = {loss_geomean = 0},
             style = "points", pt = 6, ps = 3, color = "#000000"}}}
run:finish({string.format("%d grid points x %d inits", #p.widths * #p.lambdas, p.replicas)})
