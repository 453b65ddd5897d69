-- heterogeneity.lua: non-Gaussian dynamics and dynamic heterogeneity (the paper's Fig. 7).
--
-- Quench, then Langevin at a few temperatures from the same networks; from
-- t_w on, measure per lag:
--   α₂(t) = ⟨Δw⁴⟩ / (3⟨Δw²⟩²) − 1   per replica, then the mean over replicas
--                                     (the authors' estimator; 0 for Gaussian
--                                     displacements), beside the pooled form,
--   χ₄(t) = N · Var[Q(t)]             (dynamic susceptibility; an addition to
--                                     the paper), split by the law of total
--                                     variance into a within-basin (thermal)
--                                     and a between-basin part,
-- and histograms of log₁₀|Δw| over all weights and replicas at chosen lags
-- (bimodal = a mobile and an immobile population of weights).
--
-- By default the measurement runs on a same-basin (isoconfigurational)
-- ensemble: at t_w each of the --replicas networks is copied --K times and
-- every copy gets its own noise (Widmer-Cooper, Harrowell & Fynewever, PRL
-- 93, 135701 (2004)).  Replicas from different networks sit in different
-- basins, so N·Var over them mixes basin-to-basin differences (present even
-- at T = 0, from the deterministic drift) with thermal fluctuations; only
-- χ₄,within is thermal.  --ensemble=independent measures the --replicas
-- networks directly (χ₄,within is then 0 by construction).
--
-- log.txt and state.csv give the loss, accuracy and unsatisfied fraction
-- after the quench and at every lag; with --drift_check (default) a T = 0
-- run from the same networks says where Q decays as without noise.  The χ₄
-- parts and the pooled histogram carry 95 % bootstrap bands over basins (nominal for χ₄,
-- a variance: over few basins they hold the truth far less often); χ₄ of independent
-- networks (--ensemble=independent, or T = 0) its chi-square interval.
--
--   glassvm protocols/heterogeneity.lua                  reduced scale (4-16 min on 2 cores, by load)
--   glassvm protocols/heterogeneity.lua --preset=paper   Δt = 2e5, 50 inits
local glass = require "glass"
local lab = glass.lab
local report = require "glass.report"

local P = glass.params(lab.extend({
  name = "heterogeneity",
  description = "alpha2(t), chi4(t) within and between basins (same-basin ensembles) and "
    .. "histograms of log10|dw| under Langevin dynamics (paper Fig. 7).",
  {"T", {1e-3, 1e-4, 1e-5}, "Langevin temperatures (of the summed "
   .. "loss P*L)", min = 0, distinct = true},
  {"tw", 300, "waiting time after the quench (steps)", min = 0},
  {"tmax", 3000, "longest lag measured (steps)", min = 1},
  {"hist_lags", {30, 300, 3000}, "lags at which the log10|dw| histogram is taken", min = 1,
   increasing = true},
  {"bins", 100, "histogram bins over [hist_min, hist_max) of log10|dw|", min = 1,
   max = glass.limits.bins},
  {"hist_min", -10.0, "lower edge of the histogram (log10|dw|)"},
  {"hist_max", 0.0, "upper edge of the histogram (log10|dw|)"},
  lab.per_decade_param(12),
  {"chi", 300.0, "sensitivity chi of Q (for chi4): eps = sigma(t_w)/chi", gt = 0},
  -- --tau_method (the authors' per_replica offered by name); left out of params.lua at
  -- its default, interp, so that earlier outputs stay as they were.
  glass.analysis.tau_method_param("interp", {omit_default = true}),
  -- report.overlap_params()'s, but kept in params.lua and the CSV comments as before.
  {"exclude_output", false, "leave the output layer's weights out of sigma(t_w) and Q, as the "
    .. "authors' code does (MSD and alpha2 keep every weight)"},
  {check = function(p)
    for _, l in ipairs(p.hist_lags) do
      if l > p.tmax then return string.format("--hist_lags: lag %d is beyond --tmax=%d", l, p.tmax) end
    end
    if not (p.hist_min < p.hist_max) then
      return string.format("--hist_min=%g must be below --hist_max=%g", p.hist_min, p.hist_max)
    end
  end},
  {check = function(p, source)
    -- (a preset's K stays: --preset=smoke --ensemble=independent is a fine run)
    if p.ensemble == "independent" and source.K == "command line" then
      return string.format("--K=%d is the noise replicas per basin of --ensemble=same_basin; "
        .. "--ensemble=independent runs the networks themselves (--replicas): drop --K", p.K)
    end
  end},
  {"replicas", 4, "quenched networks (basins); chi4 needs several", min = 2},
  {"ensemble", "same_basin", "same_basin: K noise replicas from each network's weights at t_w "
    .. "(chi4 splits into within- and between-basin parts); independent: the networks themselves",
   choices = {"same_basin", "independent"}},
  {"K", 4, "noise replicas per basin (--ensemble=same_basin)", min = 2},
  {"B", 1000, "bootstrap resamples of the intervals: over basins for chi4, its peak and the "
   .. "histogram's bands, over each basin's copies for tau_basins.csv (0: none; under 40 the "
   .. "95% ends are only the extreme resamples)", min = 0},
  presets = {
    paper = {T = {0.1, 0.01, 0.001, 1e-4, 1e-5}, tw = 20000, tmax = 200000,
             hist_lags = {200000}, replicas = 50, P = 0, lr = 1e-3, quench_epochs = 7000,
             per_decade = 20},
    smoke = {T = {1e-3}, tw = 5, tmax = 20, hist_lags = {20}, bins = 20, replicas = 2, K = 2,
             P = 500, quench_epochs = 1, width = 8, per_decade = 5, B = 50},
  },
}, lab.network_params{P = 5000, lr = 1e-2, quench_epochs = 1000}, report.noise_params(),
  report.drift_params()))

local p = P:parse(arg)
local run = glass.run(p)
local data = lab.data(p, run)
local ens = lab.ensemble(p, data)
local t0 = lab.quench(run, ens, p, data)
-- Each network after the quench: whether one sits elsewhere (e.g. off the zero-loss
-- plateau the others reached) shows here, not in a mean.
local networks = glass.table{columns = {"network", "loss", "data_loss", "accuracy", "unsat",
                                        "lost"}}
for _, r in ipairs(lab.states(ens, p.lambda)) do
  networks:add_row{network = r.replica, loss = r.loss, data_loss = r.data_loss,
                   accuracy = r.accuracy, unsat = r.unsat, lost = r.lost}
end
local K = p.ensemble == "same_basin" and p.K or nil
-- Without noise the K copies of a basin coincide: T = 0 runs on the networks themselves.
local function K_at(T) return T > 0 and K or nil end
local has_T0 = false
for _, T in ipairs(p.T) do has_T0 = has_T0 or T == 0 end
local header = report.header(run, p, (data:size()), p.T, "--T")
report.coverage_note(run, p.replicas, "basins") -- the bootstrap resamples whole basins
if p.B > 0 and p.B < 40 then -- (allowed: a test's quick run)
  run:log("note: --B=%d: below 40 resamples a 95%% percentile interval's ends are the extreme "
    .. "resamples, not their 2.5%% and 97.5%% quantiles; use --B=1000 (the default) or more for "
    .. "numbers you report", p.B)
end
run:log("ensemble: %s", K and string.format("same-basin, %d basins x K = %d noise replicas "
  .. "(copies made at t_w)", p.replicas, K) or string.format("%d independent networks", p.replicas))

local CHI4 = {"chi4", "chi4_total", "chi4_within", "chi4_between"}
local mcols = {"T", "t", "n", "n_basins", "Q", "Q_sem", "msd", "msd_sem", "alpha2", "alpha2_sem",
  "alpha2_pooled", "alpha2_pooled_se", "alpha2_within", "chi4", "chi4_total", "chi4_within",
  "chi4_between", "chi4_null"}
for _, c in ipairs(CHI4) do mcols[#mcols + 1], mcols[#mcols + 2] = c .. "_lo", c .. "_hi" end
-- Added later, so last: a reader by position keeps its columns.
for _, c in ipairs{"Q_sem_basins", "msd_sem_basins", "alpha2_sem_basins",
                   "alpha2_within_sem_basins", "chi4_null_sem_basins"} do
  mcols[#mcols + 1] = c
end
local moments = glass.table{columns = mcols}
local state = report.state_table{"T"}
-- For the drift check; curves_at: each T's Q curve of every basin (the mean over its
-- copies; a network's own at T = 0 and with independent networks), in network order, for
-- the ratio against T = 0 paired by network (basin i at T comes from network i).
local tau90_at, ci_at, curves_at = {}, {}, {}
local tau_cols = {"T"}
for _, c in ipairs(glass.analysis.tau_row_columns()) do tau_cols[#tau_cols + 1] = c end
for _, c in ipairs{"tau90_free", "eps", "D", "T_paper"} do tau_cols[#tau_cols + 1] = c end
local tau = glass.table{columns = tau_cols}
local X90 = 1.1630871536766743 -- erf(X90) = 0.9: the free weight's tau90 = eps^2/(4 D X90^2)
local hist = glass.table{columns = {"T", "t", "bin_lo", "bin_hi", "log10_dw", "fraction",
                                    "fraction_lo", "fraction_hi"}}
local hist_b = glass.table{columns = {"T", "t", "basin", "n", "bin_lo", "bin_hi", "log10_dw",
                                      "fraction", "fraction_sem"}}
local basin_labels = {} -- per T: the basin labels (for the per-basin plots)
-- Each basin on its own: its mean Q over its replicas, and the tau90 / tau_e of that
-- mean (a basin in another state, e.g. one trained into the trivial minimum, shows here).
-- (msd_sem, alpha2_se and the tau intervals were added later, so last.)
local q_b = glass.table{columns = {"T", "t", "basin", "n", "Q", "Q_sem", "msd", "alpha2",
                                   "msd_sem", "alpha2_se"}}
-- (the state at t_max, means over the basin's live copies, added later, so last; their
-- standard errors later still)
local tau_b = glass.table{columns = {"T", "basin", "n", "tau90", "tau90_status", "tau_e",
                                     "tau_e_status", "tau90_lo", "tau90_hi", "tau_e_lo",
                                     "tau_e_hi", "n_state", "loss_tmax", "data_loss_tmax",
                                     "accuracy_tmax", "unsat_tmax", "loss_tmax_sem",
                                     "data_loss_tmax_sem", "accuracy_tmax_sem",
                                     "unsat_tmax_sem"}}
local peaks = glass.table{columns = {"T", "part", "t_peak", "chi4_peak", "chi4_peak_lo",
  "chi4_peak_hi", "level", "B", "t_peak_lo", "t_peak_hi"}} -- (t_peak's interval added later)
-- The histogram lags must lie on the lag schedule: add them to it.
local lags = glass.schedule.union{
  glass.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade},
  glass.schedule.list(p.hist_lags)}

-- χ₄ parts at every lag from per-replica Q curves and basin labels, over the
-- basins listed in `pick` (with repeats, for the bootstrap): the same
-- formulas as the observer's (population normalisation, weights n_b/n); also the live
-- copies counted at each lag.
local function chi4_parts(curves, members, pick, N)
  local nl = #curves[members[pick[1]][1]]
  local within, between, live = {}, {}, {}
  for l = 1, nl do
    local n, sum = 0, 0
    local means, counts = {}, {}
    for j, b in ipairs(pick) do
      local s, c = 0, 0
      for _, r in ipairs(members[b]) do
        local q = curves[r][l]
        if q == q then s, c = s + q, c + 1 end
      end
      means[j], counts[j] = c > 0 and s / c or 0, c
      n, sum = n + c, sum + s
    end
    local mean, w, bt = sum / n, 0, 0
    for j, b in ipairs(pick) do
      for _, r in ipairs(members[b]) do
        local q = curves[r][l]
        if q == q then w = w + (q - means[j]) ^ 2 end
      end
      bt = bt + counts[j] * (means[j] - mean) ^ 2
    end
    within[l], between[l], live[l] = N * w / n, N * bt / n, n
  end
  return within, between, live
end

-- A number for a log line; "none" for NaN (never "-nan").
local function num(x, fmt)
  if x ~= x then return "none" end
  return string.format(fmt or "%.3g", x)
end

-- The q-quantile of the numbers in xs (sorted in place), linear between
-- order statistics (numpy's default rule, as glass.analysis.bootstrap).
local function quantile(xs, q)
  table.sort(xs)
  local h = (#xs - 1) * q + 1
  local i = math.floor(h)
  if i >= #xs then return xs[#xs] end
  return xs[i] + (h - i) * (xs[i + 1] - xs[i])
end

-- glass.analysis.bootstrap calls stat once on the sample itself (its estimate) before
-- the B resamples.  A statistic that collects per-lag values on the side wraps it here:
-- fn(idx, false) for that first call, fn(idx, true) for each resample.
local function resampled(fn)
  local first = true
  return function(idx)
    local is_resample = not first
    first = false
    return fn(idx, is_resample)
  end
end

-- How often a 95 % percentile bootstrap interval of a sample variance over n units held
-- the true variance (docs/analysis.md, "A variance is worse"): the χ₄ intervals of a
-- same-basin ensemble are such bootstraps over the basins, so their 95 % is nominal.
local VAR_COVERAGE = {{2, 30}, {3, 42}, {4, 54}, {5, 67}, {8, 72}, {10, 77}, {20, 84}, {50, 91}}
local function var_coverage(n, units)
  for i, c in ipairs(VAR_COVERAGE) do
    if c[1] == n then return string.format("%d%% of the time over %d %s", c[2], n, units) end
    if c[1] > n then
      local b = VAR_COVERAGE[i - 1]
      return string.format("%d%% to %d%% of the time over %d to %d %s", b[2], c[2], b[1], c[1],
        units)
    end
  end
  local c = VAR_COVERAGE[#VAR_COVERAGE]
  return string.format("%d%% of the time over %d %s (closer to 95%% over more)", c[2], c[1],
    units)
end

local function argmax(v)
  local best, at = -math.huge, nil
  for i, x in ipairs(v) do if x == x and x > best then best, at = x, i end end
  return best, at
end

-- Each basin's state at `step` from a scalar observer's per-replica rows (basins[r] is
-- replica r's basin, r from 1): {[basin] = {n = live copies, loss =, data_loss =,
-- accuracy =, unsat = their means, loss_sem =, ...: their standard errors (NaN for
-- n = 1)}}.
local STATE_FIELDS = {"loss", "data_loss", "accuracy", "unsat"}
local function basin_states(sobs, basins, step)
  local by, vals = {}, {}
  local rep = sobs:table("replicas")
  for i = 1, rep:nrows() do
    local r = rep:row(i)
    if r.step == step then
      local b = basins[r.replica + 1]
      local acc = by[b] or {n = 0, loss = 0, data_loss = 0, accuracy = 0, unsat = 0}
      by[b], acc.n = acc, acc.n + 1
      vals[b] = vals[b] or {}
      for _, f in ipairs(STATE_FIELDS) do acc[f] = acc[f] + r[f] end
      table.insert(vals[b], r)
    end
  end
  for b, acc in pairs(by) do
    for _, f in ipairs(STATE_FIELDS) do
      acc[f] = acc[f] / acc.n
      local xs = {}
      for j, r in ipairs(vals[b]) do xs[j] = r[f] end
      acc[f .. "_sem"] = lab.stats(xs).sem -- (NaN for one copy)
    end
  end
  return by
end

local lines = {}
for k, T in ipairs(p.T) do
  local obs, _, sobs = lab.anneal(run, ens, p, T, t0, report.overlap_opts(p, {
    lags = lags, chi = {p.chi},
    histogram = {bins = p.bins, min = p.hist_min, max = p.hist_max,
                 lags = glass.schedule.list(p.hist_lags)}}), false,
    {same_basin = K_at(T), seed = report.point_seed(p, k), state = true})
  local srows = report.add_state(state, sobs, {T = T}, function(step) return step - t0 - p.tw end)
  if k == 1 then run:log("after the quench: %s", report.state_text(srows[1])) end
  local s = obs:table("summary")
  -- tau90 and tau_e (interpolated, a bootstrap interval over basins) beside the free weight's.
  local u = report.units(p, (data:size()), T)
  local eps = s:row(1).eps
  local trow, t90, why90 = glass.analysis.tau_report(obs, s:column("t"), s:column("Q_mean"),
    {T = T, tau90_free = T > 0 and eps * eps / (4 * u.D * X90 * X90) or 0 / 0, eps = eps,
     D = u.D, T_paper = u.T_paper}, {method = p.tau_method, seed = p.seed})
  tau:add_row(trow)
  tau90_at[T], ci_at[T] = t90 or false, report.drift_estimate(trow, s:column("t"))
  run:log("T = %-8g tau90 = %s (free weight: %s)", T,
    report.tau_ci(t90, trow.tau90_lo, trow.tau90_hi, why90, "95% bootstrap over basins"),
    num(trow.tau90_free, "%.4g"))
  -- Per-lag 95 % intervals of the χ₄ parts, whole basins resampled (the figures' bands).
  local t, curves, basins, N = obs:curves{quantity = "Q"} -- N: the weights in Q
  local _, msd_c = obs:curves{quantity = "msd"}
  local _, dw4_c = obs:curves{quantity = "dw4"}
  local members, order = {}, {}
  for r, b in ipairs(basins) do
    if not members[b] then members[b] = {}; order[#order + 1] = b end
    table.insert(members[b], r)
  end
  local units = {}
  for i, b in ipairs(order) do units[i] = b end
  -- Each basin's state at t_max (the copies' observer of a same-basin run).
  local bstate = basin_states(type(sobs) == "table" and sobs[#sobs] or sobs, basins,
                              t0 + p.tw + p.tmax)
  -- Standard errors over basins (the K noise copies of a basin are not
  -- independent): each basin's mean of Q, MSD and the per-replica alpha2
  -- (collected below), then their spread over the basins; NaN with fewer
  -- than 2 basins.
  local bsum = {Q = {}, msd = {}, alpha2 = {}, alpha2_within = {}}
  for l = 1, #t do
    bsum.Q[l], bsum.msd[l], bsum.alpha2[l], bsum.alpha2_within[l] = {}, {}, {}, {}
  end
  local function se_basins(q, l) return lab.stats(bsum[q][l]).sem end
  curves_at[T] = {t = t, Q = {}}
  for _, b in ipairs(order) do
    local m, mean = #members[b], glass.analysis.mean_curve(curves, members[b])
    table.insert(curves_at[T].Q, mean)
    -- The basin's MSD and alpha2 from its replicas' pooled moments (as alpha2_within's parts).
    local msd, dw4 = glass.analysis.mean_curve(msd_c, members[b]),
      glass.analysis.mean_curve(dw4_c, members[b])
    local sub = {} -- the basin's own curves, for its tau intervals
    for j, r in ipairs(members[b]) do sub[j] = curves[r] end
    for l = 1, #t do
      local ss, c, sa, na = 0, 0, 0, 0
      local m2, m4 = {}, {}
      for j, r in ipairs(members[b]) do
        local q, mr = curves[r][l], msd_c[r][l]
        if q == q then ss, c = ss + (q - mean[l]) ^ 2, c + 1 end
        local a = dw4_c[r][l] / (3 * mr * mr) - 1 -- replica r's alpha2, the authors' estimator
        if a == a and mr > 0 then sa, na = sa + a, na + 1 end
        m2[j], m4[j] = mr, dw4_c[r][l]
      end
      local a2 = dw4[l] / (3 * msd[l] * msd[l]) - 1
      local msd_s = lab.stats(m2)
      q_b:add_row{T = T, t = t[l], basin = b, n = m, Q = mean[l],
                  Q_sem = c > 1 and math.sqrt(ss / (c - 1) / c) or 0 / 0, msd = msd[l],
                  alpha2 = a2, msd_sem = msd_s.n > 1 and msd_s.sem or 0 / 0,
                  alpha2_se = select(2, lab.pooled_alpha2(m2, m4))}
      table.insert(bsum.Q[l], mean[l]) -- NaN (every copy lost) is skipped by lab.stats
      table.insert(bsum.msd[l], msd[l])
      table.insert(bsum.alpha2_within[l], a2)
      if na > 0 then table.insert(bsum.alpha2[l], sa / na) end
    end
    local st = bstate[b] or {n = 0}
    local row = {T = T, basin = b, n = m, n_state = st.n}
    for _, f in ipairs(STATE_FIELDS) do
      row[f .. "_tmax"], row[f .. "_tmax_sem"] = st[f] or 0 / 0, st[f .. "_sem"] or 0 / 0
    end
    for name, threshold in pairs{tau90 = 0.9, tau_e = math.exp(-1)} do
      -- (of the basin's mean curve; its status in tau.csv's words)
      local v, kind = glass.analysis.tau_curves(t, curves, members[b], "interp", threshold)
      row[name], row[name .. "_status"] = v or 0 / 0, v and "ok" or kind
      -- Its interval: the basin's replicas resampled (its K noise copies are
      -- independent given the basin); none for one replica; without a tau, the
      -- bound it still gives (glass.analysis.tau_fields).
      row[name .. "_lo"], row[name .. "_hi"] = 0 / 0, 0 / 0
      if #sub >= 2 and p.B > 0 then
        local res = glass.analysis.tau_replicas(t, sub, {method = "interp", B = p.B,
          seed = p.seed, threshold = threshold})
        if (res.tau ~= nil) == (v ~= nil) then
          row[name .. "_lo"], row[name .. "_hi"] = glass.analysis.tau_bounds(res)
        end
      end
    end
    tau_b:add_row(row)
  end
  local Kt = K_at(T)
  local draws = {}
  for _, c in ipairs(CHI4) do draws[c] = {} end
  if Kt and p.B > 0 and #units >= 2 then -- (independent networks: chi-square, below)
    glass.analysis.bootstrap{n = #units, B = p.B, seed = p.seed, stat = resampled(function(idx, keep)
      if not keep then return 0 end
      local pick = {}
      for j, u in ipairs(idx) do pick[j] = units[u] end
      local w, b, live = chi4_parts(curves, members, pick, N)
      local tot, c4 = {}, {}
      -- chi4's n - 1 normalisation over the live copies (as the observer's, lost ones out)
      for l = 1, #w do tot[l] = w[l] + b[l]; c4[l] = tot[l] * live[l] / (live[l] - 1) end
      table.insert(draws.chi4_within, w)
      table.insert(draws.chi4_between, b)
      table.insert(draws.chi4_total, tot)
      table.insert(draws.chi4, c4)
      return 0
    end)}
  end
  local function interval(c, l)
    local xs = {}
    for _, d in ipairs(draws[c]) do
      if d[l] == d[l] then xs[#xs + 1] = d[l] end
    end
    if #xs == 0 then return 0 / 0, 0 / 0 end
    return quantile(xs, 0.025), quantile(xs, 0.975)
  end
  assert(#t == s:nrows(), "heterogeneity: the observer's curves and summary have different lags")
  local kfac = Kt and (Kt - 1) / Kt or 1
  local map = {T = T, Q = "Q_mean", msd = "msd_mean",
               chi4_null = function(r) return kfac * r.Q_mean * (1 - r.Q_mean) end,
               Q_sem_basins = function(_, i) return se_basins("Q", i) end,
               msd_sem_basins = function(_, i) return se_basins("msd", i) end,
               alpha2_sem_basins = function(_, i) return se_basins("alpha2", i) end,
               alpha2_within_sem_basins = function(_, i) return se_basins("alpha2_within", i) end,
               -- chi4_null's s.e. from Q's over basins: for a Gaussian estimate of Q with
               -- s.e. s, Var(k Q (1 - Q)) = k^2 ((1 - 2Q)^2 s^2 + 2 s^4) exactly (the first
               -- order alone vanishes at Q = 1/2)
               chi4_null_sem_basins = function(r, i)
                 local se, g = se_basins("Q", i), 1 - 2 * r.Q_mean
                 return kfac * math.sqrt(g * g * se * se + 2 * se ^ 4)
               end}
  -- Independent networks (--ensemble=independent, or T = 0): the chi-square interval of
  -- the true N Var(Q) (glass.report.chi4_interval, exact for Gaussian Q at any n), which
  -- chi4, chi4_total and chi4_between (1/n) all estimate; chi4_within is 0 by construction.
  -- A percentile bootstrap of a variance over so few networks is useless: over 2 its
  -- upper end is the estimate itself.  Same-basin rows: the bootstrap over basins.
  local function lag_interval(c, r, i)
    if Kt then return interval(c, i) end
    if c == "chi4_within" then return 0, 0 end
    return report.chi4_interval(r.chi4, r.n)
  end
  for _, c in ipairs(CHI4) do
    map[c .. "_lo"] = function(r, i) return (lag_interval(c, r, i)) end
    map[c .. "_hi"] = function(r, i) return select(2, lag_interval(c, r, i)) end
  end
  moments:add_rows(s, map)
  -- The pooled histogram, each bin's 95 % interval from resampling whole basins (pooled
  -- fraction = sum_b n_b f_b / sum_b n_b over the drawn basins).  A basin's histogram: its
  -- K noise replicas pooled, or one network's own (independent networks, T = 0: each a
  -- basin of its own).  (An observer restored from a format-1 checkpoint of an earlier
  -- glassvm kept only the pooled histogram: no interval then for independent networks.)
  local per_bin = {} -- "t bin_lo" -> {basin label -> {n, fraction}}
  local okb, hb = pcall(obs.table, obs, "histogram_basins")
  if not okb then
    local intr = glass.interruption(hb)
    if intr or Kt then error(intr or hb, 0) end
  else
    hb = hb:filter{layer = 0} -- all layers together
    for i = 1, hb:nrows() do
      local r = hb:row(i)
      local key = r.t .. " " .. r.bin_lo
      per_bin[key] = per_bin[key] or {}
      per_bin[key][r.basin] = {r.n, r.fraction}
    end
  end
  if Kt then
    hist_b:add_rows(hb, {T = T, log10_dw = function(r) return (r.bin_lo + r.bin_hi) / 2 end})
    basin_labels[T] = select(2, hb:group_by("basin"))
  end
  local h, hrows = obs:table("histogram"):filter{layer = 0}, {}
  for i = 1, h:nrows() do
    local r = h:row(i)
    hrows[i] = {T = T, t = r.t, bin_lo = r.bin_lo, bin_hi = r.bin_hi,
                log10_dw = (r.bin_lo + r.bin_hi) / 2, fraction = r.fraction,
                fraction_lo = 0 / 0, fraction_hi = 0 / 0}
  end
  if okb and p.B > 0 and #units >= 2 then
    local hdraws = {}
    for i = 1, #hrows do hdraws[i] = {} end
    glass.analysis.bootstrap{n = #units, B = p.B, seed = p.seed, stat = resampled(function(idx, keep)
      if not keep then return 0 end
      for i, row in ipairs(hrows) do
        local cell, num, den = per_bin[row.t .. " " .. row.bin_lo] or {}, 0, 0
        for _, u in ipairs(idx) do
          local c = cell[units[u]]
          if c then num, den = num + c[1] * c[2], den + c[1] end
        end
        if den > 0 then table.insert(hdraws[i], num / den) end
      end
      return 0
    end)}
    for i, row in ipairs(hrows) do
      if #hdraws[i] > 0 then
        row.fraction_lo, row.fraction_hi = quantile(hdraws[i], 0.025), quantile(hdraws[i], 0.975)
      end
    end
  end
  for _, row in ipairs(hrows) do hist:add_row(row) end
  -- Peaks of χ₄ parts, with a bootstrap over basins (whole basins resampled); each
  -- resample's peak lag goes into t_draws, for t_peak's interval from the same resamples.
  local t_draws
  local function peak_of(part)
    return resampled(function(idx, keep)
      local pick = {}
      for j, u in ipairs(idx) do pick[j] = units[u] end
      local w, b = chi4_parts(curves, members, pick, N)
      local v = part == "within" and w or part == "between" and b or {}
      if part == "total" then for l = 1, #w do v[l] = w[l] + b[l] end end
      local best, at = argmax(v)
      if keep and at and best > 0 then t_draws[#t_draws + 1] = t[at] end -- all 0: no peak lag
      return at and best or nil -- no finite chi4: undefined (argmax's -inf would rank)
    end)
  end
  local summary = {}
  for _, part in ipairs(Kt and {"within", "between", "total"} or {"total"}) do
    -- (independent networks: total = between, and within is 0)
    local col = s:column("chi4_" .. part)
    local best, at = argmax(col)
    local bs = {lo = 0 / 0, hi = 0 / 0, level = 0.95, B = 0}
    local t_lo, t_hi = 0 / 0, 0 / 0
    t_draws = {}
    if p.B > 0 and #units >= 2 and at then
      bs = glass.analysis.bootstrap{n = #units, B = p.B, seed = p.seed, stat = peak_of(part)}
      if #t_draws > 0 then
        t_lo, t_hi = quantile(t_draws, (1 - bs.level) / 2), quantile(t_draws, (1 + bs.level) / 2)
      end
    end
    -- Independent networks: the chi-square interval of N Var(Q) at the peak's lag (the
    -- resamples above still give t_peak's interval).
    if not Kt and at then bs.lo, bs.hi = report.chi4_interval(s:row(at).chi4, s:row(at).n) end
    peaks:add_row{T = T, part = part, t_peak = at and s:row(at).t or 0 / 0,
                  chi4_peak = at and best or 0 / 0, chi4_peak_lo = bs.lo, chi4_peak_hi = bs.hi,
                  level = bs.level, B = bs.B, t_peak_lo = t_lo, t_peak_hi = t_hi}
    local ci = bs.lo == bs.lo and string.format(" [%.3g, %.3g]", bs.lo, bs.hi) or ""
    local tci = t_lo == t_lo and string.format(" [%g, %g]", t_lo, t_hi) or ""
    summary[#summary + 1] = at and string.format("%s %.3g%s at t = %d%s", part, best, ci,
      s:row(at).t, tci) or (part .. " none (no finite chi4)")
  end
  -- The state at t_max with its s.e. over basins: the mean and s.e. of the basins' means
  -- (the K copies of a basin are not independent; state.csv's *_sem is over all copies).
  -- Independent networks: the observer's own, over them.
  if Kt then
    local row, live = {}, 0
    for _, b in ipairs(order) do if bstate[b] then live = live + 1 end end
    for _, f in ipairs(STATE_FIELDS) do
      local means = {}
      for j, b in ipairs(order) do means[j] = (bstate[b] or {})[f] or 0 / 0 end
      local st = lab.stats(means) -- (a basin with every copy lost: NaN, left out)
      row[f], row[f .. "_sem"] = st.mean, st.sem
    end
    run:log("  state at t = %d: %s (each basin's mean over its live copies, then the mean "
      .. "and s.e. over the %s; tau_basins.csv has each basin's)", p.tmax,
      report.state_text(row), live == #units and string.format("%d basins", live)
        or string.format("%d of %d basins that kept one", live, #units))
  else
    run:log("  state at t = %d: %s", p.tmax, report.state_text(srows[#srows]))
  end
  local last = s:row(s:nrows())
  local a2se = se_basins("alpha2", #bsum.alpha2)
  -- The pooled estimator's s.e. is the observer's jackknife over every copy,
  -- which takes a basin's copies as independent: said as such.
  local how_ci = not Kt and " [95% chi-square interval of N Var(Q) at the peak's lag" .. (p.B > 0
    and "; t: nominal 95% percentile bootstrap over networks]" or "]")
    or p.B > 0 and string.format(" [nominal 95%% bootstrap over %d basins: for a variance such "
      .. "an interval held the truth %s, docs/analysis.md]", #units,
      var_coverage(#units, "basins")) or ""
  lines[#lines + 1] = string.format("T = %-8g alpha2(t = %d) = %s ± %s (s.e. over basins); "
    .. "pooled %s ± %s (jackknife over %s); chi4 "
    .. "peaks%s: %s", T, p.tmax, num(last.alpha2), num(a2se, "%.2g"),
    num(last.alpha2_pooled), num(last.alpha2_pooled_se, "%.2g"),
    Kt and "all copies, not basins" or K and "the networks: at T = 0 each is its own basin"
      or "the networks", how_ci,
    table.concat(summary, "; "))
end
-- The T = 0 companion: gradient descent from the same networks (the
-- networks themselves: without noise the K copies of a basin coincide).
if p.drift_check then
  local tau0, ci0 = tau90_at[0], ci_at[0]
  if tau0 == nil then
    -- The same estimator as at T > 0 (--tau_method), or the 10% comparison would mix two.
    local obs0 = lab.anneal(run, ens, p, 0, t0, report.overlap_opts(p, {chi = {p.chi}}))
    local s0 = obs0:table("summary")
    local r0, t90 = glass.analysis.tau_report(obs0, s0:column("t"), s0:column("Q_mean"), {},
      {method = p.tau_method, seed = p.seed})
    tau0, ci0 = t90 or false, report.drift_estimate(r0, s0:column("t"))
    local t, curves = obs0:curves{quantity = "Q"}
    curves_at[0] = {t = t, Q = curves}
  end
  -- (Paired by network: on a same-basin ensemble T > 0's basin i is the K copies of
  -- network i, whose own curve is T = 0's i-th; the bootstrap draws networks.)
  lines[#lines + 1] = report.drift_check(run, p.T, tau90_at, tau0, ci_at, ci0, nil,
    report.drift_ratios(curves_at, {method = p.tau_method, seed = p.seed}))
end
local how = K and string.format("same-basin ensemble: %d basins x K = %d noise replicas copied "
  .. "at t_w%s", p.replicas, K, has_T0 and "; at T = 0 the networks themselves (without noise "
  .. "the copies would coincide)" or "") or string.format("%d independent networks (each its own basin)",
  p.replicas)
-- The chi4 intervals' comment: with independent networks (--ensemble=independent, and a
-- T = 0 of a same-basin run: the networks themselves) `ind`, the chi-square interval;
-- same-basin rows `sb`, the bootstrap over basins.
local function chi4_ci_text(sb, ind)
  local f_lo, f_hi = report.chi4_interval(1, p.replicas)
  ind = string.format("%s (glass.report.chi4_interval: chi4 (n-1) over the chi-square(n-1) "
    .. "quantiles; exact for Gaussian Q at any n, and wide: over %d networks from %.3g to %.4g "
    .. "times chi4, the n-1 estimate; chi4_total, the 1/n one, is (n-1)/n of it and has the "
    .. "same interval)", ind, p.replicas, f_lo, f_hi)
  if p.B > 0 then
    sb = string.format("a nominal %s: for a sample variance such an interval held the true "
      .. "value %s, not 95%% (docs/analysis.md, \"A variance is worse\"), so read it "
      .. "as rough", sb, var_coverage(p.replicas, "basins"))
  end
  if not K then return ind end
  if not has_T0 then return sb end
  return "at T > 0 (same-basin rows) " .. sb .. "; at T = 0 (the networks themselves) " .. ind
end
run:write_csv("moments", moments, report.with(header, how,
  "alpha2 = mean over replicas of <dw^4>/(3<dw^2>^2) - 1 (the authors' estimator), alpha2_sem "
  .. "its standard error; alpha2_pooled from replica-averaged moments (alpha2_pooled_se: "
  .. "jackknife over replicas); alpha2_within: basin-pooled alpha2 averaged over basins",
  "Q, msd: means over replicas, *_sem standard errors over all replicas, which treat a "
  .. "basin's K noise copies as independent and so understate the error of same-basin "
  .. "ensembles; *_sem_basins: standard errors over basins (each basin's mean, then their "
  .. "spread; empty with one basin), the ones to quote; alpha2_within_sem_basins: the same "
  .. "over the basins' pooled alpha2 (overlap_basins.csv, unweighted); chi4_null_sem_basins: "
  .. "Q_sem_basins s carried through chi4_null = k Q (1-Q): k sqrt((1-2Q)^2 s^2 + 2 s^4)",
  "chi4 = N Var(Q) (n-1) over all replicas; chi4_total = chi4_within + chi4_between (law of "
  .. "total variance, 1/n normalisation): within = N mean_b Var_k Q_bk (thermal), between = "
  .. "N Var_b mean_k Q_bk; chi4*_lo/_hi: " .. chi4_ci_text(p.B > 0 and string.format("95%% "
  .. "percentile bootstrap interval over basins at each lag (whole basins resampled, B = %d, "
  .. "seed %d)", p.B, p.seed) or "none (--B=0)", "the 95% chi-square interval of the true N "
  .. "Var(Q) at each lag, the same for chi4, chi4_total and chi4_between (chi4_within = 0: "
  .. "[0, 0])"),
  K and "chi4_null = (1 - 1/K) Q (1 - Q): the expectation of chi4_within if the N weights "
  .. "moved independently with the measured mean Q (exact for a free weight)"
  or "chi4_null = Q (1 - Q): the expectation of chi4 (n-1) if the N weights moved "
  .. "independently with the measured mean Q (exact for a free weight)"))
run:write_csv("tau", tau, report.with(header, how, (p.tau_method == "interp"
  and "tau90, tau_e: the lag where the mean Q crosses 0.9 and 1/e, interpolated linearly in "
  .. "log t (method interp)" or "tau90, tau_e: " .. lab.tau_text(p.tau_method)) .. "; empty: none "
  .. "(tau*_status says why); "
  .. report.tau_ci_comment("basins (whole basins resampled)") .. "; tau90_free: the free "
  .. "weight's, eps^2/(4 D x^2) with erf(x) = 0.9; eps = sigma(t_w)/chi; "
  .. "D = lr*T/P, T_paper = T*60000/P"))
run:write_csv("chi4_peaks", peaks, report.with(header, how, "peak of each chi4 part over the "
  .. "lags; chi4_peak_lo/hi: " .. chi4_ci_text(p.B > 0 and string.format("%g%% percentile "
  .. "bootstrap interval over basins (whole basins resampled, B = %d, seed %d; the largest "
  .. "over the lags of a resampled curve is biased up, so most resamples lie above the peak "
  .. "and the interval sits high)", 95, p.B,
  p.seed) or "none (--B=0)", "the 95% chi-square interval of N Var(Q) at t_peak (of chi4 at "
  .. "that lag, not of the largest over the lags)") .. "; t_peak_lo/hi: " .. (p.B > 0 and
  string.format("the 95%% percentiles of the peak lags of B = %d bootstrap resamples over "
  .. "basins (whole basins resampled, seed %d; interpolated between lags, so not always a "
  .. "measured lag; a resample whose part is 0 at every lag has no peak lag and is left out)",
  p.B, p.seed) or "none (--B=0)") .. "; B: the resamples drawn for t_peak_lo/hi, and for "
  .. "chi4_peak_lo/hi where those are a bootstrap interval (not the chi-square one)"))
run:write_csv("histogram", hist, report.with(header, how, "histogram of log10|dw| over all "
  .. "weights and replicas (pooled); fraction = count/total (zeros and out-of-range values are "
  .. "counted in total only); fraction_lo/_hi: " .. (p.B > 0 and string.format("95%% "
  .. "percentile bootstrap interval over %s (B = %d, seed %d)", K and "basins (whole basins "
  .. "resampled; at T = 0, where the networks run themselves, over networks)" or "networks",
  p.B, p.seed) or "none (--B=0)")))
run:write_csv("state", state, report.with(header, how, report.STATE_COMMENT .. (K and "; the "
  .. "rows up to t = 0 are the networks before the copies (n = --replicas), the later ones "
  .. "the same-basin ensemble (n = replicas x K; their *_sem treats the K copies of a basin as "
  .. "independent, which understates it)" or "")))
run:write_csv("overlap_basins", q_b, report.with(header, how, "Q of each basin: the mean over "
  .. "its n replicas (the K noise copies; at T = 0 or with independent networks, the network "
  .. "itself), Q_sem its standard error over them (empty for n = 1); msd, alpha2: the basin's "
  .. "MSD and <dw^4>/(3 MSD^2) - 1 from its replicas' pooled moments; msd_sem: the MSD's "
  .. "standard error over them, alpha2_se: alpha2's jackknife standard error over them (each "
  .. "replica left out in turn; both empty for n = 1)"))
run:write_csv("networks", networks, report.with(header, how, "each quenched network after the "
  .. "quench (before t_w): loss (with L2), data loss, accuracy, fraction of unsatisfied rows "
  .. "(y f < 1), on all training rows; lost = 1: lost in the quench (values empty)"))
run:write_csv("tau_basins", tau_b, report.with(header, how, "tau90, tau_e of each basin's mean "
  .. "Q (overlap_basins.csv), interpolated linearly in log t; empty: none (*_status says why: "
  .. "not_reached, before_first_lag, below_min_t); tau*_lo/_hi: " .. (p.B > 0 and string.format(
  "95%% percentile bootstrap interval over the basin's own n replicas (B = %d, seed %d; "
  .. "empty for n = 1; the upper end is inf when over 2.5%% of the resamples stay above the "
  .. "threshold to the last lag, the lower end 0 when they cross before the first; for an empty "
  .. "tau the bound they still give: not_reached [the lower end or the last lag, inf], "
  .. "before_first_lag [0, the upper end or the first lag])", p.B, p.seed) or "none (--B=0)")
  .. string.format("; n_state, *_tmax: the basin's state at t = %d, means over its n_state "
  .. "live replicas of the loss (with L2), data loss, accuracy and fraction of unsatisfied "
  .. "rows (y f < 1), *_tmax_sem their standard errors (empty for n_state = 1): the log's "
  .. "state at t_max is the means' mean and standard error over basins", p.tmax)))
if K then
  run:write_csv("histogram_basins", hist_b, report.with(header, how, "histogram of log10|dw| "
    .. "within each basin: the n noise replicas of that basin pooled (basin = its label); "
    .. "fraction = count/total within the basin, fraction_sem its standard error over the n "
    .. "replicas' own fractions. A bimodal pooled histogram whose basins are each unimodal comes from "
    .. "differences between basins, not from mobile and immobile weights within one"))
end

-- Q(t): the ensemble's mean with its standard error over basins (Q_sem, over all
-- copies, takes a basin's K copies as independent), and each basin's own curve
-- (colour: T; dash: basin), where a basin unlike the others shows.
local qs = glass.plot.curves{file = "moments.csv", x = "t", y = "Q", by = "T", values = p.T}
report.training_plot(run, p, t0, "T", p.T)
run:plot{name = "overlap", title = "Overlap Q(t) after t_w (mean over replicas; bands: ± s.e. "
  .. "over basins)", xlabel = "t (steps after t_w)", ylabel = "Q", logx = true,
  key = "bottom left", series = glass.plot.join(glass.plot.bands(qs, "Q_sem_basins"), qs)}
local qbs = {}
for _, s in ipairs(glass.plot.curves{file = "overlap_basins.csv", x = "t", y = "Q", by = "T",
                                     values = p.T}) do
  local labels = select(2, q_b:filter{T = s.where.T}:group_by("basin"))
  for ib, b in ipairs(labels) do
    local c = {}
    for k, v in pairs(s) do c[k] = v end
    c.where = {T = s.where.T, basin = b}
    c.title, c.dash = string.format("%s, basin %g", s.title, b), ib > 1 and ib or nil
    qbs[#qbs + 1] = c
  end
end
run:plot{name = "overlap_basins", title = "Overlap Q(t) of each basin (colour: T; dash: basin)",
  xlabel = "t (steps after t_w)", ylabel = "Q", logx = true, key = "bottom left", series = qbs}
run:plot{name = "alpha2", title = "Non-Gaussian parameter α_2(t) (mean over replicas; bars: ± "
  .. "s.e. over basins)", xlabel = "t (steps after t_w)", ylabel = "α_2", logx = true,
  key = "top left",
  series = glass.plot.join(glass.plot.curves{file = "moments.csv", x = "t", y = "alpha2", by = "T",
                                             values = p.T, yerr = "alpha2_sem_basins"},
                           {fn = "0", title = "Gaussian", dash = 2, color = "#777777"})}
-- One figure per T (chi4_T1, chi4_T2, ... in the order of --T): the χ₄ parts
-- and the independent-weight null curve.
for it, T in ipairs(p.T) do
  local function part(y, title, c, dash)
    return {file = "moments.csv", x = "t", y = y, where = {T = T}, title = title, color = c,
            dash = dash}
  end
  local parts = K_at(T) and {part("chi4_total", "χ_4 total", "#000000"),
                       part("chi4_within", "χ_4 within basins (thermal)", "#d62728"),
                       part("chi4_between", "χ_4 between basins", "#1f77b4")}
    or {part("chi4", "χ_4 (independent networks)", "#000000")}
  -- Bands under each part: the chi-square interval with independent networks, 95 %
  -- bootstrap bands over basins on a same-basin ensemble (none with --B=0).  The
  -- chi-square band reaches far above the curves over few networks (1018 times chi4 over
  -- 2): the plot stops at 3 times the highest curve, so that they stay readable.
  local bands, yrange = not K_at(T) and " (bands: 95% chi-square interval, cut at the top)"
    or p.B > 0 and " (bands: nominal 95% bootstrap over basins)" or ""
  if not K_at(T) then
    local top, rows = 0, moments:filter{T = T}
    for _, c in ipairs{"chi4", "chi4_null"} do
      for _, x in ipairs(rows:column(c)) do if x == x and x > top then top = x end end
    end
    yrange = top > 0 and {0, 3 * top} or nil
  end
  local series = glass.plot.join(bands ~= "" and glass.plot.interval_bands(parts) or {}, parts,
                                 part("chi4_null", "independent weights (null)", "#777777", 2))
  run:plot{name = "chi4_T" .. it, title = string.format("χ_4(t) = N·Var[Q(t)] at T = %s%s",
      glass.plot.label(T), bands), xlabel = "t (steps after t_w)", ylabel = "χ_4", logx = true,
    key = "top left", yrange = yrange, series = series}
end
-- One histogram panel per lag, one curve per T.
for _, lag in ipairs(p.hist_lags) do
  local series = glass.plot.curves{file = "histogram.csv", x = "log10_dw", y = "fraction", by = "T",
                                   values = p.T, style = "lines"}
  for _, s in ipairs(series) do s.where.t = lag end
  local hbands = K and p.B > 0
  if hbands then series = glass.plot.join(glass.plot.interval_bands(series), series) end
  run:plot{name = "histogram_t" .. lag, title = string.format(
      "Displacements after Δt = %d steps: histogram of log_{10}|Δw|%s", lag,
      hbands and " (bands: 95% bootstrap over basins)" or ""),
    xlabel = "log_{10}|Δw|", ylabel = "fraction of weights", key = "top left", series = series}
  -- Within basins: one panel per T, one curve per basin.
  for it, T in ipairs(K and p.T or {}) do
    if not basin_labels[T] then goto next_T end -- T = 0: no copies, no basins to split
    local bs = glass.plot.curves{file = "histogram_basins.csv", x = "log10_dw", y = "fraction",
                                 by = "basin", values = basin_labels[T], style = "lines",
                                 label = "basin %s"}
    for _, s in ipairs(bs) do s.where.t, s.where.T = lag, T end
    run:plot{name = string.format("histogram_basins_T%d_t%d", it, lag), title = string.format(
        "Within basins, T = %s, Δt = %d: histogram of log_{10}|Δw|", glass.plot.label(T), lag),
      xlabel = "log_{10}|Δw|", ylabel = "fraction of the basin's weights", key = "top left",
      series = bs}
    ::next_T::
  end
end
run:finish(lines)
