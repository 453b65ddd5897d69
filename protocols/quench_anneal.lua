-- quench_anneal.lua: the paper's quench-and-anneal protocol (Figs. 2b, 3, 5a).
--
-- Random init → SGD quench into a basin → for each temperature T, a copy of
-- the quenched ensemble runs overdamped Langevin; after t_w steps the
-- overlap Q(t) and the MSD are measured.  τ90 and τ_e per T show the two
-- regimes: noise-dominated at high T (τ ∝ 1/T, like a free weight) and
-- landscape-dominated below T* (τ nearly independent of T).  The free-weight
-- null model (flat landscape, same N, P, μ, T and ε) is drawn alongside.
--
--   glassvm protocols/quench_anneal.lua                  reduced scale (~2-4 min)
--
-- The reduced scale uses P = 5000 rows and lr = 1e-2 (the paper: 60000 and
-- 1e-3).  The free-weight diffusion per step D = lr·T/P is then 120x the
-- paper's at equal T (10x from lr, 12x from P), so the free-weight τ90 is
-- 120x shorter in steps.  At equal lr·t the update depends on T only
-- through T/P: a temperature T here is T_paper = 12 T in the paper's units
-- and one step is 10 paper steps (docs/dynamics.md, "Units"); log.txt and
-- every CSV header give the numbers of the run.
--
-- Each T runs with its own noise stream (--noise=independent, the default:
-- seed glass.rng.subseed(seed, k) for the k-th T) or all with one
-- (--noise=common).  state.csv has the loss, accuracy and fraction of
-- unsatisfied rows after the quench and at every measured lag; log.txt
-- compares τ90 at each T with τ90 at T = 0 (the deterministic drift).
--   glassvm protocols/quench_anneal.lua --preset=paper   the paper's Fig. 3 (a cluster job)
local glass = require "glass"
local lab = glass.lab
local report = glass.report

local P = glass.params(lab.extend({
  name = "quench_anneal",
  description = "Q(t), MSD, tau90 and tau_e vs T after an SGD quench, with the free-weight null "
    .. "model (paper Figs. 2b, 3, 5a, A2).",
  absent = {drift_check = "its drift check is the T = 0 point of --T (the default list has "
    .. "it): leave 0 out of --T to skip the check"},
  {"T", {3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6, 0}, "Langevin temperatures (of the summed "
   .. "loss P*L)", min = 0, distinct = true},
  {"tw", 300, "waiting time after the quench before measuring (steps)", min = 0},
  {"tmax", 2000, "longest lag measured (steps)", min = 1},
  lab.per_decade_param(16),
  {"chi", 300.0, "sensitivity chi of the overlap: eps = sigma(t_w)/chi", gt = 0},
  {"replicas", 3, "independent initial conditions", min = 1},
  {"fit_T_min", 3e-4, "fit tau90 ~ T^slope over T >= this (the high-T, noise-dominated regime)",
   min = 0},
  glass.analysis.tau_method_param("interp"),
  presets = {
    paper = {T = {1, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 0},
             tw = 20000, tmax = 300000, replicas = 50, P = 0, quench_epochs = 7000,
             per_decade = 20, chi = 300.0, fit_T_min = 0.01, lr = 1e-3, tau_method = "first"},
    smoke = {T = {1e-2, 1e-3, 0}, tw = 5, tmax = 20, replicas = 2, P = 500, quench_epochs = 1,
             width = 8, per_decade = 5, fit_T_min = 1e-3},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}, report.noise_params(),
  report.overlap_params()))

local p = P:parse(arg)
local run = glass.run(p)

local data = lab.data(p, run)
local Pn = data:size()
local ens = lab.ensemble(p, data)
local N = ens:nweights()
run:log("system: N = %d weights, P = %d, N/P = %.3g, lambda = %g, %d replicas", N, Pn, N / Pn,
  p.lambda, p.replicas)
local t0 = lab.quench(run, ens, p, data)
local header = report.header(run, p, Pn, p.T, "--T")
report.coverage_note(run, p.replicas, "replicas")

local overlap = glass.table{columns = {"T", "t", "Q", "Q_sem", "msd", "msd_sem", "alpha2",
                                       "chi4", "eps", "n", "alpha2_sem", "chi4_lo", "chi4_hi"}}
local null = glass.table{columns = {"T", "t", "Q_free", "msd_free"}}
local tau_cols = {"T"}
for _, c in ipairs(glass.analysis.tau_row_columns()) do tau_cols[#tau_cols + 1] = c end
for _, c in ipairs{"tau90_free", "eps", "D", "T_paper"} do tau_cols[#tau_cols + 1] = c end
local tau = glass.table{columns = tau_cols}
local state = report.state_table{"T"}
local eps2 = 0
local Tmax = 0
for _, T in ipairs(p.T) do Tmax = math.max(Tmax, T) end
local tau90_at, ci_at, curves_at = {}, {}, {} -- for the drift check
-- Per T of the fit (in range, with a tau90): its replicas' Q curves, for the exponent's
-- bootstrap.
local fitsets = {}
-- Per T of the fit's range without a tau90: why, and the bound the lags put on it.
local left = {}
-- The authors' estimators (their measurements_backup.py): each replica's tau by their
-- rules, the mean and standard deviation over replicas per T, and the tau90-vs-T line
-- through every (T, tau90_r) point.
local NAN = -(0 / 0) -- (0 / 0 has the sign bit on x86: %g writes it -nan)
local taurep = glass.table{columns = {"T", "replica", "tau90", "tau90_status", "tau_e",
                                      "tau_e_status"}}
local tauauth = glass.table{columns = {"T", "tau90", "tau90_sd", "tau_e", "tau_e_sd", "n",
                                       "n_tau90", "n_tau_e"}}
local authors = {} -- per T of the fit's range: {T =, reps = per_replica_taus}

-- Each replica's tau90 and tau_e by the authors' rules: tau_replicas' per_replica on that
-- replica alone (the first saved lag with Q_r below the threshold; none if that is the
-- first lag or below min_t = 4 steps).  An all-NaN curve (a lost replica) is "absent".
local function per_replica_taus(t, Q)
  local out = {}
  for r = 1, #Q do
    local x = {}
    for _, w in ipairs{{"tau90", "s90", 0.9}, {"tau_e", "se", math.exp(-1)}} do
      local res = glass.analysis.tau_replicas(t, {Q[r]}, {threshold = w[3], B = 0})
      x[w[1]], x[w[2]], x.min_t = res.tau, res.n == 0 and "absent" or res.status, res.min_t
    end
    out[r] = x
  end
  return out
end

-- The authors' mean and standard deviation (n - 1) over the present replicas, defined only
-- when every one has a tau (they drop the temperature otherwise); the counts.
local function authors_mean_sd(reps, key, skey)
  local n, vals = 0, {}
  for _, x in ipairs(reps) do
    if x[skey] ~= "absent" then
      n = n + 1
      if x[key] then vals[#vals + 1] = x[key] end
    end
  end
  if n == 0 or #vals < n then return NAN, NAN, n, #vals end
  local m, ss = 0, 0
  for _, v in ipairs(vals) do m = m + v end
  m = m / n
  for _, v in ipairs(vals) do ss = ss + (v - m) ^ 2 end
  return m, n > 1 and math.sqrt(ss / (n - 1)) or NAN, n, #vals
end

-- A temperature of the fit's range whose tau90 has the status `status`: the bound the lags
-- put on its tau90 (side "<" or ">", bound), or none.  For the estimators of the replica-mean
-- curve: below the first lag t1 or beyond the last; for the per-replica means: the mean
-- with each replica without a tau at its own bound (t1 or min_t below, the last lag above),
-- none when those lie on both sides.
local MEAN_CURVE = {interp = true, first = true, of_mean = true}
local function censored(T, status, t, reps)
  local t1, tl
  for _, x in ipairs(t) do
    if x > 0 then t1, tl = t1 or x, x end
  end
  local c = {T = T, status = status}
  if MEAN_CURVE[p.tau_method] then
    if status == "before_first_lag" then c.side, c.bound = "<", t1
    elseif status == "not_reached" then c.side, c.bound = ">", tl end
    return c
  end
  local sum, n, side = 0, 0, nil
  for _, x in ipairs(reps) do
    if x.s90 ~= "absent" then
      local v, s = x.tau90, nil
      if not v then
        if x.s90 == "not_reached" then v, s = tl, ">"
        elseif x.s90 == "before_first_lag" then v, s = t1, "<"
        else v, s = x.min_t, "<" end
        if side and s ~= side then return c end
        side = s
      end
      sum, n = sum + v, n + 1
    end
  end
  if side and n > 0 then c.side, c.bound = side, sum / n end
  return c
end

for k, T in ipairs(p.T) do
  -- Each T starts from the same quenched networks, with its own noise stream
  -- (or the common one with --noise=common); the state after the quench and at every lag.
  local obs, _, sobs = lab.anneal(run, ens, p, T, t0, report.overlap_opts(p, {chi = {p.chi}}), false,
    {seed = report.point_seed(p, k), state = true})
  local srows = report.add_state(state, sobs, {T = T}, function(step) return step - t0 - p.tw end)
  if k == 1 then run:log("after the quench: %s", report.state_text(srows[1])) end
  local s = obs:table("summary")
  overlap:add_rows(s, report.chi4_columns{T = T, Q = "Q_mean", msd = "msd_mean"})
  local t, q = lab.columns(s, "t", "Q_mean")
  local eps = s:row(s:nrows()).eps -- sigma(t_w)/chi
  eps2 = math.max(eps2, eps * eps)
  -- The free-weight null model with the same eps, lr, T and P.
  local D = glass.theory.diffusion{lr = p.lr, T = T, P = Pn}
  local free90 = T > 0 and glass.theory.free_tau(0.9, {eps = eps, D = D}) or 0 / 0
  if T > 0 then
    local qf = glass.theory.free_q(t, {eps = eps, D = D})
    for i = 1, #t do null:add_row{T = T, t = t[i], Q_free = qf[i], msd_free = 2 * D * t[i]} end
  end
  -- A missing tau is either "not reached" or "below the first lag": the log says which.
  local u = report.units(p, Pn, T)
  -- The row: each tau with its status, a bootstrap interval over replicas and the method.
  local row, t90, why90, te, whye = glass.analysis.tau_report(obs, t, q, {T = T,
    tau90_free = free90, eps = eps, D = u.D, T_paper = u.T_paper},
    {method = p.tau_method, seed = p.seed})
  tau90_at[T], ci_at[T] = t90 or false, report.drift_estimate(row, t)
  tau:add_row(row)
  local ct, cq = obs:curves{quantity = "Q"}
  curves_at[T] = {t = ct, Q = cq}
  local reps = per_replica_taus(ct, cq)
  for r, x in ipairs(reps) do
    taurep:add_row{T = T, replica = r, tau90 = x.tau90 or NAN, tau90_status = x.s90,
                   tau_e = x.tau_e or NAN, tau_e_status = x.se}
  end
  local m90, sd90, n, n90 = authors_mean_sd(reps, "tau90", "s90")
  local me, sde, _, ne = authors_mean_sd(reps, "tau_e", "se")
  tauauth:add_row{T = T, tau90 = m90, tau90_sd = sd90, tau_e = me, tau_e_sd = sde, n = n,
                  n_tau90 = n90, n_tau_e = ne}
  if T > 0 and T >= p.fit_T_min then
    if t90 then
      fitsets[#fitsets + 1] = {T = T, t = ct, Q = cq}
    else
      left[#left + 1] = censored(T, row.tau90_status, t, reps)
    end
    authors[#authors + 1] = {T = T, reps = reps}
  end
  run:log("T = %-8g (paper units %-8.3g) tau90 = %s, tau_e = %s (free weight: tau90 = %s)", T,
    u.T_paper,
    report.tau_ci(t90, row.tau90_lo, row.tau90_hi, t90 and why90 or row.tau90_status),
    report.tau_ci(te, row.tau_e_lo, row.tau_e_hi, te and whye or row.tau_e_status),
    T > 0 and string.format("%.3g", free90) or "none: at T = 0 a free weight does not move")
  if not t90 then run:log("  tau90: %s", why90) end
  if not te then run:log("  tau_e: %s", whye) end
  run:log("  state at t = %d: %s", p.tmax, report.state_text(srows[#srows]))
end

-- The deterministic drift: does Q decay at T > 0 as it does at T = 0?
local summary = {}
if tau90_at[0] ~= nil then
  summary[#summary + 1] = report.drift_check(run, p.T, tau90_at, tau90_at[0], ci_at,
    ci_at[0], nil, report.drift_ratios(curves_at, {method = p.tau_method, seed = p.seed}))
else
  run:log("drift check: --T has no T = 0, so the decay cannot be compared with the drift; add 0")
end

local function with(...) return report.with(header, ...) end
run:write_csv("overlap", overlap, with("T: Langevin temperature; t: lag after t_w (steps); "
  .. "means over live replicas, *_sem standard errors; eps = sigma(t_w)/chi", report.CHI4_COMMENT))
run:write_csv("null", null, with("free-weight null model: Q = erf(eps/sqrt(4 D t)), "
  .. "MSD = 2 D t, D = lr*T/P"))
run:write_csv("tau", tau, with("tau90, tau_e: " .. lab.tau_text(p.tau_method)
  .. "; empty if not reached within tmax, already below at the first lag, or below 4 steps "
  .. "(per_replica, per_replica_found) (tau*_status says which: ok, not_reached, "
  .. "before_first_lag, below_min_t); " .. report.tau_ci_comment("replicas")
  .. "; tau90_free: the null model's; D = lr*T/P, T_paper = T*60000/P"))
run:write_csv("state", state, with(report.STATE_COMMENT))

run:write_csv("tau_replicas", taurep, with("each replica's tau90 and tau_e by the authors' rules "
  .. "(their measurements_backup.py; glass.analysis.tau_replicas, per_replica, on that replica "
  .. "alone): the first saved lag with Q_r below 0.9 (1/e), none if that is the first lag or "
  .. "below 4 steps; empty if none (tau*_status says why: not_reached, before_first_lag, "
  .. "below_min_t; absent: a lost replica); the points of the authors' tau90-vs-T fit"))
run:write_csv("tau_authors", tauauth, with("the authors' tau per T (their measurements_backup.py): "
  .. "the mean over replicas of tau_replicas.csv's values and their error bar, the standard "
  .. "deviation over replicas (n - 1; not the standard error); empty at a T where any present "
  .. "replica has none (they drop that T) and the sd with one replica; n: present replicas, "
  .. "n_tau90, n_tau_e: those with a tau"))

-- Slope of tau90 vs T in the noise-dominated regime.
local Ts, t90s = {}, {}
for i = 1, tau:nrows() do
  local r = tau:row(i)
  if r.T > 0 then Ts[#Ts + 1], t90s[#t90s + 1] = r.T, r.tau90 end
end

-- The temperatures of the fit's range left out for want of a tau90, each with its status and
-- bound: their censored tau90 would move the line, so the log and fit.txt name them.
local STATUS_TEXT = {before_first_lag = "before the first lag", not_reached = "not reached",
                     below_min_t = "below min_t"}
local function left_text()
  local parts = {}
  for _, c in ipairs(left) do
    local s = string.format("T = %g (tau90 %s", c.T, STATUS_TEXT[c.status] or c.status)
    if c.bound then
      s = s .. string.format(": tau90 %s %.4g%s", c.side, c.bound, MEAN_CURVE[p.tau_method] and ""
        or ", the replica mean with each replica without one at its bound")
    else
      s = s .. ": no bound" .. (MEAN_CURVE[p.tau_method] and ""
        or ", its replicas without one lie on both sides of the lags")
    end
    parts[#parts + 1] = s .. ")"
  end
  return table.concat(parts, ", ")
end

-- Which way leaving them out biases the exponent.  The least-squares slope over all the
-- range's points is sum_i w_i ln tau_i with w_i proportional to ln T_i - mean(ln T), so a
-- left-out tau below its bound (<) at w > 0, or above it (>) at w < 0, can only lower it:
-- with every left-out tau at its bound the fit gives an exponent b_B, and if every left-out
-- point pulls the same way the full data's exponent lies beyond b_B on that side.  When that
-- side of b_B excludes the fit's own exponent, the bias has a sign.
local function censored_bias(fit)
  if #left == 0 then return {word = "none", bound = NAN, side = "none"} end
  local at, bT, by, mx, m = {}, {}, {}, 0, 0
  for _, c in ipairs(left) do
    if not c.bound then
      return {word = "unknown", bound = NAN, side = "none", text = "which way leaving them out "
        .. "biases the exponent cannot be said: a left-out tau90 has no bound"}
    end
    at[c.T] = c
  end
  for i, T in ipairs(Ts) do
    if T >= p.fit_T_min then
      local y = t90s[i]
      if y ~= y then y = at[T].bound end
      bT[#bT + 1], by[#by + 1], mx, m = T, y, mx + math.log(T), m + 1
    end
  end
  mx = mx / m
  local down, up = 0, 0
  for _, c in ipairs(left) do
    local w = math.log(c.T) - mx
    if w ~= 0 then
      if (c.side == "<") == (w > 0) then down = down + 1 else up = up + 1 end
    end
  end
  local good, fb = pcall(glass.analysis.powerlaw_fit, bT, by, {t_min = p.fit_T_min, trim = 0})
  if not good then
    return {word = "unknown", bound = NAN, side = "none", text = "which way leaving them out "
      .. "biases the exponent cannot be said: " .. tostring(fb)}
  end
  local bB = fb.exponent
  if down > 0 and up > 0 then
    return {word = "unknown", bound = NAN, side = "none", text = "which way leaving them out "
      .. "biases the exponent cannot be said: the left-out tau90 pull the line both ways"}
  end
  if down == 0 and up == 0 then
    return {word = "none", bound = bB, side = "none", text = "at the mean log T they do not "
      .. "move the slope"}
  end
  local side = down > 0 and "<" or ">"
  local sided = (side == "<" and bB <= fit.exponent) or (side == ">" and bB >= fit.exponent)
  local with = string.format("with each left-out tau90 at its bound the fit gives %.3f, and the "
    .. "full data's exponent lies %s that", bB, side == "<" and "below" or "above")
  if sided then
    return {word = side == "<" and "exponent_too_high" or "exponent_too_low", bound = bB,
      side = side, text = string.format("leaving them out biases the exponent %s: %s",
        side == "<" and "up" or "down", with)}
  end
  return {word = "unknown", bound = bB, side = side, text = string.format("which way leaving "
    .. "them out biases the exponent cannot be said: %s, which allows either side of the fit's "
    .. "%.3f", with, fit.exponent)}
end

-- The authors' tau90-vs-T line: least squares in log-log through every (T, tau90_r) point of
-- every replica in the fit's range (their points), with the same bootstrap over networks.
local function authors_fit()
  local xs, ys, total, none = {}, {}, 0, {}
  for _, a in ipairs(authors) do
    for _, x in ipairs(a.reps) do
      if x.s90 ~= "absent" then
        total = total + 1
        if x.tau90 then xs[#xs + 1], ys[#ys + 1] = a.T, x.tau90
        else none[x.s90] = (none[x.s90] or 0) + 1 end
      end
    end
  end
  local parts = {}
  for _, k in ipairs{"not_reached", "before_first_lag", "below_min_t"} do
    if none[k] then parts[#parts + 1] = string.format("%d %s", none[k], STATUS_TEXT[k]) end
  end
  local counts = string.format("%d of %d points%s", #xs, total, #parts > 0
    and "; without a tau90: " .. table.concat(parts, ", ") or "")
  local good, af = pcall(glass.analysis.powerlaw_fit, xs, ys, {t_min = p.fit_T_min, trim = 0})
  if not good then return nil, counts .. ": " .. tostring(af) end
  local sizes = {}
  for k, a in ipairs(authors) do sizes[k] = #a.reps end
  local bs = report.bootstrap_over_T{sizes = sizes, B = 1000, seed = p.seed, stat = function(...)
    local bx, by = {}, {}
    for k, idx in ipairs({...}) do
      for _, r in ipairs(idx) do
        local v = authors[k].reps[r].tau90
        if v then bx[#bx + 1], by[#by + 1] = authors[k].T, v end
      end
    end
    local ok2, f = pcall(glass.analysis.powerlaw_fit, bx, by, {trim = 0})
    return ok2 and f.exponent or nil
  end}
  af.bs, af.ci = bs, report.boot_text(bs, sizes)
  return af, counts
end

local ok, fit = pcall(glass.analysis.powerlaw_fit, Ts, t90s, {t_min = p.fit_T_min})
local af, acounts = authors_fit()
if ok then
  -- The exponent's 95 % interval: resample the networks (the same at every T), recompute
  -- each tau90 and refit (report.tau_exponent_bootstrap); and its spread over fit windows.
  local bs, sizes = report.tau_exponent_bootstrap(fitsets, p.tau_method, p.seed)
  summary[#summary + 1] = string.format("tau90 ~ T^%.3f (least-squares s.e. %.3f, the T's "
    .. "taken as independent: not an error bar) %s for T >= %g "
    .. "(%d points; a free weight gives -1); over fit windows dropping up to 2 points at either "
    .. "end: %.3f to %.3f", fit.exponent, fit.exponent_se, report.boot_text(bs, sizes),
    p.fit_T_min, fit.n, fit.exponent_min, fit.exponent_max)
  local bias = censored_bias(fit)
  if #left > 0 then
    summary[#summary + 1] = string.format("tau90 fit: left out for want of a tau90: %s; %s",
      left_text(), bias.text)
  end
  -- With one replica at some T there was nothing to resample: no interval, no resamples.
  local none = math.min(math.huge, table.unpack(sizes)) < 2
  local lt, ls, lb = {}, {}, {}
  for _, c in ipairs(left) do
    lt[#lt + 1], ls[#ls + 1] = string.format("%g", c.T), c.status
    lb[#lb + 1] = c.bound and string.format("%s%.6g", c.side, c.bound) or "none"
  end
  local function list(l) return #l > 0 and table.concat(l, ",") or "none" end
  run:write_text("fit.txt", string.format("exponent %.6g\nexponent_se %.6g\nprefactor %.6g\n"
    .. "r2 %.6g\nn %d\nT_min %g\nexponent_lo %.6g\nexponent_hi %.6g\nlevel 0.95\n"
    .. "interval %s\nB %d\nB_ok %d\nseed %d\n"
    .. "exponent_min %.6g\nexponent_max %.6g\nwindows %d\nlog_prefactor_se %.6g\n"
    .. "authors_exponent %.6g\nauthors_exponent_se %.6g\nauthors_prefactor %.6g\n"
    .. "authors_n %d\nauthors_exponent_lo %.6g\nauthors_exponent_hi %.6g\n"
    .. "left_out %d\nleft_out_T %s\nleft_out_status %s\nleft_out_bound %s\nbias %s\n"
    .. "exponent_bound %.6g\n", fit.exponent,
    fit.exponent_se, fit.prefactor, fit.r2, fit.n, p.fit_T_min, bs.lo, bs.hi,
    none and "none (one replica at some T: nothing to resample, no interval)"
      or bs.paired and "percentile_bootstrap_over_networks_paired_across_T"
      or "percentile_bootstrap_over_replicas", none and 0 or bs.B, bs.B_ok,
    p.seed, fit.exponent_min, fit.exponent_max, fit.windows, fit.log_prefactor_se,
    af and af.exponent or NAN, af and af.exponent_se or NAN, af and af.prefactor or NAN,
    af and af.n or 0, af and af.bs.lo or NAN, af and af.bs.hi or NAN,
    #left, list(lt), list(ls), list(lb), bias.word, bias.bound))
else
  summary[#summary + 1] = "no power-law fit of tau90 vs T: " .. tostring(fit)
    .. (#left > 0 and "; left out for want of a tau90: " .. left_text() or "")
end
summary[#summary + 1] = af and string.format("authors' fit (their measurements_backup.py: least "
  .. "squares in log-log through every replica's (T, tau90_r), tau_replicas.csv, for T >= %g): "
  .. "tau90 ~ T^%.3f (least-squares s.e. %.3f, the points taken as independent: not an error "
  .. "bar) %s (%s); their error bar per T, the standard deviation over replicas: "
  .. "tau_authors.csv", p.fit_T_min, af.exponent, af.exponent_se, af.ci, acounts)
  or "no authors' fit (every replica's (T, tau90_r), T >= " .. string.format("%g", p.fit_T_min)
  .. "): " .. acounts

-- Figures.
local qcurves = glass.plot.curves{file = "overlap.csv", x = "t", y = "Q", by = "T", values = p.T}
-- Same colours as the data (T = 0 has no null curve: Q = 1).
local qnull = glass.plot.curves{file = "null.csv", x = "t", y = "Q_free", by = "T", values = p.T,
                                style = "lines", dash = 2}
for i = #qnull, 1, -1 do
  if p.T[i] == 0 then table.remove(qnull, i) end
end
for i, s in ipairs(qnull) do s.title = i == 1 and "free weight, same T (null model)" or nil end
run:plot{name = "overlap", title = "Q(t) after the quench, one curve per T",
  xlabel = "t (steps after t_w)", ylabel = "Q(t)", logx = true, key = "outside right top",
  yrange = {0, 1.02},
  series = glass.plot.join(report.bands(p, qcurves, "Q_sem"), qcurves, qnull, {fn = "0.9", title = "Q = 0.9", dash = 3,
                                            color = "#777777"})}
-- T = 0 cannot sit on the log T axis: its tau90 is a marked point at the left edge, labelled
-- (a line across all T would read as a measurement at every T).
run:plot{name = "tau", title = "Decorrelation times vs temperature", xlabel = "T",
  ylabel = "τ (steps)", logx = true, logy = true, key = "top right",
  extra = tau90_at[0] and {string.format("set label 'τ_{90} at T = 0: %.4g' at graph 0.02, "
    .. "first %.6g point pt 13 ps 1.6 lc rgb '#000000' offset 1.2,0.9", tau90_at[0], tau90_at[0])}
    or nil,
  series = {report.tau_bars(p, {file = "tau.csv", x = "T", y = "tau90", title = "τ_{90}", color = 0}),
            report.tau_bars(p, {file = "tau.csv", x = "T", y = "tau_e", title = "τ_e", color = 1}),
            {file = "tau.csv", x = "T", y = "tau90_free", title = "τ_{90}, free weight (∝ 1/T)",
             style = "lines", dash = 2, color = "#555555"}}}
report.training_plot(run, p, t0, "T", p.T)
local mcurves = glass.plot.curves{file = "overlap.csv", x = "t", y = "msd", by = "T", values = p.T}
run:plot{name = "msd", title = "Mean square displacement, one curve per T",
  xlabel = "t (steps after t_w)", ylabel = "MSD", logx = true, logy = true, key = "outside right top",
  series = glass.plot.join(report.bands(p, mcurves, "msd_sem"), mcurves,
    {fn = string.format("%.6g", eps2), title = "ε^2", color = "#000000"},
    {fn = string.format("%.6g*x", 2 * p.lr * Tmax / Pn), title = "slope 1: free weight, highest T",
     dash = 2, color = "#555555"})}
run:finish(summary)
