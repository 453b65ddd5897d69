-- glass.stats: means with their error bars over replicas or inits, as the
-- protocols report them (glass.lab.stats and glass.lab.pooled_alpha2 are these).
local M = {}

-- Mean, standard error and geometric mean of the finite values of a list.
-- The variances are sums of squared deviations from the mean (two passes): the
-- one-pass sum of squares minus n mean^2 loses the spread of values that agree
-- in most digits (losses near 1/2 differing by 1e-13) to rounding.
local function mean_ss(v)
  local n, sum = #v, 0
  for i = 1, n do sum = sum + v[i] end
  local mean, ss = sum / n, 0
  for i = 1, n do ss = ss + (v[i] - mean) ^ 2 end
  return mean, ss
end

function M.stats(xs)
  if type(xs) ~= "table" then
    error("glass.lab.stats(list): list must be a list of numbers, got " .. type(xs), 2)
  end
  local vals, logs, nzero = {}, {}, 0
  for _, x in ipairs(xs) do
    if x == x and x ~= math.huge and x ~= -math.huge then
      vals[#vals + 1] = x
      if x > 0 then logs[#logs + 1] = math.log(x) elseif x == 0 then nzero = nzero + 1 end
    end
  end
  local n, npos, nan = #vals, #logs, 0 / 0
  if n == 0 then return {n = 0, mean = nan, sem = nan, geomean = nan, geo_lo = nan, geo_hi = nan} end
  local mean, ss = mean_ss(vals)
  local var = n > 1 and ss / (n - 1) or nan
  -- The geometric mean of values >= 0 with an exact 0 among them is 0 (a
  -- loss of exactly 0: every row fitted); with a negative value, none.
  local geomean, geo_lo, geo_hi = npos + nzero == n and 0.0 or nan, nan, nan
  if npos == n then
    -- Its error bar: exp(mean of log x -/+ its standard error), with more than one value.
    local lm, lss = mean_ss(logs)
    geomean = math.exp(lm)
    if n > 1 then
      local lse = math.sqrt(lss / (n - 1) / n)
      geo_lo, geo_hi = math.exp(lm - lse), math.exp(lm + lse)
    end
  end
  return {n = n, mean = mean, sem = math.sqrt(var / n), geomean = geomean, geo_lo = geo_lo,
          geo_hi = geo_hi}
end

-- The non-Gaussian parameter of pooled moments, <dw^4> / (3 <dw^2>^2) - 1 with both
-- moments averaged over the replicas whose m2[r] and m4[r] are both finite, and its
-- jackknife standard error over those replicas (each left out in turn):
-- sqrt((n-1)/n sum_r (a_(-r) - mean_r a_(-r))^2).  Returns alpha2, se, n; the se is NaN
-- below 2 replicas, both are NaN without one.
function M.pooled_alpha2(m2, m4)
  if type(m2) ~= "table" or type(m4) ~= "table" or #m2 ~= #m4 then
    error(string.format("glass.lab.pooled_alpha2(m2, m4): two lists of the same length (one "
      .. "value per replica), got %s and %s", type(m2) == "table" and #m2 .. " values" or type(m2),
      type(m4) == "table" and #m4 .. " values" or type(m4)), 2)
  end
  local a, b, n = {}, {}, 0
  local function finite(x) return x and x == x and x > -math.huge and x < math.huge end
  for r = 1, math.max(#m2, #m4) do
    local x, y = m2[r], m4[r]
    if finite(x) and finite(y) then
      n = n + 1
      a[n], b[n] = x, y
    end
  end
  local nan = 0 / 0
  if n == 0 then return nan, nan, 0 end
  local s2, s4 = 0, 0
  for r = 1, n do s2, s4 = s2 + a[r], s4 + b[r] end
  local function alpha2(sum2, sum4, k)
    local msd = sum2 / k
    return (sum4 / k) / (3 * msd * msd) - 1
  end
  local value = alpha2(s2, s4, n)
  if n < 2 then return value, nan, n end
  local loo, mean = {}, 0
  for r = 1, n do -- the others' sums afresh (no cancellation when one replica dominates)
    local o2, o4 = 0, 0
    for q = 1, n do if q ~= r then o2, o4 = o2 + a[q], o4 + b[q] end end
    loo[r] = alpha2(o2, o4, n - 1)
    mean = mean + loo[r] / n
  end
  local ss = 0
  for r = 1, n do ss = ss + (loo[r] - mean) ^ 2 end
  return value, math.sqrt((n - 1) / n * ss), n
end

return M
