-- heterogeneity.lua: non-Gaussian dynamics and dynamic heterogeneity (the paper's Fig. 7).
--
-- Quench, then Langevin at a few temperatures from the same networks; from
-- t_w on, measure per lag:
--   α₂(t) = ⟨Δw⁴⟩ / (3⟨Δw²⟩²) − 1   (0 for Gaussian displacements),
--   χ₄(t) = N · Var_replicas[Q(t)]   (dynamic susceptibility; an addition
--                                     to the paper),
-- and histograms of log₁₀|Δw| over all weights and replicas at chosen lags
-- (bimodal = a mobile and an immobile population of weights).
--
--   glassvm protocols/heterogeneity.lua                  reduced scale (~1-2 min)
--   glassvm protocols/heterogeneity.lua --preset=paper   Δt = 2e5, 50 inits
local glass = require "glass"
local lab = glass.lab

local P = glass.params(lab.extend({
  name = "heterogeneity",
  description = "alpha2(t), chi4(t) and histograms of log10|dw| under Langevin dynamics "
    .. "(paper Fig. 7).",
  {"T", {1e-3, 1e-4, 1e-5}, "Langevin temperatures", min = 0},
  {"tw", 300, "waiting time after the quench (steps)", min = 0},
  {"tmax", 3000, "longest lag measured (steps)", min = 1},
  {"hist_lags", {30, 300, 3000}, "lags at which the log10|dw| histogram is taken", min = 1},
  {"bins", 100, "histogram bins over [hist_min, hist_max) of log10|dw|", min = 1},
  {"hist_min", -10.0, "lower edge of the histogram (log10|dw|)"},
  {"hist_max", 0.0, "upper edge of the histogram (log10|dw|)"},
  {"per_decade", 12, "lags per decade (log-spaced from 1)", min = 1},
  {"chi", 300.0, "sensitivity chi of Q (for chi4): eps = sigma(t_w)/chi", gt = 0},
  {check = function(p)
    for _, l in ipairs(p.hist_lags) do
      if l > p.tmax then return string.format("--hist_lags: lag %d is beyond --tmax=%d", l, p.tmax) end
    end
    if not (p.hist_min < p.hist_max) then
      return string.format("--hist_min=%g must be below --hist_max=%g", p.hist_min, p.hist_max)
    end
  end},
  {"replicas", 4, "independent initial conditions (chi4 needs several)", min = 2},
  presets = {
    paper = {T = {0.1, 0.01, 0.001, 1e-4, 1e-5}, tw = 20000, tmax = 200000,
             hist_lags = {200000}, replicas = 50, P = 0, lr = 1e-3, quench_epochs = 7000,
             per_decade = 20},
    smoke = {T = {1e-3}, tw = 5, tmax = 20, hist_lags = {20}, bins = 20, replicas = 2, P = 500,
             quench_epochs = 1, width = 8, per_decade = 5},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}))

local p = P:parse(arg)
local run = glass.run(p)
local data = lab.data(p, run)
local ens = lab.ensemble(p, data)
local t0 = lab.quench(run, ens, p, data)

local moments = glass.table{columns = {"T", "t", "alpha2", "alpha2_sem", "chi4", "Q", "msd", "n"}}
local hist = glass.table{columns = {"T", "t", "bin_lo", "bin_hi", "log10_dw", "fraction"}}
-- The histogram lags must lie on the lag schedule: add them to it.
local lags = glass.schedule.union{
  glass.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade},
  glass.schedule.list(p.hist_lags)}
local lines = {}
for _, T in ipairs(p.T) do
  local obs = lab.anneal(run, ens, p, T, t0, {
    lags = lags, chi = {p.chi},
    histogram = {bins = p.bins, min = p.hist_min, max = p.hist_max,
                 lags = glass.schedule.list(p.hist_lags)}})
  local s = obs:table("summary")
  local peak, at = -math.huge, 0
  for i = 1, s:nrows() do
    local r = s:row(i)
    moments:add_row{T = T, t = r.t, alpha2 = r.alpha2, alpha2_sem = r.alpha2_sem, chi4 = r.chi4,
                    Q = r.Q_mean, msd = r.msd_mean, n = r.n}
    if r.chi4 == r.chi4 and r.chi4 > peak then peak, at = r.chi4, r.t end
  end
  local h = obs:table("histogram")
  for i = 1, h:nrows() do
    local r = h:row(i)
    if r.layer == 0 then
      hist:add_row{T = T, t = r.t, bin_lo = r.bin_lo, bin_hi = r.bin_hi,
                   log10_dw = (r.bin_lo + r.bin_hi) / 2, fraction = r.fraction}
    end
  end
  local a2 = s:row(s:nrows()).alpha2
  lines[#lines + 1] = string.format("T = %-8g alpha2(t = %d) = %.3g, chi4 peaks at t = %d "
    .. "(chi4 = %.3g)", T, p.tmax, a2, at, peak)
end
run:write_csv("moments", moments, {"alpha2 = <dw^4>/(3<dw^2>^2) - 1 (over all weights and live "
  .. "replicas); alpha2_sem over replicas; chi4 = N Var(Q) over replicas"})
run:write_csv("histogram", hist, {"histogram of log10|dw| over all weights and replicas; "
  .. "fraction = count/total (zeros and out-of-range values are counted in total only)"})

run:plot{name = "alpha2", title = "Non-Gaussian parameter α_2(t)", xlabel = "t (steps after t_w)",
  ylabel = "α_2", logx = true, key = "top left",
  series = glass.plot.join(glass.plot.curves{file = "moments.csv", x = "t", y = "alpha2", by = "T",
                                             values = p.T},
                           {fn = "0", title = "Gaussian", dash = 2, color = "#777777"})}
run:plot{name = "chi4", title = "Dynamic susceptibility χ_4(t) = N·Var[Q(t)]",
  xlabel = "t (steps after t_w)", ylabel = "χ_4", logx = true, key = "top left",
  series = glass.plot.curves{file = "moments.csv", x = "t", y = "chi4", by = "T", values = p.T}}
-- One histogram panel per lag, one curve per T.
for _, lag in ipairs(p.hist_lags) do
  local series = glass.plot.curves{file = "histogram.csv", x = "log10_dw", y = "fraction", by = "T",
                                   values = p.T, style = "lines"}
  for _, s in ipairs(series) do s.where.t = lag end
  run:plot{name = "histogram_t" .. lag, title = string.format(
      "Displacements after Δt = %d steps: histogram of log_{10}|Δw|", lag),
    xlabel = "log_{10}|Δw|", ylabel = "fraction of weights", key = "top left", series = series}
end
run:finish(lines)
