-- chi_sweep.lua: τ90 vs T for several sensitivities χ (the paper's Fig. A1).
--
-- The overlap's cutoff ε = σ(t_w)/χ is a choice; this protocol measures
-- τ90(T) for several χ on the SAME trajectories (the two-time observer
-- takes up to 16 cutoffs at once), so the choice's effect is isolated.  A
-- free weight has τ90 ∝ ε² ∝ χ⁻² at high T; the landscape-dominated plateau
-- scales more weakly.
--
--   glassvm protocols/chi_sweep.lua                  reduced scale (~1-2 min)
--
-- Each T has its own noise stream (--noise=independent, the default) or
-- all share one (--noise=common); log.txt and the CSV headers give D = lr·T/P
-- and T in the paper's units; state.csv the loss, accuracy and unsatisfied
-- fraction; --drift_check compares τ90 with a T = 0 run (first χ).
--   glassvm protocols/chi_sweep.lua --preset=paper   the paper's T grid, chi varied x50
local glass = require "glass"
local lab = glass.lab
local report = glass.report

local P = glass.params(lab.extend({
  name = "chi_sweep",
  description = "tau90 vs T for several overlap sensitivities chi, from the same trajectories "
    .. "(paper Fig. A1).",
  {"T", {3e-3, 1e-3, 3e-4, 1e-4, 1e-5, 1e-6}, "Langevin temperatures (of the summed "
   .. "loss P*L)", min = 0, distinct = true},
  {"chis", {30.0, 100.0, 300.0, 1000.0}, "sensitivities chi (at most 16)", gt = 0,
   increasing = true},
  {check = function(p)
    if #p.chis > 16 then return string.format("--chis: at most 16 values (got %d)", #p.chis) end
  end},
  {"tw", 300, "waiting time after the quench (steps)", min = 0},
  {"tmax", 2000, "longest lag measured (steps)", min = 1},
  lab.per_decade_param(16),
  {"replicas", 3, "independent initial conditions", min = 1},
  glass.analysis.tau_method_param("interp"),
  presets = {
    paper = {T = {1, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10},
             chis = {40.0, 100.0, 400.0, 1000.0, 2000.0}, tw = 20000, tmax = 300000,
             replicas = 50, P = 0, lr = 1e-3, quench_epochs = 7000, per_decade = 20},
    smoke = {T = {1e-2, 1e-3}, chis = {100.0, 1000.0}, tw = 5, tmax = 20, replicas = 2, P = 500,
             quench_epochs = 1, width = 8, per_decade = 5},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}, report.noise_params(),
  report.drift_params(), report.overlap_params()))

local p = P:parse(arg)
local run = glass.run(p)
local data = lab.data(p, run)
local ens = lab.ensemble(p, data)
local t0 = lab.quench(run, ens, p, data)
local Pn = data:size()
local header = report.header(run, p, Pn, p.T, "--T")
report.coverage_note(run, p.replicas, "replicas")

local tau_cols = {"chi", "T"}
for _, c in ipairs(glass.analysis.tau_row_columns()) do tau_cols[#tau_cols + 1] = c end
for _, c in ipairs{"eps", "D", "T_paper"} do tau_cols[#tau_cols + 1] = c end
local tau = glass.table{columns = tau_cols}
local overlap = glass.table{columns = {"chi", "T", "t", "Q", "Q_sem"}}
local state = report.state_table{"T"}
local tau_rows = {} -- per chi, so that tau.csv is chi-major (one joined curve per chi)
for _, chi in ipairs(p.chis) do tau_rows[chi] = {} end
local tau90_at, ci_at, curves_at = {}, {}, {} -- at the first chi, for the drift check
local function first_chi_curves(obs)
  local t, Q = obs:curves{quantity = "Q", chi = p.chis[1]}
  return {t = t, Q = Q}
end
-- tau90 and tau_e per chi of an observer (--tau_method): {chi = {row, t90, te, eps}};
-- fields(chi, eps): the row's other columns (nil for the T = 0 companion,
-- whose row is not written).
local function taus(obs, fields)
  local out = {}
  for chi, c in pairs(obs:table("summary"):group_by("chi")) do -- one curve per chi
    local t, q = lab.columns(c, "t", "Q_mean")
    local eps = c:row(1).eps
    -- Each tau with its status, a bootstrap interval over replicas and the method.
    local row, t90, why90, te = glass.analysis.tau_report(obs, t, q,
      fields and fields(chi, eps) or {}, {method = p.tau_method, chi = chi, seed = p.seed})
    out[chi] = {row = row, t90 = t90, why90 = why90, te = te, eps = eps,
                drift = report.drift_estimate(row, t)}
  end
  return out
end
for k, T in ipairs(p.T) do
  local obs, _, sobs = lab.anneal(run, ens, p, T, t0, report.overlap_opts(p, {chi = p.chis}), false,
    {seed = report.point_seed(p, k), state = true})
  local srows = report.add_state(state, sobs, {T = T},
    function(step) return step - t0 - p.tw end)
  if k == 1 then run:log("after the quench: %s", report.state_text(srows[1])) end
  overlap:add_rows(obs:table("summary"), {T = T, Q = "Q_mean"})
  local u = report.units(p, Pn, T)
  local tt = taus(obs, function(chi, eps)
    return {chi = chi, T = T, eps = eps, D = u.D, T_paper = u.T_paper}
  end)
  for _, chi in ipairs(p.chis) do
    local c = tt[chi]
    table.insert(tau_rows[chi], c.row)
    run:log("T = %-8g chi = %-6g tau90 = %s", T, chi,
      report.tau_ci(c.t90, c.row.tau90_lo, c.row.tau90_hi, c.why90))
  end
  local c1 = tt[p.chis[1]]
  tau90_at[T], ci_at[T], curves_at[T] = c1.t90 or false, c1.drift, first_chi_curves(obs)
  run:log("  state at t = %d: %s", p.tmax, report.state_text(srows[#srows]))
end
local lines = {string.format("%d temperatures x %d values of chi", #p.T, #p.chis)}
if p.drift_check then
  local tau0, ci0 = tau90_at[0], ci_at[0]
  if tau0 == nil then
    local obs0 = lab.anneal(run, ens, p, 0, t0, report.overlap_opts(p, {chi = p.chis}))
    local c0 = taus(obs0)[p.chis[1]]
    tau0, ci0, curves_at[0] = c0.t90 or false, c0.drift, first_chi_curves(obs0)
  end
  lines[#lines + 1] = report.drift_check(run, p.T, tau90_at, tau0, ci_at, ci0,
    #p.chis > 1 and string.format(" (chi = %g, the first of --chis)", p.chis[1]) or nil,
    report.drift_ratios(curves_at, {method = p.tau_method, seed = p.seed}))
end
for _, chi in ipairs(p.chis) do
  for _, row in ipairs(tau_rows[chi]) do tau:add_row(row) end
end
local function with(...) return report.with(header, ...) end
run:write_csv("tau", tau, with((p.tau_method == "interp" and "tau90, tau_e interpolated in log "
  .. "t (method interp)" or "tau90, tau_e: " .. lab.tau_text(p.tau_method)) .. "; eps = "
  .. "sigma(t_w)/chi (mean over replicas); empty: none (tau*_status says why: not_reached, "
  .. "before_first_lag, below_min_t); " .. report.tau_ci_comment("replicas") .. "; D = lr*T/P, "
  .. "T_paper = T*60000/P"))
run:write_csv("overlap", overlap, with("Q(t) per chi and T from the same trajectories"))
run:write_csv("state", state, with(report.STATE_COMMENT))

run:plot{name = "tau90", title = "τ_{90} vs T for several χ (ε = σ/χ)" .. (p.replicas > 1
    and ", 95% bootstrap bars" or ""), xlabel = "T",
  ylabel = "τ_{90} (steps)", logx = true, logy = true, key = "top right",
  series = report.tau_bars(p, glass.plot.curves{file = "tau.csv", x = "T", y = "tau90", by = "chi",
                                                values = p.chis, label = "χ = %s"}, true)}
run:finish(lines)
