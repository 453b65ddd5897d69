-- glass.estimate: how a τ estimate from glass.analysis.tau_replicas goes
-- into a table row and a log line, the same everywhere (docs/analysis.md):
-- a missing τ is an empty CSV cell with a status word beside it, and
-- "none (reason)" in a log, never -nan, nil or "-".
local M = {}

local NAN = 0 / 0

-- The row fields of an estimate `res` under the name `name` ("tau90"):
-- name, name_lo, name_hi, name_se (numbers, NaN = empty cell),
-- name_status ("ok", "not_reached", "before_first_lag", "below_min_t")
-- and name_method ("per_replica", "of_mean", "interp").
function M.tau_fields(res, name, into)
  local row = into or {}
  row[name] = res.tau or NAN
  row[name .. "_lo"] = res.tau and res.lo or NAN
  row[name .. "_hi"] = res.tau and res.hi or NAN
  row[name .. "_se"] = res.tau and res.se or NAN
  row[name .. "_status"] = res.status
  row[name .. "_method"] = res.method
  return row
end

-- The column names tau_fields fills, in order, for glass.table{columns = ...}.
function M.tau_columns(name)
  return {name, name .. "_lo", name .. "_hi", name .. "_se", name .. "_status", name .. "_method"}
end

-- "123.4 [101.2, 150.3] (95% bootstrap, per_replica)" or "none (reason)".
function M.tau_text(res)
  if not res.tau then return string.format("none (%s: %s)", res.status, res.reason) end
  if res.lo == res.lo and res.B and res.B > 0 then
    return string.format("%.4g [%.4g, %.4g] (%g%% bootstrap, %s)", res.tau, res.lo, res.hi,
      100 * res.level, res.method)
  end
  return string.format("%.4g (%s)", res.tau, res.method)
end

-- The CSV comment line that says how the τ columns were computed.
function M.tau_comment(res, name)
  return string.format("%s: method %s (threshold %g, min_t %g); %s_lo/%s_hi: %g%% replica "
    .. "bootstrap percentile interval (B = %d, counter-based seed); %s_se: sd of the bootstrap "
    .. "estimates; empty cell = no tau (see %s_status)", name, res.method, res.threshold,
    res.min_t, name, name, 100 * res.level, res.B, name, name)
end

-- tau_replicas on an observer's Q curves in one call:
--   glass.analysis.tau_observer(obs, {threshold=, method=, min_t=, tw=, chi= | eps=,
--                                      B=, seed=, level=})
-- The bootstrap resamples whole basins (the observer's basin labels), which
-- for independent replicas is the plain replica bootstrap.
function M.tau_observer(obs, opts)
  opts = opts or {}
  local sel, rest = {quantity = "Q"}, {}
  for k, v in pairs(opts) do
    if k == "tw" or k == "chi" or k == "eps" then sel[k] = v else rest[k] = v end
  end
  local t, Q, basins = obs:curves(sel)
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
  local function add(c)
    for i = 1, nl do
      local q = c[i]
      if q == q then out[i], n[i] = out[i] + q, n[i] + 1 end
    end
  end
  if idx then for _, r in ipairs(idx) do add(curves[r]) end
  else for _, c in ipairs(curves) do add(c) end end
  for i = 1, nl do out[i] = n[i] > 0 and out[i] / n[i] or NAN end
  return out
end

-- The tau90 and tau_e fields of a protocol's tau.csv row from an observer
-- (its Q curves at opts.tw and cutoff opts.chi / opts.eps): each τ with its
-- status, bootstrap interval (over basins), sd and method, as tau_fields.
-- opts.method is the protocol's --tau_method: "first" (the first saved lag
-- where the replica-mean Q is below: the estimator of_mean), "interp", or
-- any tau_replicas method; B, seed, level as tau_replicas.  Returns row and
-- the two results.
function M.tau_row(obs, row, opts)
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

-- tau_columns for tau90 and tau_e, in tau_row's order.
function M.tau_row_columns()
  local c = M.tau_columns("tau90")
  for _, n in ipairs(M.tau_columns("tau_e")) do c[#c + 1] = n end
  return c
end

function M.install(glass)
  glass.analysis.tau_fields = M.tau_fields
  glass.analysis.tau_columns = M.tau_columns
  glass.analysis.tau_text = M.tau_text
  glass.analysis.tau_comment = M.tau_comment
  glass.analysis.tau_observer = M.tau_observer
  glass.analysis.mean_curve = M.mean_curve
  glass.analysis.tau_row = M.tau_row
  glass.analysis.tau_row_columns = M.tau_row_columns
  return glass
end

return M
