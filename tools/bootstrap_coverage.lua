-- How often a "95 %" interval holds the true value, at the replica counts
-- protocols use: n standard normal draws, `trials` seeded trials per n.
--   mean:     the percentile bootstrap (glass.analysis.bootstrap, B = 1000) of
--             their mean (true mean 0);
--   variance: the percentile bootstrap of their sample variance (n - 1; true
--             variance 1), beside the chi-square interval (n-1) s^2 / chi2
--             quantiles that glass.report.chi4_interval gives chi4.
-- Prints each coverage with its binomial standard error.  docs/analysis.md
-- quotes its output.
--
--   glassvm tools/bootstrap_coverage.lua [trials [mean|variance]]
--   (default 2000 trials of the mean: about 25 s)
math.randomseed(12345)
local function normal() -- Box-Muller
  local u1, u2 = math.random(), math.random()
  return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
end
local trials = tonumber(arg[1]) or 2000
local what = arg[2] or "mean"
if what ~= "mean" and what ~= "variance" then
  error("bootstrap_coverage: give mean or variance, not '" .. what .. "'", 0)
end
local function stat_of(x, idx)
  local s, m = 0, #idx
  for _, i in ipairs(idx) do s = s + x[i] end
  if what == "mean" then return s / m end
  local mean, ss = s / m, 0
  for _, i in ipairs(idx) do ss = ss + (x[i] - mean) ^ 2 end
  return ss / (m - 1)
end
local truth = what == "mean" and 0 or 1
local function cover(hit)
  local p = hit / trials
  return string.format("%.3f ± %.3f", p, math.sqrt(p * (1 - p) / trials))
end
for _, n in ipairs{2, 3, 4, 5, 8, 10, 20, 50} do
  if n > 2 or what == "variance" then
    local hit, hit_chi2 = 0, 0
    local qlo, qhi = glass.theory.chi2_quantile(0.025, n - 1), glass.theory.chi2_quantile(0.975, n - 1)
    for k = 1, trials do
      local x = {}
      for i = 1, n do x[i] = normal() end
      local bs = glass.analysis.bootstrap{n = n, B = 1000, seed = k,
        stat = function(idx) return stat_of(x, idx) end}
      if bs.lo <= truth and truth <= bs.hi then hit = hit + 1 end
      if what == "variance" then
        local all = {}
        for i = 1, n do all[i] = i end
        local sum = stat_of(x, all) * (n - 1)
        if sum / qhi <= truth and truth <= sum / qlo then hit_chi2 = hit_chi2 + 1 end
      end
    end
    print(string.format("n = %2d: %s: percentile bootstrap coverage %s%s (%d trials)", n, what,
      cover(hit), what == "variance" and ", chi-square interval " .. cover(hit_chi2) or "", trials))
  end
end
