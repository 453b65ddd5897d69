-- ageing.lua: ageing at low temperature (the paper's Fig. 8).
--
-- Random init → SGD quench into a basin → overdamped Langevin at a low T.
-- Q(t, t_w) is measured from several waiting times t_w (counted from the
-- switch to Langevin) in ONE trajectory per replica: the two-time observer
-- keeps a reference copy w(t_w) for each t_w.  Below T* the dynamics are
-- driven by the landscape, which flattens as the network descends, so the
-- decorrelation time τ90 grows with t_w: the system ages.
--
--   glassvm protocols/ageing.lua                 reduced scale (44 s on 2 Zen 5 cores)
--
-- The reduced scale uses P = 5000 MNIST rows and lr = 1e-2 (the paper: all
-- 60000 and 1e-3): at equal lr*t the update depends on T only through T/P,
-- so one step here is 10 paper steps and T here is 12 T in the paper's units
-- (T = 1e-6 is the paper's 1.2e-5); the free-weight diffusion per step,
-- D = lr*T/P, is 120x the paper's at equal T.  log.txt and the CSV headers
-- give the numbers of the run (docs/dynamics.md, "Units").  state.csv has
-- the loss, accuracy and unsatisfied fraction after the quench and at every
-- measured step; --drift_check (default) runs T = 0 from the same networks
-- to the first t_w's last lag (with --drift_tws=all, every t_w's) and says
-- whether Q decays as without noise.
--   glassvm protocols/ageing.lua --preset=paper  the paper's settings (a cluster job)
--   glassvm protocols/ageing.lua --help
local glass = require "glass"
local lab = glass.lab
local report = glass.report

local P = glass.params(lab.extend({
  name = "ageing",
  description = "Q(t, t_w) and tau90 vs the waiting time t_w under Langevin dynamics at low T "
    .. "(paper Fig. 8). Default: a reduced scale that shows the effect in under a minute.",
  absent = {noise = "it runs one temperature: --noise relates the noise of several sweep "
    .. "points; the replicas' noise is set by --seed"},
  {"T", 1e-6, "Langevin temperature (of the summed loss P*L)", min = 0},
  {"tw", {100, 300, 1000, 3000, 10000}, "waiting times after the quench (steps)", min = 0,
   increasing = true},
  {"tmax", 3000, "longest lag t measured from each t_w (steps)", min = 1},
  lab.per_decade_param(16),
  {"chi", 300.0, "sensitivity chi of the overlap: eps = sigma(t_w)/chi", gt = 0},
  {"replicas", 3, "independent initial conditions", min = 1},
  glass.analysis.tau_method_param("interp"),
  {"drift_tws", "first", "waiting times of the T = 0 companion (--drift_check): first (the "
   .. "first t_w, to its last lag: t_w + tmax steps of gradient descent, about 70 % of the "
   .. "Langevin run at the paper's t_w) or all (every t_w: as many steps again as the "
   .. "Langevin run)", choices = {"first", "all"}, omit_default = true},
  presets = {
    paper = {tw = {20000, 50000, 80000, 100000, 150000}, tmax = 300000, replicas = 50, P = 0,
             quench_epochs = 7000, per_decade = 20, lr = 1e-3, tau_method = "first"},
    smoke = {T = 3e-4, tw = {5, 20}, tmax = 20, replicas = 2, P = 500, quench_epochs = 1, width = 8,
             per_decade = 5},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}, report.drift_params(),
  report.overlap_params()))

local p = P:parse(arg)
local run = glass.run(p)

-- The system: MNIST (paper preprocessing), w x depth network, R replicas.
local data = lab.data(p, run)
local ens = lab.ensemble(p, data)
local N = ens:nweights()
run:log("system: N = %d weights, P = %d, N/P = %.3g, lambda = %g, %d replicas", N, data:size(),
  N / data:size(), p.lambda, p.replicas)

-- Quench: SGD from the random init into a basin.
local t0 = lab.quench(run, ens, p, data)

local Pn = data:size()
local header = {}
for _, l in ipairs(report.units_comments(p, Pn, {p.T})) do
  run:log("%s", l); header[#header + 1] = l
end
report.coverage_note(run, p.replicas, "replicas")

-- Anneal: Langevin at T, references at t0 + t_w, lags log-spaced to tmax;
-- the state (loss, accuracy, unsat) after the quench and at every measured step.
local tws = {}
for i, tw in ipairs(p.tw) do tws[i] = t0 + tw end
local lags = glass.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade}
local obs = glass.observer.two_time(report.overlap_opts(p, {tw = tws, chi = {p.chi}, lags = lags}))
-- (with --loss_trace, also log-spaced steps through the waiting time, to the last t_w:
-- --tw increases)
local ssteps = report.state_steps(t0, tws, lags)
for _, s in ipairs(lab.trace_steps(p, t0, tws[#tws])) do ssteps[#ssteps + 1] = s end
local sobs = report.state_observer(ssteps, p.lambda)
local quenched = p.drift_check and ens:clone() -- for the T = 0 companion
local langevin = glass.langevin{lr = p.lr, T = p.T, lambda = p.lambda}
lab.advance(run, ens, langevin, t0 + math.max(table.unpack(p.tw)) + p.tmax, {obs, sobs},
  string.format("Langevin T=%g", p.T))
local state = report.state_table()
local srows = report.add_state(state, sobs, nil, function(step) return step - t0 end)
run:log("after the quench: %s", report.state_text(srows[1]))
run:log("at the end (t = %d after the quench): %s", srows[#srows].step - t0,
  report.state_text(srows[#srows]))
run:write_csv("state", state, report.with(header, "state: means over live replicas (n) of the "
  .. "loss (with L2), data loss, accuracy and fraction of unsatisfied rows (y f < 1), *_sem "
  .. "standard errors; t = steps after the quench (t = 0: the state after the quench)"
  .. ((p.loss_trace or 0) > 0 and string.format("; with --loss_trace=%d also %d log-spaced rows "
    .. "per decade up to the last t_w", p.loss_trace, p.loss_trace) or "")))

-- Results: Q(t, t_w) and MSD per t_w, then tau90 per t_w.
local summary = obs:table("summary")
local overlap = glass.table{columns = {"tw", "t", "Q", "Q_sem", "msd", "msd_sem", "chi4", "eps",
                                       "n", "chi4_lo", "chi4_hi"}} -- (the interval added later)
overlap:add_rows(summary, report.chi4_columns{tw = function(r) return r.tw - t0 end,
                                               Q = "Q_mean", msd = "msd_mean"})
local by_tw = summary:group_by("tw") -- one curve per t_w
run:write_csv("overlap", overlap, report.with(header, "tw: waiting time after the quench (steps); "
  .. "t: lag (steps); Q, msd: means over live replicas; *_sem: standard errors", report.CHI4_COMMENT))

local tau_cols = {"tw"}
for _, c in ipairs(glass.analysis.tau_row_columns()) do tau_cols[#tau_cols + 1] = c end
local tau = glass.table{columns = tau_cols}
local lines = {}
for _, tw in ipairs(p.tw) do
  local t, q = lab.columns(by_tw[t0 + tw], "t", "Q_mean")
  -- Each tau with its status, a bootstrap interval over replicas and the method.
  local row, t90, why = glass.analysis.tau_report(obs, t, q, {tw = tw},
    {method = p.tau_method, tw = t0 + tw, seed = p.seed})
  tau:add_row(row)
  lines[#lines + 1] = string.format("t_w = %-8d tau90 = %s", tw,
    report.tau_ci(t90, row.tau90_lo, row.tau90_hi, why))
end
run:write_csv("tau", tau, report.with(header, "tau90, tau_e: " .. lab.tau_text(p.tau_method)
  .. "; empty when not reached within tmax, already below at the first lag or below 4 steps "
  .. "(per_replica, per_replica_found); tau*_status: ok, not_reached, before_first_lag, "
  .. "below_min_t; "
  .. report.tau_ci_comment("replicas")))

-- Figures: Q(t) per t_w (log t), tau90 vs t_w (log-log), MSD per t_w.
local per_tw = {file = "overlap.csv", x = "t", by = "tw", values = p.tw, label = "t_w = %s"}
per_tw.y = "Q"
local qs = glass.plot.curves(per_tw)
qs = glass.plot.join(report.bands(p, qs, "Q_sem"), qs,
  {fn = "0.9", title = "Q = 0.9", dash = true, color = "#777777"})
per_tw.y = "msd"
local ms = glass.plot.curves(per_tw)
ms = glass.plot.join(report.bands(p, ms, "msd_sem"), ms)
run:plot{name = "overlap", title = string.format("Ageing: Q(t, t_w) at T = %s", glass.plot.label(p.T)),
  xlabel = "t (steps after t_w)", ylabel = "Q(t, t_w)", logx = true, key = "bottom left",
  yrange = {0, 1.02}, series = qs}
run:plot{name = "tau", title = "Ageing: τ against the waiting time t_w",
  xlabel = "t_w (steps after the quench)", ylabel = "τ (steps)", logx = true, logy = true,
  key = "top left", extra = {"set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1"},
  series = {report.tau_bars(p, {file = "tau.csv", x = "tw", y = "tau90", title = "τ_{90}", color = 0}),
            report.tau_bars(p, {file = "tau.csv", x = "tw", y = "tau_e", title = "τ_e", color = 1})}}
run:plot{name = "msd", title = string.format("MSD(t, t_w) at T = %s", glass.plot.label(p.T)),
  xlabel = "t (steps after t_w)", ylabel = "MSD", logx = true, logy = true, key = "top left",
  series = ms}

-- The verdict a reader wants first: does tau90 grow with t_w?  Computed
-- from the numbers (report.ageing_verdict), then the T = 0 comparison.
local r1, rn = tau:row(1), tau:row(tau:nrows())
local first, last = r1.tau90, rn.tau90
-- Each replica's Q curve at t_w (replica r the same network at every t_w and, in the
-- drift check, at T = 0): the ratios' paired bootstrap intervals.
local function ratio(oa, twa, ob, twb)
  local t, Qa = oa:curves{quantity = "Q", tw = twa, chi = p.chi}
  local _, Qb = ob:curves{quantity = "Q", tw = twb, chi = p.chi}
  return glass.analysis.tau_ratio(t, Qa, Qb, {method = p.tau_method, seed = p.seed})
end
local verdict, ageing_kind = report.ageing_verdict(p.tw[1], first == first and first or nil,
  p.tw[#p.tw], last == last and last or nil, report.drift_estimate(r1, lags:steps()),
  report.drift_estimate(rn, lags:steps()), ratio(obs, tws[1], obs, tws[#tws]))
if #p.tw < 2 then
  verdict, ageing_kind = string.format("one waiting time (t_w = %d): nothing to compare, no "
    .. "ageing verdict (give two or more with --tw)", p.tw[1]), "inconclusive"
end
lines[#lines + 1] = verdict
if p.drift_check then
  -- T = 0 from the same networks, to the first (or the last) t_w's last lag.
  local n0 = p.drift_tws == "all" and #tws or 1
  local e = quenched
  local obs0 = glass.observer.two_time(report.overlap_opts(p, {tw = table.move(tws, 1, n0, 1, {}),
                                                              chi = {p.chi}, lags = lags}))
  lab.advance(run, e, glass.gd{lr = p.lr, lambda = p.lambda}, tws[n0] + p.tmax, {obs0},
    "drift check: T = 0")
  e:close()
  local by0, kinds = obs0:table("summary"):group_by("tw"), {}
  for i = 1, n0 do
    local t, q = lab.columns(by0[tws[i]], "t", "Q_mean")
    local r0, tau0 = glass.analysis.tau_report(obs0, t, q, {}, {method = p.tau_method, tw = tws[i],
                                                                   seed = p.seed})
    local rT = tau:row(i)
    local eT, line = report.drift_estimate(rT, t) -- the same lags at T and at T = 0
    line, kinds[i] = report.drift_line(p.T, rT.tau90 == rT.tau90 and rT.tau90 or nil, tau0,
      string.format(" (t_w = %d)", p.tw[i]), eT, report.drift_estimate(r0, t),
      ratio(obs0, tws[i], obs, tws[i]))
    run:log("%s", line)
    lines[#lines + 1] = line
  end
  local reading = report.ageing_reading(ageing_kind, kinds, table.move(p.tw, 1, n0, 1, {}))
  if reading then run:log("%s", reading); lines[#lines + 1] = reading end
end
run:finish(lines)
