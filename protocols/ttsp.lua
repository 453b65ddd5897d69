-- ttsp.lua: time-temperature superposition (the paper's Fig. 4).
--
-- Quench, then Langevin at several temperatures from the same networks.
-- Plotted against t/τ (τ90 by default, τ_e as the authors' code) the Q(t)
-- curves collapse onto one master curve, which decays as a power law
-- (paper: t^-0.48).  The final value Q(t_f) approximates Q_∞; the harmonic
-- well L = (λ/2)|W|² predicts it from the weights at t_w (paper Eq. 22,
-- Appendix F), drawn alongside.
--
--   glassvm protocols/ttsp.lua                  reduced scale (~1-2 min)
--
-- Each T has its own noise stream (--noise=independent, the default) or
-- all share one (--noise=common).  log.txt and the CSV headers give the
-- diffusion per step D = lr·T/P and T in the paper's units; state.csv the
-- loss, accuracy and unsatisfied fraction; with --drift_check (default) a
-- T = 0 run from the same networks says where Q decays as without noise.
--   glassvm protocols/ttsp.lua --preset=paper   t_f = 3e5, 50 inits (a cluster job)
local glass = require "glass"
local lab = glass.lab
local report = glass.report

local P = glass.params(lab.extend({
  name = "ttsp",
  description = "Master curve of Q vs t/tau over temperatures, its power-law exponent, and "
    .. "Q(t_f) vs T with the harmonic-well prediction (paper Fig. 4).",
  {"T", {3e-3, 1e-3, 3e-4, 1e-4}, "Langevin temperatures (of the summed "
   .. "loss P*L)", min = 0, distinct = true},
  {"tw", 300, "waiting time after the quench (steps)", min = 0},
  {"tmax", 3000, "longest lag, t_f (steps)", min = 1},
  lab.per_decade_param(12),
  {"chi", 300.0, "sensitivity chi of the overlap: eps = sigma(t_w)/chi", gt = 0},
  {"replicas", 3, "independent initial conditions", min = 1},
  {"rescale_by", "tau90", "the time that rescales t", choices = {"tau90", "tau_e"}},
  {"fit_from", 1.0, "fit the master curve Q ~ (t/tau)^a for t/tau >= this", min = 0},
  glass.analysis.tau_method_param("interp"),
  {check = function(p)
    local above = 0
    for _, T in ipairs(p.T) do if T > 0 then above = above + 1 end end
    if above < 2 then
      return string.format("--T=%s: time-temperature superposition compares temperatures; give "
        .. "at least two T > 0 (T = 0, gradient descent, is the drift check's, --drift_check)",
        glass.params.text(p.T))
    end
  end},
  presets = {
    paper = {T = {1, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001}, tw = 20000, tmax = 300000,
             replicas = 50, P = 0, lr = 1e-3, quench_epochs = 7000, per_decade = 20},
    smoke = {T = {1e-2, 1e-3}, tw = 5, tmax = 30, replicas = 2, P = 500, quench_epochs = 1,
             width = 8, per_decade = 6},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}, report.noise_params(),
  report.drift_params(), report.overlap_params()))

local p = P:parse(arg)
local run = glass.run(p)
local data = lab.data(p, run)
local Pn = data:size()
local ens, net = lab.ensemble(p, data)
local t0 = lab.quench(run, ens, p, data)
local header = report.header(run, p, Pn, p.T, "--T")
report.coverage_note(run, p.replicas, "replicas")

local overlap = glass.table{columns = {"T", "t", "t_over_tau", "Q", "Q_sem"}}
local tau_cols = {"T"}
for _, c in ipairs(glass.analysis.tau_row_columns()) do tau_cols[#tau_cols + 1] = c end
for _, c in ipairs{"D", "T_paper"} do tau_cols[#tau_cols + 1] = c end
local tau = glass.table{columns = tau_cols}
local qfinal = glass.table{columns = {"T", "Q_final", "Q_final_sem", "Q_final_lo", "Q_final_hi",
                                      "Q_inf_harmonic", "eps", "Q_inf_harmonic_lo",
                                      "Q_inf_harmonic_hi"}}
local finals = {} -- per T > 0: {T =, q = each replica's Q(t_f)}, for the plateau's fit
local state = report.state_table{"T"}
local tau90_at, ci_at, curves_at = {}, {}, {} -- for the drift check
local xs, ys = {}, {}
local WINDOWS = {0.5, 1, 2, 4} -- the fit windows t/tau >= f * fit_from whose spread the log gives
local fitsets = {} -- per T > 0: its replicas' Q curves, for the exponent's bootstrap
local collapsed = {} -- the T > 0 whose curve enters the master curve's fit
for k, T in ipairs(p.T) do
  local obs, w0, sobs = lab.anneal(run, ens, p, T, t0, report.overlap_opts(p, {chi = {p.chi}}),
    true, {seed = report.point_seed(p, k), state = true})
  local srows = report.add_state(state, sobs, {T = T},
    function(step) return step - t0 - p.tw end)
  if k == 1 then run:log("after the quench: %s", report.state_text(srows[1])) end
  local s = obs:table("summary")
  local t, q, sem = lab.columns(s, "t", "Q_mean", "Q_sem")
  local eps = s:row(1).eps
  local u = report.units(p, Pn, T)
  -- Each tau with its status, a bootstrap interval over replicas and the method.
  local row, t90, why90, te, whye = glass.analysis.tau_report(obs, t, q, {T = T, D = u.D,
    T_paper = u.T_paper}, {method = p.tau_method, seed = p.seed})
  tau90_at[T], ci_at[T] = t90 or false, report.drift_estimate(row, t)
  tau:add_row(row)
  local ct, cq = obs:curves{quantity = "Q"}
  curves_at[T] = {t = ct, Q = cq}
  local scale
  if p.rescale_by == "tau90" then scale = t90 else scale = te end
  if T == 0 then
    -- Gradient descent: the drift, not a temperature of the superposition.
    if scale then run:log("T = 0: left out of the master curve and its fit (no temperature)") end
  elseif not scale then
    run:log("T = %g: no %s (%s): left out of the master curve and its fit", T, p.rescale_by,
      p.rescale_by == "tau90" and why90 or whye)
  else
    fitsets[#fitsets + 1] = {t = ct, Q = cq}
  end
  overlap:add_rows(s, {T = T, Q = "Q_mean",
    t_over_tau = function(r) return (scale and T > 0) and r.t / scale or 0 / 0 end})
  -- The master curve's fit points, from the smallest fit window's start on (the fit
  -- itself starts at fit_from).
  local n_fit = 0
  for i = 1, (scale and T > 0) and #t or 0 do
    local x = t[i] / scale
    if x >= WINDOWS[1] * p.fit_from and q[i] > 0 then
      xs[#xs + 1], ys[#ys + 1] = x, q[i]
      if x >= p.fit_from then n_fit = n_fit + 1 end
    end
  end
  if n_fit > 0 then collapsed[#collapsed + 1] = T end
  -- The harmonic well's Q_inf from the weights at t_w (all replicas), over
  -- the weights Q counts (--exclude_output).
  -- Its interval: each replica's own Q_inf (over its weights, with its own cutoff
  -- eps_r = sigma_r(t_w)/chi, as its measured Q), resampled.
  local per = {}
  local harmonic = p.lambda > 0 and T > 0
  for r, w in ipairs(w0) do
    local own = report.overlap_weights(p, net, w)
    local m, ss = 0, 0
    for _, x in ipairs(own) do m = m + x end
    m = m / #own
    for _, x in ipairs(own) do ss = ss + (x - m) ^ 2 end
    per[r] = harmonic and glass.theory.harmonic_q_inf{T = T, P = Pn, k = p.lambda,
      eps = math.sqrt(ss / #own) / p.chi, w0 = own} or 0 / 0
  end
  -- The prediction of the measured Q_mean: the mean of the replicas' own.
  local hb = report.plateau(per, p.seed)
  local qinf = harmonic and hb.mean or 0 / 0
  -- The plateau Q(t_f) with a 95 % bootstrap interval over replicas (basins).
  local fin = {}
  for r = 1, #cq do fin[r] = cq[r][#cq[r]] end
  local qb = report.plateau(fin, p.seed)
  qfinal:add_row{T = T, Q_final = q[#q], Q_final_sem = sem[#sem], Q_final_lo = qb.lo,
                 Q_final_hi = qb.hi, Q_inf_harmonic = qinf, eps = eps,
                 Q_inf_harmonic_lo = hb.lo, Q_inf_harmonic_hi = hb.hi}
  if T > 0 then finals[#finals + 1] = {T = T, q = fin} end
  run:log("T = %-8g (paper units %-8.3g) tau90 = %s, tau_e = %s, Q(t_f) = %.3g "
    .. "%s (harmonic well: %s)", T, u.T_paper, report.tau_ci(t90, row.tau90_lo, row.tau90_hi,
    t90 and why90 or row.tau90_status), report.tau_ci(te, row.tau_e_lo, row.tau_e_hi,
    te and whye or row.tau_e_status), q[#q],
    qb.text,
    qinf == qinf and string.format("%.3g %s", qinf, hb.text)
      or "none: it needs lambda > 0 and T > 0")
  run:log("  state at t = %d: %s", p.tmax, report.state_text(srows[#srows]))
end
local lines = {}
-- The T = 0 companion: gradient descent from the same networks.
if p.drift_check then
  local tau0, ci0 = tau90_at[0], ci_at[0]
  if tau0 == nil then
    local obs0 = lab.anneal(run, ens, p, 0, t0, report.overlap_opts(p, {chi = {p.chi}}))
    local t, q = lab.columns(obs0:table("summary"), "t", "Q_mean")
    local r0, t90 = glass.analysis.tau_report(obs0, t, q, {}, {method = p.tau_method,
                                                                 seed = p.seed})
    tau0, ci0 = t90 or false, report.drift_estimate(r0, t)
    local ct, cq = obs0:curves{quantity = "Q"}
    curves_at[0] = {t = ct, Q = cq}
  end
  lines[#lines + 1] = report.drift_check(run, p.T, tau90_at, tau0, ci_at, ci0, nil,
    report.drift_ratios(curves_at, {method = p.tau_method, seed = p.seed}))
end
local function with(...) return report.with(header, ...) end
run:write_csv("overlap", overlap, with("t_over_tau: t divided by " .. p.rescale_by
  .. " (interpolated) of the same T; its uncertainty is that T's " .. p.rescale_by .. " interval "
  .. "in tau.csv, one factor for every row of the T (a shift of the curve along log t)"))
run:write_csv("master", overlap, with("the master curve: plot Q against t_over_tau"))
run:write_csv("tau", tau, with((p.tau_method == "interp" and "tau90, tau_e interpolated in log "
  .. "t (method interp)" or "tau90, tau_e: " .. lab.tau_text(p.tau_method)) .. "; empty: none "
  .. "(tau*_status says why: not_reached, before_first_lag, below_min_t); " .. report.tau_ci_comment("replicas")
  .. "; D = lr*T/P, T_paper = T*60000/P"))
run:write_csv("q_final", qfinal, with("Q_final = Q(t_f = tmax), the replica mean; Q_final_lo/_hi: "
  .. report.PLATEAU_COMMENT .. "; Q_inf_harmonic: Eq. 22 with k = lambda, each replica's over its "
  .. "weights at t_w with its own eps_r = sigma_r(t_w)/chi, averaged over the replicas; "
  .. "Q_inf_harmonic_lo/_hi: the same interval over the replicas' Q_inf"))
run:write_csv("state", state, with(report.STATE_COMMENT))

-- One curve rescaled by its own tau collapses onto nothing: no superposition tested.
local ok, fit = false, #collapsed == 0
  and string.format("no temperature has points at t/tau >= %g", p.fit_from)
  or string.format("only one temperature (T = %g) has points at t/tau >= %g: a master curve "
    .. "needs two or more to collapse", collapsed[1], p.fit_from)
if #collapsed >= 2 then ok, fit = pcall(glass.analysis.powerlaw_fit, xs, ys, {t_min = p.fit_from}) end
if ok then
  -- The exponent's 95 % interval: resample the networks (the same at every T:
  -- report.bootstrap_over_T), recompute each T's mean curve and tau, rescale and refit;
  -- and its spread over fit windows t/tau >= fit_from x 1/2 ... 4.
  local thr = p.rescale_by == "tau90" and 0.9 or math.exp(-1)
  local sizes = {}
  for k, f in ipairs(fitsets) do sizes[k] = #f.Q end
  -- A resample in which a temperature loses its tau, or fewer than two temperatures
  -- reach t/tau >= fit_from, is not the estimate's fit: undefined (B_ok counts the rest).
  local bs = report.bootstrap_over_T{sizes = sizes, B = 1000, seed = p.seed, stat = function(...)
    local bx, by, temps = {}, {}, 0
    for k, idx in ipairs({...}) do
      local f = fitsets[k]
      local mc = glass.analysis.mean_curve(f.Q, idx)
      local sc = glass.analysis.tau_curves(f.t, f.Q, idx, p.tau_method, thr)
      if not sc then return nil end
      local n0 = #bx
      for i = 1, #f.t do
        local x = f.t[i] / sc
        if x >= p.fit_from and mc[i] > 0 then bx[#bx + 1], by[#by + 1] = x, mc[i] end
      end
      if #bx > n0 then temps = temps + 1 end
    end
    if temps < 2 then return nil end
    local good, bf = pcall(glass.analysis.powerlaw_fit, bx, by, {t_min = p.fit_from})
    return good and bf.exponent or nil
  end}
  local wlo, whi, wfrom, wto = math.huge, -math.huge, nil, nil
  for _, f in ipairs(WINDOWS) do
    local good, wf = pcall(glass.analysis.powerlaw_fit, xs, ys, {t_min = f * p.fit_from})
    if good then
      wlo, whi = math.min(wlo, wf.exponent), math.max(whi, wf.exponent)
      wfrom, wto = wfrom or f * p.fit_from, f * p.fit_from
    end
  end
  lines[#lines + 1] = string.format("master curve Q ~ (t/tau)^%.3f (least-squares s.e. %.3f, "
    .. "which takes the correlated lags as independent: not an error bar) %s for t/tau >= %g "
    .. "(paper: -0.48); with the window from t/tau >= %g to >= %g: %.3f to "
    .. "%.3f", fit.exponent, fit.exponent_se, report.boot_text(bs, sizes), p.fit_from, wfrom, wto,
    wlo, whi)
else
  lines[#lines + 1] = "no power-law fit of the master curve: " .. tostring(fit)
end

-- The plateau against T: Q(t_f) ~ T^b (the paper: Q_inf ~ T^-0.48), with a 95 % interval
-- from resampling each T's replicas and refitting.
lines[#lines + 1] = report.plateau_fit(finals, p.seed, "Q(t_f)", "paper: Q_inf ~ T^-0.48")

local mcurves = glass.plot.curves{file = "overlap.csv", x = "t_over_tau", y = "Q", by = "T",
                                  values = p.T}
local master = glass.plot.join(report.bands(p, mcurves, "Q_sem"), mcurves)
if ok then
  master[#master + 1] = {fn = string.format("(x >= %.6g ? %.6g*x**(%.6g) : NaN)", p.fit_from,
                                           fit.prefactor, fit.exponent),
    title = string.format("fit: (t/τ)^{%.2f}", fit.exponent), dash = 2, color = "#000000"}
end
run:plot{name = "master", title = "Time-temperature superposition: Q against t/τ",
  xlabel = "t / " .. (p.rescale_by == "tau90" and "τ_{90}" or "τ_e"), ylabel = "Q",
  logx = true, logy = true, key = "bottom left", series = master}
run:plot{name = "overlap", title = "Q(t) per temperature", xlabel = "t (steps after t_w)",
  ylabel = "Q", logx = true, key = "bottom left", yrange = {0, 1.02},
  series = (function()
    local c = glass.plot.curves{file = "overlap.csv", x = "t", y = "Q", by = "T", values = p.T}
    return glass.plot.join(report.bands(p, c, "Q_sem"), c)
  end)()}
run:plot{name = "q_final", title = "Q(t_f) vs T and the harmonic-well Q_∞", xlabel = "T",
  ylabel = "Q(t_f)", logx = true, logy = true, key = "bottom left",
  series = {p.replicas > 1 and {file = "q_final.csv", x = "T", y = "Q_final", ylow = "Q_final_lo",
               yhigh = "Q_final_hi", color = 0, title = "measured Q(t_f) (95% bootstrap)"}
             or {file = "q_final.csv", x = "T", y = "Q_final", color = 0, title = "measured Q(t_f)"},
            {file = "q_final.csv", x = "T", y = "Q_inf_harmonic", color = 1, dash = 2,
             title = "harmonic well (k = λ), Eq. 22"}}}
run:finish(lines)
