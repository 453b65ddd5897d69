-- How often a "95 %" percentile bootstrap interval holds the true value,
-- at the replica counts protocols use: the mean of n standard normal
-- draws (true mean 0), glass.analysis.bootstrap with B = 1000, `trials`
-- seeded trials per n.  Prints the coverage with its binomial standard
-- error.  docs/analysis.md quotes its output.
--
--   glassvm tools/bootstrap_coverage.lua [trials]     (default 2000: about 25 s)
math.randomseed(12345)
local function normal() -- Box-Muller
  local u1, u2 = math.random(), math.random()
  return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
end
local trials = tonumber(arg[1]) or 2000
for _, n in ipairs{3, 4, 5, 8, 10, 20, 50} do
  local hit = 0
  for k = 1, trials do
    local x = {}
    for i = 1, n do x[i] = normal() end
    local bs = glass.analysis.bootstrap{n = n, B = 1000, seed = k, stat = function(idx)
      local s = 0
      for _, i in ipairs(idx) do s = s + x[i] end
      return s / #idx
    end}
    if bs.lo <= 0 and 0 <= bs.hi then hit = hit + 1 end
  end
  local p = hit / trials
  print(string.format("n = %2d: coverage %.3f ± %.3f (%d trials)", n, p,
    math.sqrt(p * (1 - p) / trials), trials))
end
