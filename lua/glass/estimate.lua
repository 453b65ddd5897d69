-- glass.estimate: how a τ estimate from glass.analysis.tau_replicas goes
-- into a table row and a log line, the same everywhere (docs/analysis.md):
-- a missing τ is an empty CSV cell with a status word beside it, and
-- "none (reason)" in a log, never -nan, nil or "-".
local M = {}

local NAN = 0 / 0

-- The row fields of an estimate `res` under the name `name` ("tau90"):
-- name, name_lo, name_hi, name_se (numbers, NaN = empty cell),
-- name_status ("ok", "not_reached", "before_first_lag", "below_min_t"; "partial":
-- per_replica_found's mean over some of the replicas only, biased low)
-- and name_method ("per_replica", "of_mean", "interp").
-- The tau_replicas result behind each row's fields (weak keys: it goes with the row), for
-- what a row's columns cannot say: report.drift_estimate asks whether every replica
-- without a tau shares its reason (M.result_of).
local results = setmetatable({}, {__mode = "k"})
function M.result_of(row, name) return results[row] and results[row][name] end

local function partial(res)
  return res.method == "per_replica_found" and res.tau and res.n_used < res.n
end

-- The interval a row gives for res: the bootstrap's for a τ found; for one the run
-- does not give, the one-sided bound it still makes (a resample without a τ ranks
-- beyond the lags): not reached, [lo, inf] with lo the interval's lower end, or the
-- last lag when that too lies beyond them (τ > t_max); before the first lag or below
-- min_t, [0, hi] with hi the upper end, or that lag or min_t.  NaN, NaN without a
-- bootstrap (B = 0, one replica, identical copies of a τ found).
function M.tau_bounds(res)
  local lo, hi = res.lo or NAN, res.hi or NAN
  if res.tau then return lo, hi end
  if lo ~= lo or hi ~= hi or not res.t_last then return NAN, NAN end
  if res.status == "not_reached" then return lo < math.huge and lo or res.t_last, math.huge end
  return 0.0, hi > 0 and hi or res.status == "below_min_t" and res.min_t or res.t_first
end

function M.tau_fields(res, name, into)
  local row = into or {}
  row[name] = res.tau or NAN
  row[name .. "_lo"], row[name .. "_hi"] = M.tau_bounds(res)
  row[name .. "_se"] = res.tau and res.se or NAN
  row[name .. "_status"] = partial(res) and "partial" or res.status
  results[row] = results[row] or {}
  results[row][name] = res
  row[name .. "_method"] = res.method
  return row
end

-- The column names tau_fields fills, in order, for glass.table{columns = ...}.
function M.tau_columns(name)
  if type(name) ~= "string" then
    error("glass.analysis.tau_columns(name): name is the τ's column, \"tau90\" say, got "
      .. type(name), 2)
  end
  return {name, name .. "_lo", name .. "_hi", name .. "_se", name .. "_status", name .. "_method"}
end

-- "status: reason", the status in words, without it when the reason already starts
-- with it ("not_reached" and "not reached: no replica ...", "before_first_lag" and
-- "before the first lag: ...").
local function words(s) return (s:gsub("_", " "):gsub(" the ", " ")) end
local SAID = {not_reached = "not reached", before_first_lag = "before the first lag"}
local function why_none(res)
  local head = res.reason:match("^([^:]*):")
  if head and words(head) == words(res.status) then return res.reason end
  return (SAID[res.status] or res.status) .. ": " .. res.reason
end

-- What the interval [lo, hi] of a τ not found says, after "none (reason)":
-- ", > 2500 (95% bootstrap)" (not reached), ", < 3 (...)" (before the first lag or
-- below min_t), or "" (no interval, or [0, inf]).  what: the interval's label.
function M.bound_text(lo, hi, what)
  if lo and hi == math.huge and lo > 0 and lo < math.huge then
    return string.format(", > %.4g (%s)", lo, what)
  elseif lo == 0 and hi and hi > 0 and hi < math.huge then
    return string.format(", < %.4g (%s)", hi, what)
  end
  return ""
end

-- "123.4 [101.2, 150.3] (95% bootstrap, per_replica)", or "none (reason)" and the
-- bound the bootstrap still gives (bound_text).
function M.tau_text(res)
  if type(res) ~= "table" or res.method == nil then
    error("glass.analysis.tau_text(res): res is a tau_replicas result, got "
      .. (type(res) == "table" and "a table without its method" or type(res)), 2)
  end
  if not res.tau then
    local lo, hi = M.tau_bounds(res)
    return string.format("none (%s)%s", why_none(res),
      M.bound_text(lo, hi, string.format("%g%% bootstrap", 100 * (res.level or 0.95))))
  end
  if res.lo == res.lo and res.B and res.B > 0 then
    return string.format("%.4g [%.4g, %.4g] (%g%% bootstrap, %s)", res.tau, res.lo, res.hi,
      100 * res.level, res.method)
  end
  return string.format("%.4g (%s)", res.tau, res.method)
end

-- The CSV comment line that says how the τ columns were computed.
-- A tau read on the lags (every method but interp) has its lower end one lag
-- cell down and the cell's rounding in its s.e. (glass.analysis.tau_replicas).
function M.tau_comment(res, name)
  local grid = res.method ~= "interp"
  if (res.B or 0) == 0 then
    return string.format("%s: method %s (threshold %g, min_t %g); %s_lo/%s_hi/%s_se: empty (no "
      .. "bootstrap: B = 0); empty cell = no tau (see %s_status)", name, res.method,
      res.threshold, res.min_t, name, name, name, name)
  end
  return string.format("%s: method %s (threshold %g, min_t %g); %s_lo/%s_hi: %g%% replica "
    .. "bootstrap percentile interval (B = %d, counter-based seed)%s; %s_se: sd of the bootstrap "
    .. "estimates%s; empty cell = no tau (see %s_status), whose %s_lo/%s_hi are the bound the "
    .. "resamples still give ([lo or the last lag, inf] not reached, [0, hi or the first lag "
    .. "or min_t] before it)", name, res.method, res.threshold,
    res.min_t, name, name, 100 * res.level, res.B,
    grid and ", its lower end one lag cell down (tau is read on the lags)" or "", name,
    grid and " and the lag cell's rounding (width/sqrt(12))" or "", name, name, name)
end

-- tau_replicas on an observer's Q curves in one call:
--   glass.analysis.tau_observer(obs, {threshold=, method=, min_t=, tw=, chi= | eps=,
--                                      B=, seed=, level=})
-- The bootstrap resamples whole basins (the observer's basin labels), which
-- for independent replicas is the plain replica bootstrap.
function M.tau_observer(obs, opts)
  -- (a userdata without curves: a dataset or an ensemble given for the observer)
  if type(obs) ~= "userdata" or type(obs.curves) ~= "function" then
    error("glass.analysis.tau_observer(obs [, opts]): obs is a two-time observer, got "
      .. (type(obs) == "userdata" and tostring(obs) or type(obs)), 2)
  end
  opts = opts or {}
  require("glass.core").check_options(opts, "tau_observer",
    {"tw", "chi", "eps", "threshold", "method", "min_t", "B", "seed", "level"}, 2)
  local sel, rest = {quantity = "Q"}, {}
  for k, v in pairs(opts) do
    if k == "tw" or k == "chi" or k == "eps" then sel[k] = v else rest[k] = v end
  end
  -- A selection the observer refuses (a t_w it does not have) is the caller's mistake:
  -- its message names the caller's line, not this one.
  local ok, t, Q, basins = pcall(obs.curves, obs, sel)
  if not ok then
    if type(t) ~= "string" then error(t, 0) end -- a glass.Error (an interruption): as it came
    error("tau_observer: " .. t:gsub("^[^\n]-:%d+: ", ""):gsub("^observer:curves: ", ""), 2)
  end
  if #Q == 0 then error("tau_observer: the observer has not measured yet", 2) end
  rest.groups = basins
  return package.loaded.glass.analysis.tau_replicas(t, Q, rest)
end

-- The mean curve of curves[r][i] over the replicas listed in idx (all when
-- nil; repeats count, as a bootstrap draw gives them), skipping NaN.
function M.mean_curve(curves, idx)
  local out, n = {}, {}
  local nl = curves[1] and #curves[1] or 0
  for i = 1, nl do out[i], n[i] = 0, 0 end
  local function add(c, r, at)
    if r ~= nil and math.type(r) ~= "integer" then
      error(string.format("mean_curve: replica indices are integers 1..%d, got %s %s", #curves,
        type(r), tostring(r)), 3) -- at mean_curve's caller
    end
    if type(c) ~= "table" then
      error(string.format("mean_curve: replica %s is not among the %d curves", tostring(r),
        #curves), 3)
    end
    if #c ~= nl then
      error(string.format("mean_curve: curve %d has %d values, curve 1 has %d: the curves must "
        .. "share their lags", r or at, #c, nl), 3)
    end
    for i = 1, nl do
      local q = c[i]
      if q == q then out[i], n[i] = out[i] + q, n[i] + 1 end
    end
  end
  if idx then for _, r in ipairs(idx) do add(curves[r], r) end
  else for k, c in ipairs(curves) do add(c, nil, k) end end
  for i = 1, nl do out[i] = n[i] > 0 and out[i] / n[i] or NAN end
  return out
end

local TAU_ROW_KEYS = {"method", "tw", "chi", "eps", "B", "seed", "level"}

-- tau_row's and tau_report's arguments, refused at the caller's caller (level 3).
local function check_row_args(what, row, opts)
  if type(opts) ~= "table" then
    error(string.format("%s: give the options table {method = ...} (a --tau_method: %s), got %s",
      what, table.concat(M.TAU_METHODS, ", "), type(opts)), 3)
  end
  require("glass.core").check_options(opts, what, TAU_ROW_KEYS, 3)
  if row ~= nil and type(row) ~= "table" then
    error(string.format("%s: row must be a table (the fields to fill) or nil, got %s", what,
      type(row)), 3)
  end
  if opts.method ~= nil then
    for _, m in ipairs(M.TAU_METHODS) do if m == opts.method then return end end
    error(string.format("%s: method '%s' unknown; use %s", what, tostring(opts.method),
      table.concat(M.TAU_METHODS, ", ")), 3)
  end
end

-- The tau90 and tau_e fields of a protocol's tau.csv row from an observer
-- (its Q curves at opts.tw and cutoff opts.chi / opts.eps): each τ with its
-- status, bootstrap interval (over basins), sd and method, as tau_fields.
-- opts.method is the protocol's --tau_method: "first" (the first saved lag
-- where the replica-mean Q is below: the estimator of_mean), "interp", or
-- any tau_replicas method; B, seed, level as tau_replicas.  Returns row and
-- the two results.
function M.tau_row(obs, row, opts)
  check_row_args("tau_row", row, opts)
  return M.tau_row_checked(obs, row or {}, opts)
end

-- tau_row without the argument checks (tau_report has made them).
function M.tau_row_checked(obs, row, opts)
  local est = ({first = "of_mean"})[opts.method] or opts.method
  local base = {method = est, tw = opts.tw, chi = opts.chi, eps = opts.eps, B = opts.B,
                seed = opts.seed, level = opts.level}
  local r90 = M.tau_observer(obs, base)
  base.threshold = math.exp(-1)
  local re = M.tau_observer(obs, base)
  M.tau_fields(r90, "tau90", row)
  M.tau_fields(re, "tau_e", row)
  return row, r90, re
end

-- A protocol's --tau_method: the estimators tau_row and tau_curves take.
-- "first" and "interp" work on the replica-mean curve (glass.analysis.tau);
-- the others are glass.analysis.tau_replicas's ("per_replica" the authors').
M.TAU_METHODS = {"first", "interp", "per_replica", "per_replica_found", "of_mean"}

local function of_mean_curve(method) return method == "first" or method == "interp" end

-- The parameter spec of --tau_method with default `default`; `more`: other
-- fields of the declaration (omit_default = true, say).
function M.tau_method_param(default, more)
  local d = {"tau_method", default, "tau estimator: first (the first lag where the replica-mean "
    .. "Q is below, the paper's), interp (the replica-mean Q interpolated in log t), "
    .. "per_replica (the "
    .. "authors': each replica's first lag below, none if that is the first lag or < 4 steps, "
    .. "mean over replicas, none if any replica has none), per_replica_found (the same over "
    .. "the replicas that have one) or of_mean (the same estimator as first, under the name "
    .. "glass.analysis.tau_replicas gives it)",
    choices = M.TAU_METHODS}
  for k, v in pairs(more or {}) do d[k] = v end
  return d
end

-- tau_row plus the two τ a protocol logs, fits and rescales with:
-- returns row, tau90, why90, tau_e, why_e (tau nil and why a line when
-- there is none).  For "first" and "interp" the values are those of the
-- replica-mean curve (t, q) the protocol passes (its summary), and the row
-- carries them; for the other methods they are tau_replicas's.
-- The curve (t, q) must be the replica mean of the curves the row resamples
-- (those at opts.tw and the cutoff opts.chi / opts.eps, each defaulting to the
-- observer's first): otherwise the row would pair one curve's τ with another's
-- interval, so a mismatch is refused.
local function check_mean_curve(obs, t, q, opts)
  local function where()
    return string.format("%s and %s", opts.tw and string.format("tw = %g", opts.tw)
      or "the observer's first waiting time", opts.chi and string.format("chi = %g", opts.chi)
      or opts.eps and string.format("eps = %g", opts.eps) or "its first cutoff")
  end
  if type(t) ~= "table" or type(q) ~= "table" or #t ~= #q then
    error(string.format("tau_report: t and q must be lists of the same length (the lags and the "
      .. "replica-mean Q), got %s of %s and %s of %s", type(t), type(t) == "table" and #t or "-",
      type(q), type(q) == "table" and #q or "-"), 3)
  end
  local ct, cq = obs:curves{quantity = "Q", tw = opts.tw, chi = opts.chi, eps = opts.eps}
  if #t ~= #ct then -- (a part of the curve has another τ than the row's interval)
    error(string.format("tau_report: the curve t, q has %d lags, the observer's Q curves at %s "
      .. "have %d: give the whole replica-mean curve", #t, where(), #ct), 3)
  end
  local mean, at = M.mean_curve(cq), {}
  for i, x in ipairs(ct) do at[x] = i end
  for i = 1, #t do
    local j = at[t[i]]
    local m = j and mean[j]
    local same = j and ((q[i] ~= q[i] and m ~= m) or math.abs(q[i] - m) <= 1e-9)
    if not same then
      error(string.format("tau_report: the curve t, q is not the replica mean of the observer's "
        .. "Q curves at %s (%s): give the tw and chi (or eps) of that curve in the options, as "
        .. "its rows in obs:table('summary') have them", where(), j and string.format(
          "at t = %g, q = %.9g against %.9g", t[i], q[i], m) or string.format(
          "those have no lag t = %g", t[i])), 3)
    end
  end
end

function M.tau_report(obs, t, q, row, opts)
  check_row_args("tau_report", row, opts)
  local A = package.loaded.glass.analysis
  local r90, re
  if of_mean_curve(opts.method) then check_mean_curve(obs, t, q, opts) end
  row, r90, re = M.tau_row_checked(obs, row or {}, opts)
  if of_mean_curve(opts.method) then
    local t90, why90 = A.tau90(t, q, {method = opts.method})
    local te, whye = A.tau_e(t, q, {method = opts.method})
    row.tau90, row.tau_e = t90 or NAN, te or NAN -- the same values, from the summary's mean
    -- (tau's second value is the lag index when found: no reason then)
    return row, t90, not t90 and why90 or nil, te, not te and whye or nil
  end
  -- (a found tau has no reason, but for a partial mean: "mean over k of n replicas ...")
  local function why(r)
    if not r.tau then return why_none(r) end
    return partial(r) and r.reason or nil
  end
  return row, r90.tau, why(r90), re.tau, why(re)
end

-- The τ of Q curves (t, Q[r][i]) at `threshold` by `method` (a
-- --tau_method) over the replicas listed in idx (all when nil; repeats
-- count): for bootstrap statistics of fits.  Returns tau, or nil and the
-- status word of a tau.csv row ("not_reached", "before_first_lag",
-- "below_min_t"), so that a statistic can rank a resample beyond the lags
-- (+/-math.huge) rather than drop it.
function M.tau_curves(t, Q, idx, method, threshold)
  threshold = threshold or 0.9 -- as tau_replicas, for every method
  local A = package.loaded.glass.analysis
  if of_mean_curve(method) then
    local tau, _, kind = A.tau(t, M.mean_curve(Q, idx), threshold, {method = method})
    if tau then return tau end
    return nil, kind == "before_first" and "before_first_lag" or kind
  end
  local sub = Q
  if idx then
    sub = {}
    for j, r in ipairs(idx) do
      -- A missing replica would shorten the list: the τ of the others, silently.
      if math.type(r) ~= "integer" or type(Q[r]) ~= "table" then
        error(string.format("tau_curves: idx[%d] = %s is not among the %d curves (replica "
          .. "indices 1..%d)", j, tostring(r), #Q, #Q), 2)
      end
      sub[j] = Q[r]
    end
  end
  local res = A.tau_replicas(t, sub, {threshold = threshold, method = method, B = 0})
  if res.tau then return res.tau end
  return nil, res.status
end

-- The ratio tau(Qb) / tau(Qa) of two sets of curves of the same replicas (Qa[r]
-- and Qb[r] are replica r measured twice: at two waiting times, or at T and, from
-- the same network, at T = 0), with a paired percentile bootstrap over the
-- replicas: one draw of replicas for both taus.  A tau beyond the last lag counts
-- as math.huge and one before the first lag as 0, so that a resample ranks beyond
-- the lags (the ratio then 0 or math.huge); both beyond, both before, or a tau
-- below min_t leaves the resample undefined (B_ok counts the others).  opts:
-- method (a --tau_method, default "interp"), threshold (0.9), B (1000), seed (1),
-- level (0.95).  Returns glass.analysis.bootstrap's table {estimate, lo, hi, se,
-- B, B_ok, level}; lo and hi are NaN with one replica.
function M.tau_ratio(t, Qa, Qb, opts)
  opts = opts or {}
  if #Qa ~= #Qb then
    error(string.format("tau_ratio: %d curves against %d: the two sets must be the same "
      .. "replicas", #Qa, #Qb), 2)
  end
  local method, threshold = opts.method or "interp", opts.threshold or 0.9
  local function tau(Q, idx)
    local x, status = M.tau_curves(t, Q, idx, method, threshold)
    if x then return x end
    return ({not_reached = math.huge, before_first_lag = 0})[status]
  end
  local A = package.loaded.glass.analysis
  return A.bootstrap{n = #Qa, B = opts.B or 1000, seed = opts.seed or 1,
    level = opts.level or 0.95, stat = function(idx)
      local a, b = tau(Qa, idx), tau(Qb, idx)
      if not (a and b) or (a == b and (a == 0 or a == math.huge)) then return nil end
      if a == 0 or b == math.huge then return math.huge end
      if a == math.huge then return 0 end
      return b / a
    end}
end

-- tau_columns for tau90 and tau_e, in tau_row's order.
function M.tau_row_columns()
  local c = M.tau_columns("tau90")
  for _, n in ipairs(M.tau_columns("tau_e")) do c[#c + 1] = n end
  return c
end

function M.install(glass)
  glass.analysis.tau_fields = M.tau_fields
  glass.analysis.tau_bounds = M.tau_bounds
  glass.analysis.tau_columns = M.tau_columns
  glass.analysis.tau_text = M.tau_text
  glass.analysis.tau_comment = M.tau_comment
  glass.analysis.tau_observer = M.tau_observer
  glass.analysis.mean_curve = M.mean_curve
  glass.analysis.tau_row = M.tau_row
  glass.analysis.tau_row_columns = M.tau_row_columns
  glass.analysis.tau_report = M.tau_report
  glass.analysis.tau_curves = M.tau_curves
  glass.analysis.tau_ratio = M.tau_ratio
  glass.analysis.tau_method_param = M.tau_method_param
  glass.analysis.TAU_METHODS = M.TAU_METHODS
  return glass
end

return M
