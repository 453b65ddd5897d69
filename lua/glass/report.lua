-- glass.report: what a protocol reports beside its observables, so that a
-- reader knows what was run and what was measured (docs/dynamics.md,
-- "Noise across sweep points" and "Comparing with the paper's units";
-- docs/protocols.md, "What the Langevin protocols report").
--
--   report.noise_params()            the --noise parameter (independent | common)
--   report.point_seed(p, k)          the seed of sweep point k
--   report.noise_comment(p, what)    "noise: ..." for log and CSV headers
--   report.units(p, P, T)            D = lr*T/P and the paper's equivalents
--   report.units_comments(p, P, Ts)  the lines for log and CSV headers
--   report.header(run, p, P, Ts, what), report.with(header, ...)  log them; CSV comments
--   report.state_steps(t0, tws, lags), report.state_observer(steps, lambda),
--   report.state_table(keys),
--   report.add_state(tbl, obs, fields, t_of)   loss, accuracy, unsat -> state.csv
--   report.bands(p, series, err)               error bands when replicas > 1
--   report.tau_bars(p, series)                 a tau series with its bootstrap bars
--   report.chi4_interval(chi4, n [, level]), report.chi4_columns(map [, level])
--                                              chi4's interval per lag (chi-square)
--   report.plateau(vals, seed), report.plateau_fit(sets, seed, what, paper),
--   report.bootstrap_over_T{sizes =, stat =, ...},
--   report.tau_exponent_bootstrap(fitsets, method, seed)
--                                              a plateau's interval; its power law in T
--   report.drift_params(), report.drift_line(T, tau_T, tau_0),
--   report.drift_check(run, Ts, tau90_at, tau0)  the T = 0 comparison
--   report.uot_verdict, ttt_verdict, ageing_verdict  computed conclusions
--                                    (these two groups live in glass/verdict.lua)
local M = {}

local function G() return package.loaded.glass end

-- The paper's learning rate and training-set size (arXiv:2405.13098 and the
-- authors' code, mkerrwinter/glass_net_publication: lr 1e-3, all 60000 MNIST rows).
M.PAPER = {lr = 1e-3, P = 60000}

-- ---- noise across sweep points ----------------------------------------------------------

-- --noise_offset continues another run's sweep: a run whose list is the rest of a sweep
-- (more temperatures, say, after a run that had k of them) numbers its points from k + 1,
-- so that its noise is independent of the first run's; the networks (the seed) are the
-- same.  It is left out of params.lua while 0, so older runs resume unchanged.
-- what: the randomness the points draw ("Langevin noise" unless given; "SGD shuffles").
function M.noise_params(what)
  return {{"noise", "independent", (what or "Langevin noise") .. " across sweep points: "
    .. "independent (point k "
    .. "runs with seed glass.rng.subseed(seed, k)) or common (every point reuses the seed's "
    .. "stream: common random numbers, points correlated)", choices = {"independent", "common"}},
    {"noise_offset", 0, "with --noise=independent, point k runs with glass.rng.subseed(seed, "
      .. "k + noise_offset): give a run that continues another's sweep (same seed, more "
      .. "points) the number of points that run had, so their noise streams differ",
      min = 0, max = 1000000, omit_default = true},
    {check = function(p)
      if (p.noise_offset or 0) ~= 0 and p.noise == "common" then
        return "--noise_offset numbers independent noise streams; with --noise=common every "
          .. "point reuses the seed's: drop one of the two"
      end
    end}}
end

-- The seed sweep point k (1, 2, ... in the order of the swept list) runs
-- with: a Philox-derived sub-seed of the run's seed, point k + noise_offset
-- (independent), or the run's seed itself (common random numbers).
function M.point_seed(p, k)
  if p.noise == "common" then return p.seed end
  return G().rng.subseed(p.seed, k + (p.noise_offset or 0))
end

-- One line saying which noise was used; `what` names the swept list ("--T").
function M.noise_comment(p, what)
  if p.noise == "common" then
    return string.format("noise: common (every point of %s reuses seed %d: common random "
      .. "numbers, so points are correlated)", what, p.seed)
  end
  local off = p.noise_offset or 0
  if off ~= 0 then
    return string.format("noise: independent (point k = 1, 2, ... of %s runs with seed "
      .. "glass.rng.subseed(%d, k + %d), --noise_offset)", what, p.seed, off)
  end
  return string.format("noise: independent (point k = 1, 2, ... of %s runs with seed "
    .. "glass.rng.subseed(%d, k))", what, p.seed)
end

-- ---- units -------------------------------------------------------------------------------

-- The free-weight diffusion per step D = lr*T/P and the paper's equivalents
-- (docs/dynamics.md, "Comparing with the paper's units"): at equal lr*t the update depends on T only
-- through T/P, so T here is T_paper = T*P0/P and one step is lr/lr0 of the
-- paper's steps; at equal T the diffusion per step is D_ratio times the
-- paper's, and T_same_D is the paper's temperature with this D per step.
function M.units(p, P, T)
  if type(p) ~= "table" or type(p.lr) ~= "number" or type(P) ~= "number" or type(T) ~= "number" then
    error("glass.report.units(p, P, T): p the parameters (with lr), P the rows, T the temperature", 2)
  end
  local lr0, P0 = M.PAPER.lr, M.PAPER.P
  return {D = p.lr * T / P, T_paper = T * P0 / P, steps_per_step = p.lr / lr0,
          D_ratio = (p.lr * P0) / (lr0 * P), T_same_D = T * p.lr * P0 / (lr0 * P)}
end

-- The lines for the log and the CSV headers of a Langevin protocol at
-- temperatures Ts on P rows.
function M.units_comments(p, P, Ts)
  if type(p) ~= "table" or type(P) ~= "number" or type(Ts) ~= "table" then
    error(string.format("glass.report.units_comments(p, P, Ts): the parameters, the training "
      .. "rows and the list of temperatures; got a %s, a %s and a %s", type(p), type(P),
      type(Ts)), 2)
  end
  local u = M.units(p, P, 1)
  local lines = {
    string.format("units: free-weight diffusion per step D = lr*T/P = %.6g*T (lr = %g, P = %d); "
      .. "the paper (lr0 = %g, P0 = %d) has D0 = %.6g*T, so at equal T D is %.4g x the "
      .. "paper's per step", u.D, p.lr, P, M.PAPER.lr, M.PAPER.P, M.PAPER.lr / M.PAPER.P,
      u.D_ratio),
    string.format("units: in the paper's units (equal lr*t, equal T/P) T_paper = %.4g*T and one "
      .. "step = %.4g paper steps (t_paper = %.4g*t)", u.T_paper, u.steps_per_step,
      u.steps_per_step),
  }
  local per = {}
  for _, T in ipairs(Ts) do
    local v = M.units(p, P, T)
    per[#per + 1] = string.format("T = %g: D = %.4g, T_paper = %.4g", T, v.D, v.T_paper)
  end
  if #per > 0 then lines[#lines + 1] = "units: " .. table.concat(per, "; ") end
  return lines
end

-- The header lines of a Langevin protocol (noise, units), logged once;
-- report.with(header, comment...) prepends a CSV's own comments to them.
function M.header(run, p, P, Ts, what)
  if type(p) ~= "table" or type(P) ~= "number" or type(Ts) ~= "table" then
    error(string.format("glass.report.header(run, p, P, Ts, what): the parameters, the training "
      .. "rows and the list of temperatures; got a %s, a %s and a %s", type(p), type(P),
      type(Ts)), 2)
  end
  -- The noise line says how point_seed draws each point's noise: only for a protocol
  -- that declares noise_params (else its seeds are its own, and the line would be false).
  local lines = {p.noise ~= nil and M.noise_comment(p, what) or nil}
  for _, l in ipairs(M.units_comments(p, P, Ts)) do lines[#lines + 1] = l end
  for _, l in ipairs(lines) do run:log("%s", l) end
  return lines
end

-- Percentile bootstrap intervals over few units (replicas, basins) hold
-- the true value less often than their nominal 95 %: measured for a
-- Gaussian mean by tools/bootstrap_coverage.lua (docs/analysis.md); at 2
-- exactly 50 %: the interval is the range of the two values.
M.COVERAGE = {{2, 50}, {3, 74}, {5, 84}, {10, 90}, {20, 92}, {50, 94}}

-- Log, once per run, what the 95 % intervals are worth over n units (the
-- word for them: "replicas", "basins"); nothing from 50 units on, or with
-- fewer than 2 (no intervals at all).
function M.coverage_note(run, n, units)
  if n < 2 or n >= 50 then return end
  local parts = {}
  for _, c in ipairs(M.COVERAGE) do parts[#parts + 1] = string.format("%d%% at %d", c[2], c[1]) end
  run:log("note: the 95%% intervals are percentile bootstraps over %d %s; over so few they hold "
    .. "the true value less often than 95%% (a Gaussian mean: %s; docs/analysis.md), so a "
    .. "verdict from intervals apart is indicative; more %s narrow the gap%s", n, units,
    table.concat(parts, ", "), units, n == 2 and string.format(" (over 2 %s an interval is the "
    .. "range of the two values, which holds the true value half the time: the verdicts "
    .. "below that rest on intervals are hints, not evidence; add %s)", units, units) or "")
end

function M.with(header, ...)
  if type(header) ~= "table" then
    error("glass.report.with(header, comment, ...): header is report.header's list of lines, "
      .. "got a " .. type(header), 2)
  end
  local out = {...}
  for _, l in ipairs(header) do out[#out + 1] = l end
  return out
end

-- ---- the state: loss, accuracy, unsatisfied rows -----------------------------------------

local STATE = {"step", "t", "n", "loss", "loss_sem", "data_loss", "data_loss_sem", "accuracy",
               "accuracy_sem", "unsat", "unsat_sem"}

-- The state's steps: t0 (after the quench), then each t_w of tws (absolute
-- steps) and t_w + every lag; lags a glass.Schedule.
function M.state_steps(t0, tws, lags)
  -- lags: a glass.Schedule or a list of lags, as the observers take them
  local list = type(lags) == "table" and lags or lags:steps()
  local steps = {t0}
  for _, tw in ipairs(tws) do
    steps[#steps + 1] = tw
    for _, l in ipairs(list) do steps[#steps + 1] = tw + l end
  end
  return steps
end

-- A scalar observer at the given absolute steps (deduplicated, sorted).
function M.state_observer(steps, lambda)
  local seen, list = {}, {}
  for _, s in ipairs(steps) do
    if not seen[s] then seen[s], list[#list + 1] = true, s end
  end
  table.sort(list)
  return G().observer.scalar{at = list, lambda = lambda}
end

-- state.csv's table: the point's columns (keys, e.g. {"T"}), then STATE.
function M.state_table(keys)
  local cols = {}
  for _, k in ipairs(keys or {}) do cols[#cols + 1] = k end
  for _, k in ipairs(STATE) do cols[#cols + 1] = k end
  return G().table{columns = cols}
end

-- Add obs's summary rows to tbl with the point's fields (numbers, e.g.
-- {T = T}); t_of(step) -> the lag after t_w (negative before it).  obs may
-- be a list of observers (a same-basin run's, glass.lab.anneal): their
-- rows in turn.  Returns the rows added (as tbl:row gives them).
function M.add_state(tbl, obs, fields, t_of)
  local first = tbl:nrows()
  for _, o in ipairs(type(obs) == "table" and obs or {obs}) do
    local map = {t = function(r) return t_of(r.step) end, loss = "loss_mean",
                 data_loss = "data_loss_mean", accuracy = "accuracy_mean", unsat = "unsat_mean"}
    for k, v in pairs(fields or {}) do map[k] = v end
    tbl:add_rows(o:table("summary"), map)
  end
  local rows = {}
  for i = first + 1, tbl:nrows() do rows[#rows + 1] = tbl:row(i) end
  return rows
end

-- "loss 0.0123 ± 0.0004 (data 0.0101 ± 0.0003), accuracy 0.912 ± 0.004,
-- unsatisfied fraction 0.153 ± 0.006" for a state row (the s.e. over live
-- replicas; none with one).
function M.state_text(r)
  local function v(x, se, f) -- "x ± se" (s.e. over replicas), x alone with one; NaN: none
    if x == nil or x ~= x then return "none" end
    return string.format(f, x) .. ((se and se == se) and string.format(" ± %.2g", se) or "")
  end
  return string.format("loss %s (data %s), accuracy %s, unsatisfied fraction %s",
    v(r.loss, r.loss_sem, "%.5g"), v(r.data_loss, r.data_loss_sem, "%.5g"),
    v(r.accuracy, r.accuracy_sem, "%.4g"), v(r.unsat, r.unsat_sem, "%.4g"))
end

M.STATE_MEANS = "state: means over live replicas (n) of the loss (with L2), data loss, "
  .. "accuracy and fraction of unsatisfied rows (y f < 1), *_sem standard errors"
M.STATE_COMMENT = M.STATE_MEANS .. "; t = step - (step at t_w): the first row (t = -t_w) is "
  .. "the state after the quench, t = 0 at t_w, then every lag (and, with --loss_trace, "
  .. "log-spaced rows in between)"

-- ---- plots -------------------------------------------------------------------------------

-- Error bands (column err, a standard error) under the curves of `list`
-- when the run has several replicas (glass.plot.bands); none with one.
function M.bands(p, list, err)
  if (p.replicas or 1) <= 1 then return {} end
  local b = G().plot.bands(list, err)
  if b[1] then b[1].title = "± 1 s.e. over replicas (bands)" end
  return b
end

-- A τ series (y = "tau90" or "tau_e" of a tau.csv) with its bootstrap
-- interval as asymmetric error bars (y_lo, y_hi) when the run has several
-- replicas; the series itself otherwise.  The title says so (unless
-- keep_title: say it in the plot's title).  A list of series (no .y) is
-- changed series by series.  An end that is infinite (more than 2.5 % of the
-- resamples do not cross within the lags), or 0 (they cross before the first
-- lag), is drawn at the first lag (1) or the last (p.tmax): the bar reaches
-- the end of what was measured.
function M.tau_bars(p, s, keep_title)
  if (p.replicas or 1) <= 1 then return s end
  if not s.y then
    for _, x in ipairs(s) do M.tau_bars(p, x, keep_title) end
    return s
  end
  s.ylow, s.yhigh = s.y .. "_lo", s.y .. "_hi"
  if p.tmax then s.yclip = {1, p.tmax} end
  if s.title and not keep_title then s.title = s.title .. " (95% bootstrap)" end
  return s
end

-- The loss along the whole protocol (the paper's Fig. A2), with --loss_trace:
-- training.png, the quench (quench.csv) then each T's Langevin run
-- (state.csv, column `by` = each of `values`) against the step since the
-- initialisation (a linear axis, as the paper draws it; the loss on a log axis);
-- dotted lines at the quench's end (t0) and at t_w; and training_langevin.png,
-- the Langevin part against the steps since the quench (log axis).  The
-- loss includes (λ/2)|W|², so it is positive unless λ = 0; an exact 0 is
-- drawn at 10^-16 (the bottom of the axis), not dropped.
function M.training_plot(run, p, t0, by, values)
  if (p.loss_trace or 0) <= 0 or (p.from and p.from ~= "") then return end
  local curves = G().plot.curves{file = "state.csv", x = "step", y = "loss", by = by,
                                 values = values, yfloor = 1e-16}
  local series = {{file = "quench.csv", x = "step", y = "loss", yfloor = 1e-16,
                   title = "SGD quench", color = "#000000"}}
  for _, c in ipairs(curves) do series[#series + 1] = c end
  local marks = {}
  for i, at in ipairs{t0, t0 + p.tw} do
    if at > 0 then
      marks[#marks + 1] = string.format("set arrow %d from %d, graph 0 to %d, graph 1 nohead dt 3 "
        .. "lc rgb '#777777'", i, at, at)
      marks[#marks + 1] = string.format("set label %d '%s' at %d, graph 0.97 %s "
        .. "textcolor rgb '#555555'", i, i == 1 and "quench ends" or "t_w", at,
        i == 1 and "right offset -0.5,0" or "left offset 0.5,0")
    end
  end
  run:plot{name = "training", title = "Loss along the protocol: SGD quench, then Langevin",
    xlabel = "steps since the initialisation", ylabel = "loss (with L2)", logy = true,
    key = "outside right top", extra = marks, series = series}
  -- The Langevin part alone, against the steps since the quench (log axis): the transient
  -- of the waiting time, then the measurement.
  local lcurves = G().plot.curves{file = "state.csv", x = "step", xadd = -t0, y = "loss",
                                  by = by, values = values}
  run:plot{name = "training_langevin", title = "Loss after the quench (Langevin at each T)",
    xlabel = "steps since the quench's end", ylabel = "loss (with L2)", logx = true,
    key = "outside right top", series = lcurves, extra = p.tw > 0 and {string.format(
      "set arrow 1 from %d, graph 0 to %d, graph 1 nohead dt 3 lc rgb '#777777'", p.tw, p.tw),
      string.format("set label 1 't_w' at %d, graph 0.97 left offset 0.5,0 textcolor rgb "
      .. "'#555555'", p.tw)} or nil}
end

-- ---- plateaus -----------------------------------------------------------------------------

-- glass.analysis.bootstrap over the replicas of several temperatures
-- (opts.sizes[k] replicas at T k; opts.stat(idx_1, ..., idx_K) as for
-- sizes=).  Every T runs from the same quenched networks, replica r from
-- network r, so the points of a fit across T are correlated through the
-- networks: with the same replica count at every T a resample draws the
-- networks once and uses the same indices at every T (bs.paired = true);
-- otherwise each T's replicas are drawn independently.
function M.bootstrap_over_T(opts)
  local sizes, same = opts.sizes, true
  for k = 2, #sizes do same = same and sizes[k] == sizes[1] end
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if same and #sizes > 1 then
    local stat = opts.stat
    o.sizes, o.n = nil, sizes[1]
    o.stat = function(idx)
      local all = {}
      for k = 1, #sizes do all[k] = idx end
      return stat(table.unpack(all))
    end
  end
  local bs = G().analysis.bootstrap(o)
  bs.paired = same and #sizes > 1
  return bs
end

-- The text of a bootstrap interval over replicas (glass.analysis.bootstrap's
-- result bs, from sets of sizes[k] replicas): "[lo, hi] (95% bootstrap over
-- replicas, B_ok of B resamples)", or why there is none: a set of one
-- replica has nothing to resample, or no resample could be fitted.
function M.boot_text(bs, sizes)
  if bs.lo == bs.lo then
    return string.format("[%.3f, %.3f] (%g%% bootstrap over %s, %d of %d resamples)",
      bs.lo, bs.hi, 100 * bs.level, bs.paired and "networks, paired across T" or "replicas",
      bs.B_ok, bs.B)
  end
  if math.min(table.unpack(sizes)) < 2 then
    return "none (one replica at some T: nothing to resample, no interval)"
  end
  return "none (no resample could be fitted)"
end

-- Plateaus (a long-time value such as Q(t_f)) get a percentile bootstrap
-- interval over replicas at this level, from this many resamples.
M.PLATEAU_LEVEL, M.PLATEAU_B = 0.95, 1000

M.PLATEAU_COMMENT = string.format("%g%% percentile bootstrap interval over replicas (B = %d, "
  .. "seed --seed; empty with one replica)", 100 * M.PLATEAU_LEVEL, M.PLATEAU_B)

-- The CSV comment on the tau*_lo/_hi/_se columns of glass.analysis.tau_report's
-- rows; `over`: what the bootstrap resamples ("replicas", "basins (whole basins
-- resampled)"), `B`: its resamples (1000).
function M.tau_ci_comment(over, B)
  return string.format("tau*_lo/_hi: 95%% percentile bootstrap interval over %s (B = %d, seed "
    .. "--seed; a resample whose Q does not cross within the lags counts as beyond them, so an "
    .. "end is inf when over 2.5%% of the resamples stay above the threshold to the last lag, "
    .. "tau*_lo 0 when they cross before the first; a tau read on the lags, every --tau_method "
    .. "but interp, has tau*_lo one lag cell lower; for an empty tau the bound the resamples "
    .. "still give: not_reached, tau*_lo the lower end, or the last lag when that is beyond "
    .. "them too, and tau*_hi inf; before_first_lag and below_min_t, tau*_lo 0 and tau*_hi the "
    .. "upper end, or the first lag or min_t), tau*_se: sd of the bootstrap estimates (empty "
    .. "when some resample lies beyond the lags; for a tau read on the lags with the cell's "
    .. "rounding, width/sqrt(12), in quadrature); tau*_status partial: per_replica_found's mean "
    .. "over the replicas with a tau only, biased low", over, B or 1000)
end

-- The mean of vals (NaN skipped: lost replicas) over the indices idx
-- (all when nil; repeats count, as a bootstrap draw gives them).
local function mean_of(vals, idx)
  local s, n = 0, 0
  local function add(v) if v == v then s, n = s + v, n + 1 end end
  if idx then for _, i in ipairs(idx) do add(vals[i]) end
  else for _, v in ipairs(vals) do add(v) end end
  return n > 0 and s / n or 0 / 0
end

local function live(vals)
  local n = 0
  for _, v in ipairs(vals) do if v == v then n = n + 1 end end
  return n
end

-- A plateau from each replica's value vals[r] (NaN: a lost replica): {mean,
-- lo, hi, level, B, text}; text is "[lo, hi] (95% bootstrap over replicas)"
-- or "none (reason)", and lo, hi are NaN (empty CSV cells) when missing.
function M.plateau(vals, seed)
  local n = live(vals)
  local out = {mean = mean_of(vals), lo = 0 / 0, hi = 0 / 0, level = M.PLATEAU_LEVEL, B = 0}
  if n < 2 then
    out.text = n == 0 and "none (no live replica)" or "none (one replica: no interval)"
    return out
  end
  local bs = G().analysis.bootstrap{n = #vals, B = M.PLATEAU_B, seed = seed,
    level = M.PLATEAU_LEVEL, stat = function(idx)
      local m = mean_of(vals, idx)
      return m == m and m or nil
    end}
  out.lo, out.hi, out.B = bs.lo, bs.hi, bs.B
  out.text = bs.lo == bs.lo and string.format("[%.3g, %.3g] (%g%% bootstrap over replicas)",
    bs.lo, bs.hi, 100 * bs.level) or "none (no resample had a value)"
  return out
end

-- The confidence interval at `level` (default M.PLATEAU_LEVEL) of chi4 = N Var(Q), the
-- sample variance (n - 1) over n live independent replicas as the two-time observer's
-- `chi4` column: (n - 1) s^2 / sigma^2 is chi-square with n - 1 degrees of freedom for
-- Gaussian Q, so [chi4 (n-1) / x_hi, chi4 (n-1) / x_lo], x the chi-square quantiles at
-- (1 -+ level) / 2.  Exact for Gaussian Q at any n, where a percentile bootstrap of a
-- variance over 3 replicas held the truth 42 % of the time (tools/bootstrap_coverage.lua
-- 1000 variance).  Returns lo, hi; NaN with fewer than 2 replicas or no chi4.  A chi4 of
-- exactly 0 (every replica with the same Q: Q counts weights, so at small N or early t
-- it is discrete) is no Gaussian sample variance: 0 and an empty upper end, not [0, 0].
local chi2_cache = {} -- "n level" -> the two quantiles
function M.chi4_interval(chi4, n, level)
  level = level or M.PLATEAU_LEVEL
  -- (A variance is >= 0, a count whole, a level in (0, 1): anything else is a caller's bug.)
  if type(chi4) ~= "number" or chi4 < 0 then
    error("glass.report.chi4_interval(chi4, n [, level]): chi4 is N Var(Q) >= 0, got "
      .. tostring(chi4), 2)
  end
  if n ~= nil and math.type(n) ~= "integer" and not (type(n) == "number" and n == math.floor(n)) then
    error("glass.report.chi4_interval: n is a count of replicas, got " .. tostring(n), 2)
  end
  if type(level) ~= "number" or not (level > 0 and level < 1) then
    error("glass.report.chi4_interval: level must lie in (0, 1), got " .. tostring(level), 2)
  end
  if not (n and n >= 2 and chi4 == chi4) then return 0 / 0, 0 / 0 end
  if chi4 == 0 then return 0, 0 / 0 end
  local key = n .. " " .. level
  local x = chi2_cache[key]
  if not x then
    local th = G().theory
    x = {th.chi2_quantile((1 - level) / 2, n - 1), th.chi2_quantile((1 + level) / 2, n - 1)}
    chi2_cache[key] = x
  end
  return chi4 * (n - 1) / x[2], chi4 * (n - 1) / x[1]
end

-- `map` (for tbl:add_rows(summary, map), an observer's summary) with chi4_lo and chi4_hi:
-- M.chi4_interval of each row's chi4 over its n live replicas.  A same-basin ensemble's
-- rows (fewer basins than replicas: copies of one basin are not independent) are
-- refused; heterogeneity resamples whole basins instead.
function M.chi4_columns(map, level)
  if type(map) ~= "table" then
    error("glass.report.chi4_columns(map [, level]): map is the add_rows map to extend, got a "
      .. type(map), 2)
  end
  local function interval(r)
    if r.n_basins and r.n_basins == r.n_basins and r.n_basins < r.n then
      error("glass.report.chi4_columns: the observer's replicas share basins (a same-basin "
        .. "ensemble), so they are not independent; resample whole basins instead (as the "
        .. "heterogeneity protocol's chi4_lo/_hi)", 0)
    end
    return M.chi4_interval(r.chi4, r.n, level)
  end
  map.chi4_lo = function(r) return (interval(r)) end
  map.chi4_hi = function(r) return select(2, interval(r)) end
  return map
end

M.CHI4_COMMENT = string.format("chi4 = N Var(Q) over live replicas (sample variance); "
  .. "chi4_lo/_hi: its %g%% confidence interval for independent Gaussian Q over replicas, "
  .. "chi4 (n-1) / chi-square(n-1) quantiles (exact at any n for Gaussian Q; wide at few "
  .. "replicas: with 3, from 0.27 to 39.5 times chi4; empty with one live replica)",
  100 * M.PLATEAU_LEVEL)

-- The log line of a plateau's power law in T: sets = {{T =, q = {per replica}}, ...}
-- (T > 0).  The fit is least squares in log-log of the replica means > 0; the
-- interval resamples the networks (bootstrap_over_T) and refits over the same
-- T's (a resample whose mean at one of them is not > 0 is undefined); the spread
-- over fit windows is powerlaw_fit's.  `paper` names the paper's value.
function M.plateau_fit(sets, seed, what, paper)
  local A = G().analysis
  local xs, ys, used, dropped = {}, {}, {}, {}
  for _, f in ipairs(sets) do
    local m = mean_of(f.q)
    if m == m and m > 0 then xs[#xs + 1], ys[#ys + 1], used[#used + 1] = f.T, m, f
    else dropped[#dropped + 1] = string.format("T = %g (mean %s)", f.T, m == m and "0" or "none") end
  end
  sets = used
  -- A T whose mean is 0 (or none: every replica lost) has no log: named, not dropped unseen.
  local left = #dropped > 0 and "; left out, no logarithm: " .. table.concat(dropped, ", ") or ""
  local ok, fit = pcall(A.powerlaw_fit, xs, ys)
  if not ok then
    return string.format("no power-law fit of %s vs T: %s%s", what, tostring(fit), left)
  end
  local ci, fewest = "none (one replica at some T: no interval)", math.huge
  local sizes = {}
  for k, f in ipairs(sets) do sizes[k], fewest = #f.q, math.min(fewest, live(f.q)) end
  if fewest >= 2 then
    local bs = M.bootstrap_over_T{sizes = sizes, B = M.PLATEAU_B, seed = seed,
      level = M.PLATEAU_LEVEL, stat = function(...)
        local bx, by = {}, {}
        for k, idx in ipairs({...}) do
          local m = mean_of(sets[k].q, idx)
          if not (m == m and m > 0) then return nil end
          bx[#bx + 1], by[#by + 1] = sets[k].T, m
        end
        local good, bf = pcall(A.powerlaw_fit, bx, by)
        return good and bf.exponent or nil
      end}
    ci = M.boot_text(bs, sizes)
  end
  return string.format("%s ~ T^%.3f (least-squares s.e. %.3f, the T's taken as independent: "
    .. "not an error bar) %s over T = %g ... %g (%d points; %s); over fit windows dropping up "
    .. "to 2 points at either end: %.3f to %.3f%s", what,
    fit.exponent, fit.exponent_se, ci, math.min(table.unpack(xs)), math.max(table.unpack(xs)),
    fit.n, paper, fit.exponent_min,
    fit.exponent_max, left)
end

-- The bootstrap of tau90 ~ T^b over fitsets = {{T =, t =, Q = {per replica}}, ...}
-- (T > 0, each with a tau90): resample the networks (bootstrap_over_T), recompute each
-- T's tau90 from the drawn replicas with `method` (glass.analysis.tau_curves) and refit
-- over the same T's.  A resample in which one of them loses its tau90 is not the same
-- fit: undefined (B_ok counts the others), rather than a fit over the T's that are left.
function M.tau_exponent_bootstrap(fitsets, method, seed)
  local A = G().analysis
  local sizes = {}
  for k, f in ipairs(fitsets) do sizes[k] = #f.Q end
  local bs = M.bootstrap_over_T{sizes = sizes, B = 1000, seed = seed, stat = function(...)
    local xs, ys = {}, {}
    for k, idx in ipairs({...}) do
      local f = fitsets[k]
      local t90 = A.tau_curves(f.t, f.Q, idx, method, 0.9)
      if not (t90 and t90 > 0) then return nil end
      xs[#xs + 1], ys[#ys + 1] = f.T, t90
    end
    if #xs < 3 then return nil end
    return A.powerlaw_fit(xs, ys).exponent
  end}
  return bs, sizes
end

-- ---- the overlap's weights ---------------------------------------------------------------

-- --exclude_output: Q and sigma(t_w) without the output layer, as the
-- authors' code computes them (docs/observables.md, overlap_layers).  Left
-- out of params.lua and the CSV comments while false.
function M.overlap_params()
  return {{"exclude_output", false, "leave the output layer's weights out of sigma(t_w) and Q, "
    .. "as the authors' code does (MSD and alpha2 keep every weight)", omit_default = true}}
end

-- The two-time observer's options `o` with overlap_layers set for
-- --exclude_output (the hidden layers 1..depth; the output is depth + 1).
function M.overlap_opts(p, o)
  if p.exclude_output then
    o.overlap_layers = {}
    for l = 1, p.depth do o.overlap_layers[l] = l end
  end
  return o
end

-- The weights of w (one replica's, net's layout) that enter Q under
-- --exclude_output: all of w without it, else the hidden layers' (for
-- predictions over the same weights as the measurement, e.g. ttsp's
-- harmonic-well Q_inf).  Appended to `into` when given.
function M.overlap_weights(p, net, w, into)
  local out = into or {}
  local layers = net:layers()
  for l = 1, p.exclude_output and p.depth or #layers do
    table.move(w, layers[l].first, layers[l].last, #out + 1, out)
  end
  return out
end

-- The conclusions (glass.verdict: drift check, verdicts, tau and mean texts), under
-- report's name as before.
for k, f in pairs(require "glass.verdict") do M[k] = f end

return M
