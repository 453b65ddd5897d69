-- glass.verdict: the conclusions a protocol prints, computed from its numbers
-- (docs/protocols.md; docs/writing-protocols.md lists them): the T = 0
-- comparison (the drift check), ageing's verdict and reading, the
-- topology-trivialisation and under-to-overparameterised verdicts, and the
-- texts of a tau or a mean with its error bar.  glass.report re-exports every
-- name, so protocols call them as report.drift_line, report.ttt_verdict, ...
local M = {}

-- ---- the T = 0 comparison ----------------------------------------------------------------

-- Relative difference of tau90 within which the decay at T counts as the
-- T = 0 one (the deterministic drift).
M.DRIFT_TOL = 0.1

local function fmt(x) return x and string.format("%.4g", x) or "none" end
-- An interval {lo, hi} with both ends numbers (an end may be infinite: open beyond the
-- lags), or nil (nil, NaN or missing).
local function defined_ci(ci)
  return ci and type(ci[1]) == "number" and type(ci[2]) == "number" and ci[1] == ci[1]
    and ci[2] == ci[2] and ci or nil
end
-- Do two intervals not overlap (touching is overlapping)?
local function ci_apart(a, b) return a[1] > b[2] or a[2] < b[1] end

-- One log line: does Q decay at T as it does at T = 0?  Returns the line
-- and its kind: "drift" (tau90 within DRIFT_TOL of T = 0's), "thermal" or
-- "inconclusive".  ci_T, ci_0: the two tau90's bootstrap intervals ({lo,
-- hi}, 95 %; either may be nil or NaN).  With an interval, a difference
-- beyond the tolerance is called thermal only when it is resolved: the
-- intervals apart (with one interval, the other tau90 outside it); and a
-- difference within it is called the drift only when each interval lies
-- within the tolerance around the other tau90; otherwise the line says
-- inconclusive and why.  Intervals given but none with a spread over
-- replicas for the tau90's present (NaN: one replica, B = 0; or
-- drift_estimate's lag cell alone, cell_only) resolve nothing: the line is inconclusive and says what the
-- tolerance alone would say (as ttt_verdict); without intervals given, the
-- tolerance decides.  ci.below: when that tau90 is nil because Q was below
-- 0.9 already at the first lag, that lag; ci.above: when it is nil because
-- Q stayed above 0.9, the last lag (drift_estimate gives both).
-- A tau as the estimators' rows hold it (NaN: none) as the verdicts take it (nil: none).
local function tau_or_nil(x) return x == x and x or nil end

-- A ratio's paired interval (glass.analysis.tau_ratio's table) when one is given.
local function paired_ratio(rci) return rci and rci.lo == rci.lo and rci.hi == rci.hi end

-- A ratio with its interval when one is given.
local function ratio_text(x, rci)
  if paired_ratio(rci) then
    return string.format("%.3g [%.3g, %.3g]", x, rci.lo, rci.hi)
  end
  return string.format("%.3g", x)
end

function M.drift_line(T, tau_T, tau_0, what, ci_T, ci_0, ratio)
  what = what or ""
  tau_T, tau_0 = tau_or_nil(tau_T), tau_or_nil(tau_0)
  local tol = math.floor(M.DRIFT_TOL * 100 + 0.5)
  -- (only a present tau's interval counts: a missing one is settled by below/above)
  local function spread(ci) return defined_ci(ci) and not ci.cell_only end
  local no_spread = (ci_T ~= nil or ci_0 ~= nil) and (tau_T or tau_0) ~= nil
    and not ((tau_T and spread(ci_T)) or (tau_0 and spread(ci_0)))
  -- The line of a verdict: head, then the conclusion, or with no spread "inconclusive"
  -- and what the tolerance alone would conclude.
  local function say(head, conclusion, kind)
    if no_spread then
      return string.format("drift check%s: %s: inconclusive (no 95%% intervals: one replica (add "
        .. "--replicas), identical replicas, or B = 0 resamples); the %d%% rule alone would "
        .. "say: %s", what, head, tol,
        conclusion), "inconclusive"
    end
    return string.format("drift check%s: %s: %s", what, head, conclusion), kind
  end
  local function with_ci(x, ci)
    ci = defined_ci(ci)
    return fmt(x) .. (ci and string.format(" [%.4g, %.4g]", ci[1], ci[2]) or "")
  end
  local below, above = ci_T and ci_T.below, ci_0 and ci_0.above
  local bound0 = tau_0 or above
  if not tau_T and below and bound0 and bound0 > below * (1 + M.DRIFT_TOL) then
    return say(string.format("tau90 < %g at T = %g (Q below 0.9 at the first lag) vs %s at T = "
      .. "0%s", below, T, tau_0 and with_ci(tau_0, ci_0) or "> " .. fmt(above),
      tau_0 and "" or " (Q above 0.9 throughout)"), "the noise changes the decay", "thermal")
  end
  if not tau_T then
    return string.format("drift check%s: no tau90 at T = %g (T = 0: %s); inconclusive", what, T,
      tau_0 and with_ci(tau_0, ci_0) or fmt(tau_0)), "inconclusive"
  end
  ci_T = defined_ci(ci_T)
  if not tau_0 and ci_0 and ci_0.below then -- T = 0 below 0.9 at its first lag, T not
    return string.format("drift check%s: at T = 0 Q is below 0.9 already at the first lag "
      .. "(tau90 < %g), at T = %g tau90 = %s; inconclusive", what, ci_0.below, T,
      with_ci(tau_T, ci_T)), "inconclusive"
  end
  if not tau_0 then
    -- tau90 at T = 0 lies beyond the last lag: thermal only if tau90 at T (the upper end
    -- of its interval) lies below the last lag by more than the tolerance.
    local last, hi_T = ci_0 and ci_0.above, ci_T and ci_T[2] or tau_T
    if last and hi_T * (1 + M.DRIFT_TOL) < last then
      return say(string.format("at T = 0 Q stays above 0.9 to the last lag (tau90 > %g), at T "
        .. "= %g tau90 = %s, below it by over %d%%", last, T, with_ci(tau_T, ci_T), tol),
        "the decay at T is thermal", "thermal")
    end
    if last then
      return string.format("drift check%s: at T = 0 Q stays above 0.9 to the last lag (tau90 > "
        .. "%g), at T = %g tau90 = %s, not over %d%% below it%s; inconclusive: a longer run "
        .. "(--tmax) would decide", what, last, T, with_ci(tau_T, ci_T), tol,
        ci_T and " (the interval's upper end)" or ""), "inconclusive"
    end
    return string.format("drift check%s: no tau90 at T = 0 (%s), at T = %g tau90 = %s; "
      .. "inconclusive", what, ci_0 and "not every replica's lies beyond the lags" or "why not "
      .. "is not given", T, with_ci(tau_T, ci_T)), "inconclusive"
  end
  ci_0 = defined_ci(ci_0)
  local both = string.format("%s vs %s", with_ci(tau_T, ci_T), with_ci(tau_0, ci_0))
  local pair = string.format("tau90 = %s at T = %g vs %s at T = 0", with_ci(tau_T, ci_T), T,
    with_ci(tau_0, ci_0))
  local rel = math.abs(tau_T / tau_0 - 1)
  if no_spread then
    return say(string.format("%s (ratio %s)", pair, ratio_text(tau_T / tau_0, ratio)),
      rel <= M.DRIFT_TOL
      and "the deterministic drift" or "the noise changes the decay", "inconclusive")
  end
  -- Resolved: the intervals (or one interval and the other point) apart.
  local resolved
  if ci_T and ci_0 then resolved = ci_apart(ci_T, ci_0)
  elseif ci_T then resolved = tau_0 < ci_T[1] or tau_0 > ci_T[2]
  elseif ci_0 then resolved = tau_T < ci_0[1] or tau_T > ci_0[2] end
  local grid = (ci_T and ci_T.grid) or (ci_0 and ci_0.grid)
  local how = resolved == nil and "" or grid and " (intervals widened to the lag grid)"
    or (ci_T and ci_0) and " (95% intervals)" or " (95% interval)"
  local decide = grid and "more replicas, more lags (--per_decade) or --tau_method=interp would "
    .. "decide" or "more replicas would decide"
  -- "As at T = 0" needs intervals that can tell: each inside the tolerance
  -- around the other tau90.
  local function inside(ci, x)
    return not ci or (ci[1] >= x * (1 - M.DRIFT_TOL) and ci[2] <= x * (1 + M.DRIFT_TOL))
  end
  local close = inside(ci_T, tau_0) and inside(ci_0, tau_T)
  local reach = grid and "intervals (widened to the lag grid) reach" or "95% intervals reach"
  -- With the ratio's paired interval (the same replicas at T and at T = 0, so the
  -- spread they share cancels) it decides both, unless the taus are read on the lag
  -- grid (its resamples' ratios then take a few values, an interval too narrow: it is
  -- then neither used nor shown).
  if grid then ratio = nil end
  local use_ratio = paired_ratio(ratio)
  if use_ratio then
    resolved, how = ratio.lo > 1 or ratio.hi < 1, " (paired 95% interval of the ratio)"
    close = ratio.lo >= 1 - M.DRIFT_TOL and ratio.hi <= 1 + M.DRIFT_TOL
    reach = "paired 95% interval of the ratio reaches"
  end
  if rel <= M.DRIFT_TOL and not close then
    return string.format("drift check%s: %s (ratio %s): inconclusive, within %d%% but the "
      .. "%s beyond it: %s", what, pair, ratio_text(tau_T / tau_0, ratio), tol, reach, decide),
      "inconclusive"
  end
  if rel <= M.DRIFT_TOL and resolved then
    -- A shift the intervals resolve, under the tolerance: mostly the drift.
    return string.format("drift check%s: Q decays at T = %g almost as at T = 0 (tau90 = %s, "
      .. "within %d%%; %s: the noise shifts tau90 by %+.1f%%%s): this decay "
      .. "is mostly the deterministic drift (gradient descent), with a small thermal part", what,
      T, both, tol, use_ratio and "the ratio's paired 95% interval excludes 1"
      or "the intervals are apart", 100 * (tau_T / tau_0 - 1), use_ratio
      and string.format(" [%+.1f%%, %+.1f%%]", 100 * (ratio.lo - 1), 100 * (ratio.hi - 1)) or ""),
      "drift"
  end
  if rel <= M.DRIFT_TOL then
    return string.format("drift check%s: Q decays at T = %g as at T = 0 (tau90 = %s, within "
      .. "%d%%%s): this decay is the deterministic drift (gradient descent), not thermal motion",
      what, T, both, tol, use_ratio and "; ratio " .. ratio_text(tau_T / tau_0, ratio) or ""),
      "drift"
  end
  if resolved == false then
    return string.format("drift check%s: %s (ratio %s): inconclusive, the difference is over "
      .. "%d%% but not resolved%s overlap: %s", what, pair, ratio_text(tau_T / tau_0, ratio),
      tol, how, decide),
      "inconclusive"
  end
  return string.format("drift check%s: %s (ratio %s%s): the noise changes the decay", what,
    pair, ratio_text(tau_T / tau_0, ratio), resolved and ", resolved" .. how or ""), "thermal"
end

-- The summary of several drift checks: {drift = {T...}, thermal = {...}, inconclusive = {...}}.
function M.drift_summary(by, what)
  local parts = {}
  for _, k in ipairs({"drift", "thermal", "inconclusive"}) do
    local l = by[k] or {}
    if #l > 0 then
      local ts = {}
      for i, T in ipairs(l) do ts[i] = string.format("%g", T) end
      parts[#parts + 1] = string.format("%s at T = %s", k == "drift"
        and "Q decays as at T = 0 (within the tolerance: the drift)" or k == "thermal"
        and "thermal decay" or "inconclusive (see its line)", table.concat(ts, ", "))
    end
  end
  what = what or ""
  if #parts == 0 then return "drift check" .. what .. ": no T > 0 to compare with T = 0" end
  return "drift check" .. what .. " (tau90 vs T = 0, tolerance "
    .. math.floor(M.DRIFT_TOL * 100 + 0.5) .. "%): " .. table.concat(parts, "; ")
end

-- What drift_line needs of a tau row (tau_report's) besides tau90: its 95 %
-- interval {lo, hi}; when tau90 is missing, `below` = the first lag t[1]
-- (Q below 0.9 already there) or `above` = the last lag (not reached), for an
-- estimator of the replica-mean curve (not per_replica*).  A tau
-- read on the saved lags (every method but interp: the first lag below 0.9,
-- or a mean of such lags) says only that Q crossed between that lag and the one
-- before (grid = true): its bootstrap interval reaches down a lag cell already
-- (glass.analysis.tau_replicas); without one the cell at tau is the
-- interval (cell_only = true: no spread over replicas, so no verdict rests on
-- it alone).  Otherwise equal lags would read as "the same decay" on a grid
-- coarser than DRIFT_TOL.
function M.drift_estimate(row, t)
  local s, tau = row.tau90_status, row.tau90
  -- below/above only where the status is every replica's: the mean curve's, or for
  -- per_replica* (whose status is the most common reason among the replicas without a
  -- tau, while others may have one) when no replica has one and all for that reason.
  local every = row.tau90_method ~= "per_replica" and row.tau90_method ~= "per_replica_found"
  if not every then
    local res = require("glass.estimate").result_of(row, "tau90")
    every = res and res.n_used == 0 and res.counts and res.counts[s] == res.n
  end
  -- (a row's one-sided bound for a tau not found is not an interval here: below/above say it)
  local found = tau and tau == tau
  local est = {found and row.tau90_lo or 0 / 0, found and row.tau90_hi or 0 / 0,
               below = every and s == "before_first_lag" and t[1] or nil,
               above = every and s == "not_reached" and t[#t] or nil}
  if found and row.tau90_method ~= "interp" then
    if est[1] ~= est[1] or est[2] ~= est[2] then
      local r = 0 -- the cell at tau: from the lag before the first lag at or above tau
      for j = 2, #t do
        if t[j] >= tau then r = t[j - 1] > 0 and t[j - 1] / t[j] or 0; break end
      end
      est[1], est[2], est.cell_only = tau * r, tau, true
    end
    est.grid = true
  end
  return est
end

-- Log one drift line per T > 0 of Ts (tau90_at[T]: tau90 or false) against
-- tau0 (tau90 at T = 0, or false) and return the summary line.  ci_at[T]
-- and ci0 (optional): the 95 % intervals {lo, hi} of those tau90's, with
-- `below` and `above` as drift_estimate gives them.  what (optional): which
-- tau90 the lines are of, " (chi = 300)" say.  ratio_at (optional): drift_ratios'.
function M.drift_check(run, Ts, tau90_at, tau0, ci_at, ci0, what, ratio_at)
  local by = {}
  for _, T in ipairs(Ts) do
    if T > 0 then
      local line, kind = M.drift_line(T, tau90_at[T] or nil, tau0 or nil, what,
        ci_at and ci_at[T], ci0, ratio_at and ratio_at[T])
      run:log("%s", line)
      by[kind] = by[kind] or {}
      table.insert(by[kind], T)
    end
  end
  return M.drift_summary(by, what)
end

-- The drift check's ratios tau90(T) / tau90(T = 0) with their paired bootstrap
-- intervals (glass.analysis.tau_ratio), from each T's replica curves: curves_at[T] =
-- {t =, Q =}, replica r the same network at every T and at T = 0 (a protocol's
-- temperatures all start from one quenched ensemble).  opts: tau_ratio's (method,
-- seed, ...).  Returns {[T] = its table} for each T > 0 with as many replicas as T = 0.
function M.drift_ratios(curves_at, opts)
  local c0, out = curves_at[0], {}
  if not c0 then return out end
  for T, c in pairs(curves_at) do
    if T > 0 and #c.Q == #c0.Q then
      out[T] = require("glass.estimate").tau_ratio(c.t, c0.Q, c.Q, opts)
    end
  end
  return out
end

function M.drift_params()
  return {{"drift_check", true, "also run T = 0 (plain gradient descent) from the same networks "
    .. "and say in log.txt where Q decays as at T = 0 (the deterministic drift)"}}
end

-- ---- computed conclusions ----------------------------------------------------------------

-- Two means differ when they are further apart than twice their combined
-- standard error (NaN s.e., from a single replica, never counts as apart).
local function apart(a, sa, b, sb)
  local se = math.sqrt((sa or 0 / 0) ^ 2 + (sb or 0 / 0) ^ 2)
  return se == se and math.abs(a - b) > 2 * se, se
end

-- A tau of a protocol's log line with its bootstrap interval (a tau row's
-- _lo and _hi): "123.4 [101.2, 150.3] (95% bootstrap)", "123.4 (no
-- interval)" (one replica or basin, B = 0, or no resample had a tau), or
-- "none (why)" with the bound the interval still gives ("none (why), > 2500 (95%
-- bootstrap)"; glass.analysis.tau_fields).  what: the label after an interval
-- (default "95% bootstrap").
-- A per_replica_found tau over some of the replicas only (why: the status
-- "partial", or tau_report's reason "mean over k of n replicas ...") says so.
function M.tau_ci(tau, lo, hi, why, what)
  if not tau or tau ~= tau then
    return "none (" .. tostring(why or "no tau") .. ")"
      .. require("glass.estimate").bound_text(lo, hi, what or "95% bootstrap")
  end
  local partial = ""
  if why == "partial" or (type(why) == "string" and why:find("^mean over")) then
    partial = string.format(" (partial: %s; biased low)", why == "partial"
      and "the mean over the replicas with a tau" or why)
  end
  if lo and hi and lo == lo and hi == hi then
    return string.format("%.4g [%.4g, %.4g] (%s)%s", tau, lo, hi, what or "95% bootstrap",
      partial)
  end
  return string.format("%.4g (no interval)%s", tau, partial)
end

-- "x ± se", or x alone with why there is no error bar (a single replica or
-- init: no s.e.), or "none" when x itself is not a number (every init lost).
function M.pm(x, se, fx, fse)
  fx, fse = fx or "%.3g", fse or "%.2g"
  if x ~= x or x == nil then return "none (no finite value)" end
  if se and se == se then return string.format(fx .. " ± " .. fse, x, se) end
  return string.format(fx .. " (a single value: no s.e.)", x)
end

-- The under-to-overparameterised scan (uot_scan): points = {{x = N/P, y =
-- mean loss, sem =}, ...} in increasing N/P.
function M.uot_verdict(points)
  local n = #points
  if n < 2 then return "inconclusive (one width: nothing to compare)" end
  local a, b = points[1], points[n]
  local differ, se = apart(a.y, a.sem, b.y, b.sem)
  -- At the trivial 0.5 as ttt_scan reads it: mean ± 2 s.e. within 0.005 of it (a
  -- noisy mean near 0.5 is no evidence that every init sits there).
  local all_trivial = true
  for _, pt in ipairs(points) do
    if not (math.abs(pt.y - 0.5) + 2 * (pt.sem == pt.sem and pt.sem or 0) <= 0.005) then
      all_trivial = false
    end
  end
  local head = string.format("final loss %s at N/P = %.3g, %s at N/P = %.3g", M.pm(a.y, a.sem),
    a.x, M.pm(b.y, b.sem), b.x)
  if all_trivial then
    return head .. ": inconclusive (every width sits at the trivial loss 0.5 (f ≈ 0 on every row; "
      .. "mean ± 2 s.e. within 0.005 of it): training has not fitted the data; train longer, "
      .. "--epochs)"
  end
  if se ~= se then
    return head .. ": inconclusive (one initial condition per width: no error bars)"
  end
  if not differ then
    return head .. string.format(": inconclusive (the difference %.2g is within 2 s.e. = %.2g)",
      math.abs(a.y - b.y), 2 * se)
  end
  if b.y > a.y then
    return head .. ": the loss grows with N/P (no under-to-overparameterised transition here)"
  end
  -- The first N/P from which every wider network's loss is resolved below 1% of the
  -- narrowest network's (mean + 2 s.e.), any narrower one resolved there alone, and
  -- the fall's factor with its bound within 2 s.e.
  local function hi(pt) return pt.y + 2 * pt.sem end
  local function below(pt) return hi(pt) <= 0.01 * a.y end
  local star, lone = n + 1, {}
  while star > 1 and below(points[star - 1]) do star = star - 1 end
  for i = 1, star - 1 do
    if below(points[i]) then lone[#lone + 1] = string.format("%.3g", points[i].x) end
  end
  local least = math.max(a.y - 2 * a.sem, 0) / hi(b)
  local by = (b.y == 0 and b.sem == 0) and "falls to exactly 0"
    or string.format("falls by %.3g x (%s within 2 s.e.)", a.y / b.y, hi(b) > 0
      and string.format("at least %.3g x", least) or "to 0")
  -- The figure draws geometric means over inits (a mean is dominated by the worst init):
  -- their fall too, when both are given and positive.
  -- Its bound within 2 s.e. of the mean log losses (geo_hi = geo·exp(s.e.)), when given.
  if a.geo and b.geo and a.geo > 0 and b.geo > 0 then
    local fall = a.geo >= b.geo
    local f = fall and a.geo / b.geo or b.geo / a.geo
    local bound = ""
    if a.geo_hi and b.geo_hi and a.geo_hi == a.geo_hi and b.geo_hi == b.geo_hi then
      local s = math.log(a.geo_hi / a.geo) + math.log(b.geo_hi / b.geo)
      bound = string.format(" (at least %.3g x within 2 s.e. of the log losses)", f * math.exp(-2 * s))
    end
    by = by .. string.format("; the geometric means (the figure's) %s by %.3g x%s",
      fall and "fall" or "rise", f, bound)
  end
  local also = #lone > 0 and string.format(" (and at N/P = %s, but not at every wider one)",
    table.concat(lone, ", ")) or ""
  if star <= n then
    return head .. string.format(": %s; below 1%% of the narrowest network's (mean + 2 s.e.) "
      .. "from N/P = %.3g on%s", by, points[star].x, also)
  elseif #lone > 0 then
    return head .. string.format(": %s; below 1%% of the narrowest network's (mean + 2 s.e.) "
      .. "at N/P = %s only, not at the widest", by, table.concat(lone, ", "))
  end
  return head .. string.format(": %s, but not resolved below 1%% of the narrowest network's (no "
    .. "overparameterised point in the scan)", by)
end

-- Ageing: does tau90 grow from the first t_w to the last?  Without error
-- bars a ratio within 10% of 1 is not called either way.  With the two
-- tau90's bootstrap intervals ci1, ci2 ({lo, hi}, 95 %) the intervals must
-- also not overlap (a few replicas give narrow percentile intervals, so
-- the 10% rule stays).  Returns the line and its kind: "ageing", "none" or
-- "inconclusive".  ratio (optional): glass.analysis.tau_ratio's paired interval
-- of tau2/tau1 (the same replicas at both t_w), printed with it and deciding
-- instead of the two intervals, as in the drift check; neither for taus read on
-- the lag grid.
function M.ageing_verdict(tw1, tau1, tw2, tau2, ci1, ci2, ratio)
  tau1, tau2 = tau_or_nil(tau1), tau_or_nil(tau2)
  if not (tau1 and tau2) then
    return string.format("inconclusive (tau90 missing at t_w = %d or %d: see above)", tw1, tw2),
      "inconclusive"
  end
  if (ci1 and ci1.grid) or (ci2 and ci2.grid) then ratio = nil end
  local r = tau2 / tau1
  local head = string.format("tau90(t_w = %d) / tau90(t_w = %d) = %.4g / %.4g = %s", tw2, tw1,
    tau2, tau1, ratio_text(r, ratio))
  if paired_ratio(ratio) then
    local iv = " (the ratio's paired 95% interval "
    if not (ratio.lo > 1 or ratio.hi < 1) then
      return head .. ": inconclusive" .. iv .. "holds 1: no ageing resolved)", "inconclusive"
    end
    if r > 1.1 then return head .. ": tau90 grows with t_w (ageing)" .. iv .. "lies above 1)", "ageing" end
    if r < 1 / 1.1 then
      return head .. ": tau90 falls with t_w (no ageing)" .. iv .. "lies below 1)", "none"
    end
    return head .. ": within 10% of 1, inconclusive (a change under 10% is not called ageing "
      .. "or its opposite, although the ratio's paired 95% interval excludes 1)", "inconclusive"
  end
  if defined_ci(ci1) and defined_ci(ci2) and not (ci1.cell_only and ci2.cell_only) then
    local cis = string.format("[%.4g, %.4g] and [%.4g, %.4g]", ci1[1], ci1[2], ci2[1], ci2[2])
    -- (drift_estimate's intervals of a tau read on the lags are widened to the grid)
    local both = ((ci1.grid or ci2.grid) and " (intervals widened to the lag grid "
      or " (95% intervals ") .. cis
    if not ci_apart(ci1, ci2) then
      return head .. ": inconclusive" .. both .. " overlap: no ageing resolved)", "inconclusive"
    end
    if r > 1.1 then
      return head .. ": tau90 grows with t_w (ageing)" .. both .. " apart)", "ageing"
    end
    if r < 1 / 1.1 then
      return head .. ": tau90 falls with t_w (no ageing)" .. both .. " apart)", "none"
    end
    return head .. ": within 10% of 1, inconclusive (a change under 10% is not called ageing "
      .. "or its opposite, although the 95% intervals " .. cis .. " are apart)", "inconclusive"
  end
  -- Intervals asked for but undefined (one replica: nothing to resample): nothing is
  -- resolved, so inconclusive, with what the 10% rule alone would say.
  local would = r > 1.1 and "tau90 grows with t_w (ageing)" or r < 1 / 1.1
    and "tau90 falls with t_w (no ageing)" or "within 10% of 1"
  if ci1 or ci2 then
    return head .. ": inconclusive (no 95% intervals: one replica (add --replicas), identical "
      .. "replicas, or B = 0 resamples); "
      .. "the 10% rule alone would say: " .. would, "inconclusive"
  end
  if r > 1.1 then return head .. ": " .. would, "ageing" end
  if r < 1 / 1.1 then return head .. ": " .. would, "none" end
  return head .. ": within 10% of 1, inconclusive (no ageing resolved)", "inconclusive"
end

-- What the ageing verdict (its kind) and the drift checks say together, or
-- nil when there is nothing to add.  drift_kinds: drift_line's kind at each
-- of the waiting times tws checked (lists).
-- Below T* the landscape drives the dynamics: a tau90 that grows with t_w
-- while Q decays as at T = 0 is the ageing of a descent still under way,
-- not thermal ageing, and a reader of the two lines apart may take them for
-- a contradiction.
function M.ageing_reading(ageing_kind, drift_kinds, tws)
  if ageing_kind ~= "ageing" then return nil end
  local at = {drift = {}, thermal = {}, inconclusive = {}}
  for i, k in ipairs(drift_kinds) do table.insert(at[k], string.format("%d", tws[i])) end
  local which = #tws == 1 and "the first t_w only; --drift_tws=all checks every t_w"
    or #tws .. " waiting times"
  if #at.inconclusive == #tws then return nil end
  if #at.drift > 0 and #at.thermal == 0 then
    return string.format("reading: tau90 grows with t_w, and at t_w = %s Q decays as under "
      .. "gradient descent (T = 0, tau90 within 10%%): the ageing measured is mainly the "
      .. "landscape's (the network still descending, below T*), not thermal; raise --T until "
      .. "the drift check says the noise "
      .. "changes the decay to see thermal motion (checked at %s)", table.concat(at.drift, ", "),
      which)
  elseif #at.thermal > 0 and #at.drift == 0 then
    return string.format("reading: tau90 grows with t_w, and at t_w = %s the noise changes the "
      .. "decay (unlike T = 0): thermal ageing (checked at %s)", table.concat(at.thermal, ", "),
      which)
  end
  return string.format("reading: tau90 grows with t_w; Q decays as under gradient descent "
    .. "(T = 0) at t_w = %s and differently at t_w = %s: the landscape's drift and the noise "
    .. "each decide the decay at some waiting times", table.concat(at.drift, ", "),
    table.concat(at.thermal, ", "))
end

-- The topology-trivialisation scan (ttt_scan): points = {{lambda =, loss =
-- mean, sem =, n =, n_half =, n_above =, max =}, ...} in increasing lambda
-- (optional: n_half, inits whose loss is within 0.005 of 0.5; n_above, those
-- above 0.5 by more than 0.005, and max, the largest loss).  A loss above 0.5
-- is a minimisation not finished (the trivial minimum is 0.5): one init above
-- it by more than 0.005, or a mean above it by more than max(0.005, 2 s.e.),
-- makes the line "inconclusive (not converged ...)".  Each mean is "at 0.5"
-- when resolved there (mean ± 2 s.e. within 0.005 of 0.5), "below" when
-- resolved below (by more than max(0.005, 2 s.e.)), else open (a noisy mean
-- near 0.5 is not evidence of the trivial minimum).  lambda* lies between the
-- last lambda below and the first of the final run at 0.5; open points between
-- them are named, and so are points at 0.5 below the bracket (a scan that is
-- not monotonic).  With n_half, the line says where not every init is at 0.5
-- within the final run.  A point with one init (sem NaN) has no error bar, so
-- nothing is resolved: "inconclusive", with what the 0.005 rule alone would say.
local ttt_reading
function M.ttt_verdict(points)
  local single, lost = {}, {}
  for _, pt in ipairs(points) do
    local l = string.format("%g", pt.lambda)
    if pt.n == 0 or pt.loss ~= pt.loss then lost[#lost + 1] = l
    elseif pt.sem ~= pt.sem then single[#single + 1] = l end
  end
  if #lost > 0 then
    return string.format("inconclusive (every initial condition was lost at lambda = %s: no "
      .. "loss there; final_loss.csv says which)", table.concat(lost, ", "))
  end
  if #single == 0 then return ttt_reading(points) end
  return string.format("inconclusive (a single initial condition at lambda = %s: no error "
    .. "bars, add --replicas); the 0.005 rule alone, as if the s.e. were 0, would say: %s",
    table.concat(single, ", "), ttt_reading(points))
end

function ttt_reading(points)
  local function sem(pt) return (pt.sem == pt.sem) and pt.sem or 0 end
  local function at_half(pt) return math.abs(pt.loss - 0.5) + 2 * sem(pt) <= 0.005 end
  local function below(pt) return 0.5 - pt.loss > math.max(0.005, 2 * sem(pt)) end
  local n = #points
  if n == 0 then return "inconclusive (no lambda)" end
  for _, pt in ipairs(points) do
    if (pt.n_above or 0) > 0 then
      return string.format("inconclusive (not converged: %d of %d inits at lambda = %g end "
        .. "above the trivial 0.5 by more than 0.005, the largest at %.3g; train longer, "
        .. "--epochs)", pt.n_above, pt.n, pt.lambda, pt.max)
    end
    local tol = math.max(0.005, 2 * sem(pt))
    if pt.loss - 0.5 > tol then
      return string.format("inconclusive (not converged: the loss at lambda = %g is %.3g, above "
        .. "the trivial 0.5 by more than %.2g; train longer, --epochs)", pt.lambda, pt.loss, tol)
    end
  end
  local first = n + 1  -- the first lambda of the final run at 0.5
  for i = n, 1, -1 do
    if at_half(points[i]) then first = i else break end
  end
  if first > n then
    return string.format("the loss is not at the trivial 0.5 (mean ± 2 s.e. within 0.005 of it) "
      .. "even at the largest lambda = %g (%.3g ± %.2g): extend --lambdas, train longer "
      .. "(--epochs) or add --replicas", points[n].lambda, points[n].loss, sem(points[n]))
  end
  if first == 1 then
    return string.format("inconclusive (the loss is the trivial 0.5 at every lambda, even at "
      .. "lambda = %g: training did not leave f = 0)", points[1].lambda)
  end
  local last = 0 -- the last lambda before `first` resolved below 0.5
  for i = first - 1, 1, -1 do
    if below(points[i]) then last = i; break end
  end
  if last == 0 then
    return string.format("inconclusive (the trivial 0.5 from lambda = %g on, but no smaller "
      .. "lambda has a loss resolved below it: add --replicas or smaller --lambdas)",
      points[first].lambda)
  end
  local lo = points[last]
  local line = string.format("lambda* in (%g, %g]: loss %.3g ± %.2g at lambda = %g, the "
    .. "trivial 0.5 (mean ± 2 s.e. within 0.005 of it) from lambda = %g on", lo.lambda,
    points[first].lambda, lo.loss, sem(lo), lo.lambda, points[first].lambda)
  local early = {} -- at 0.5 below the bracket: the scan is not monotonic
  for i = 1, last - 1 do
    if at_half(points[i]) then early[#early + 1] = string.format("%g", points[i].lambda) end
  end
  if #early > 0 then
    line = line .. string.format("; not monotonic: the trivial 0.5 also at lambda = %s, below "
      .. "the bracket (final_loss.csv shows which inits)", table.concat(early, ", "))
  end
  if first - last > 1 then
    local open = {}
    for i = last + 1, first - 1 do
      open[#open + 1] = string.format("%.3g ± %.2g at %g", points[i].loss, sem(points[i]),
        points[i].lambda)
    end
    line = line .. string.format("; between them neither (%s): more --replicas would narrow "
      .. "the bracket", table.concat(open, ", "))
  end
  if points[n].n_half then
    local all = n + 1  -- the first lambda from which on every init is at 0.5
    for i = n, 1, -1 do
      if points[i].n_half == points[i].n then all = i else break end
    end
    local p = points[first]
    if all > n then
      line = line .. string.format("; but not every init is at 0.5 even at lambda = %g "
        .. "(%d of %d)", points[n].lambda, points[n].n_half, points[n].n)
    elseif all > first then
      line = line .. string.format("; every init is at 0.5 only from lambda = %g on (%d of %d "
        .. "at lambda = %g)", points[all].lambda, p.n_half, p.n, p.lambda)
    end
  end
  return line
end

return M
