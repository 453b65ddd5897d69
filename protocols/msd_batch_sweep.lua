-- msd_batch_sweep.lua: the MSD under SGD for a list of batch sizes (the paper's Fig. 5d).
--
-- After an SGD quench (batch `batch`) in the regularised phase, a copy of
-- the quenched ensemble runs SGD at each batch size b and the MSD from t_w
-- is measured.  Small batches are noisy (high MSD); at long times the
-- weights localise in the quadratic well of the L2 term.  The reference
-- line is the MSD plateau of Langevin dynamics at temperature T in the
-- well L = (λ/2)|W|² from an equilibrated start, 2T/(λP): the displacement
-- is the difference of two independent equilibrium draws, each of variance
-- <w²> = T/(λP) (paper Eq. 26; 1.6e-4 for T = 0.1, λ = 1e-2, P = 60000).
-- The paper's Fig. 5d draws <w²> = T/(λP) itself, half the plateau; it is
-- drawn dashed for comparison.
--
-- Each batch size runs with its own SGD shuffles (--noise=independent, the
-- default: seed glass.rng.subseed(seed, k) for the k-th batch size) or all
-- with the run seed's (--noise=common).
--
--   glassvm protocols/msd_batch_sweep.lua                  reduced scale (~1 min)
--
-- The reduced scale keeps all 60000 rows but uses lr = 1e-2 (the paper:
-- 1e-3), so the localisation time 1/(lr λ) is 10^4 steps instead of 10^5.
--   glassvm protocols/msd_batch_sweep.lua --preset=paper   16 batch sizes, lr = 1e-3
local glass = require "glass"
local lab = glass.lab
local report = glass.report

local P = glass.params(lab.extend({
  name = "msd_batch_sweep",
  description = "MSD(t) under SGD for several batch sizes in the regularised phase, with the "
    .. "quadratic-well localisation level (paper Fig. 5d).",
  absent = {T = "its noise is SGD's, set by the batch size (--batches), not a temperature; "
    .. "--ref_T is the temperature of the Langevin reference line"},
  {"batches", {1, 4, 16, 64, 256, 1024}, "SGD batch sizes measured", min = 1, increasing = true},
  {"tw", 1000, "waiting time after the quench (steps)", min = 0},
  {"tmax", 40000, "longest lag measured (steps)", min = 1},
  lab.per_decade_param(10),
  {"replicas", 2, "independent initial conditions", min = 1},
  {"ref_T", 0.1, "temperature of the reference plateau 2T/(lambda P) (the paper: 0.1)", gt = 0},
  {"chi", 300.0, "sensitivity chi of the overlap Q written beside the MSD: eps = sigma(t_w)/chi",
   gt = 0, omit_default = true},
  {check = function(p)
    local rows = p.P > 0 and p.P or lab.train_rows(p)
    for _, b in ipairs(p.batches) do
      if b > rows then
        return string.format("--batches: batch %d is larger than P = %d training rows", b, rows)
      end
    end
  end},
  presets = {
    paper = {batches = {1, 2, 4, 8, 16, 32, 64, 100, 128, 300, 600, 1000, 3000, 6000, 10000, 60000},
             tw = 20000, tmax = 300000, replicas = 10, P = 0, lr = 1e-3, quench_epochs = 7000,
             per_decade = 20},
    smoke = {batches = {1, 50}, tw = 5, tmax = 20, replicas = 2, P = 500, quench_epochs = 1,
             width = 8, per_decade = 5},
  },
}, lab.network_params{P = 0, lr = 1e-2, quench_epochs = 100,
  lr_of = "SGD: the quench and the measured runs",
  batch_of = "batch size of the quench's SGD (the measured ones: --batches)"},
  report.noise_params("SGD shuffles")))

local p = P:parse(arg)
local run = glass.run(p)
local data = lab.data(p, run)
local Pn = data:size()
for _, b in ipairs(p.batches) do
  if b > Pn then glass.run.die(string.format("--batches: batch %d exceeds P = %d rows", b, Pn), true) end
end
local ens = lab.ensemble(p, data)
local t0 = lab.quench(run, ens, p, data)
local noise = report.noise_comment(p, "--batches")
run:log("%s", noise)

local msd = glass.table{columns = {"batch", "t", "msd", "msd_sem", "Q", "n", "Q_sem"}}
local lags = glass.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade}
local finals = {}
for k, b in ipairs(p.batches) do
  local e = ens:clone{seed = report.point_seed(p, k)}
  local sgd = glass.sgd{lr = p.lr, batch = b, lambda = p.lambda}
  local obs = glass.observer.two_time{tw = {t0 + p.tw}, lags = lags, chi = {p.chi}}
  lab.advance(run, e, sgd, t0 + p.tw + p.tmax, {obs}, string.format("SGD batch %d", b))
  local s = obs:table("summary")
  msd:add_rows(s, {batch = b, msd = "msd_mean", Q = "Q_mean"}) -- Q_sem, n: the summary's
  local last = s:row(s:nrows())
  finals[b] = report.pm(last.msd_mean, last.msd_sem)
  run:log("batch %-6d MSD(t = %d) = %s", b, p.tmax, finals[b])
  e:close()
end
run:write_csv("msd", msd, {"SGD at each batch size from the same quenched networks; t: lag "
  .. "after t_w (steps); Q with chi = " .. glass.params.text(p.chi) .. "; msd, Q: means over "
  .. "live replicas (n), *_sem standard errors", noise})

-- Reference: the MSD plateau from an equilibrated start in the harmonic
-- well k = lambda, 2T/(kP); the paper's line is <w^2> = T/(kP) (Eq. 26).
local level = p.lambda > 0 and glass.theory.stationary_variance{T = p.ref_T, P = Pn, k = p.lambda}
  or nil
local curves = glass.plot.curves{file = "msd.csv", x = "t", y = "msd", by = "batch",
                                 values = p.batches, label = "b = %s", reverse = true}
local series = glass.plot.join(report.bands(p, curves, "msd_sem"), curves)
if level then
  series[#series + 1] = {fn = string.format("%.6g", 2 * level), color = "#000000",
    title = string.format("plateau 2T/(λP), T = %g (equilibrated start)", p.ref_T)}
  series[#series + 1] = {fn = string.format("%.6g", level), color = "#777777", dash = 2,
    title = "<w^2> = T/(λP), the paper's Eq. 26 line"}
end
run:plot{name = "msd", title = string.format("MSD under SGD (λ = %g, P = %d)", p.lambda, Pn),
  xlabel = "t (steps after t_w)", ylabel = "MSD", logx = true, logy = true, key = "bottom right",
  series = series}
local first, last = p.batches[1], p.batches[#p.batches]
local compared = #p.batches > 1 and string.format("%s (batch %d) vs %s (batch %d)", finals[first],
  first, finals[last], last) or string.format("%s (batch %d, the only one)", finals[first], first)
run:finish({string.format("MSD at t = %d (± s.e. over replicas): %s%s", p.tmax, compared,
  level and string.format("; plateau 2T/(lambda P) = %.3g at T = %g (the paper's line T/(lambda P) "
    .. "= %.3g)", 2 * level, p.ref_T, level) or "")})
