-- analyse.lua: the numbers of docs/reproduction.md, read from the CSVs that run.sh wrote.
--
--   glassvm docs/reproduction/analyse.lua [DIR]      (DIR: default, this script's folder)
--
-- Prints one section per experiment folder found under DIR (missing ones are skipped):
-- the power-law fits (exponent ± its standard error, from glass.analysis.powerlaw_fit;
-- the error assumes independent points, so it is a lower bound) and the values the
-- paper reports, side by side. run.sh writes its output to DIR/summary.txt.
local glass = require "glass"

local dir = arg[1] or (arg[0]:match("^(.*)/[^/]*$") or ".")
local nan = 0 / 0

-- A glassvm CSV: '#' comments, a header, rows; empty fields are NaN.
local function read_csv(path)
  local f = io.open(path)
  if not f then return nil end
  local header, rows = nil, {}
  for line in f:lines() do
    if line:sub(1, 1) ~= "#" and line ~= "" then
      local fields = {}
      for v in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = v end
      if not header then
        header = fields
      else
        local r = {}
        for i, name in ipairs(header) do
          local v = fields[i]
          r[name] = (v == nil or v == "") and nan or (tonumber(v) or v)
        end
        rows[#rows + 1] = r
      end
    end
  end
  f:close()
  return rows
end

local function ok(x) return type(x) == "number" and x == x and x < math.huge end
local function say(fmt, ...) print(string.format(fmt, ...)) end
local function fit(xs, ys, opts)
  local good, f = pcall(glass.analysis.powerlaw_fit, xs, ys, opts)
  if good then return f end
  return nil, f
end
local function fitstr(f, err)
  if not f then return "no fit (" .. tostring(err) .. ")" end
  return string.format("%.3f ± %.3f (n = %d, r² = %.4f)", f.exponent, f.exponent_se, f.n, f.r2)
end
-- Distinct values of a column, in order of appearance.
local function levels(rows, col)
  local seen, out = {}, {}
  for _, r in ipairs(rows) do
    if not seen[r[col]] then seen[r[col]] = true; out[#out + 1] = r[col] end
  end
  return out
end
local function where(rows, col, v)
  local out = {}
  for _, r in ipairs(rows) do if r[col] == v then out[#out + 1] = r end end
  return out
end

-- The settings run.sh gives each quench_anneal run (lr = 1e-2 throughout).
local setup = {
  ["quench_anneal/regularised"] = {P = 5000, lambda = 0.01},
  ["quench_anneal/underparameterised"] = {P = 5000, lambda = 0},
  ["quench_anneal/overparameterised"] = {P = 2000, lambda = 0},
  ["quench_anneal/fashion"] = {P = 5000, lambda = 0.01},
}
local lr = 0.01

-- Fig. 3 (and 2b, 5a): tau90 vs T.
local function quench_anneal(name)
  local tau = read_csv(dir .. "/" .. name .. "/tau.csv")
  if not tau then return end
  say("\n## %s", name)
  local hiT, hitau, tau0 = {}, {}, nil
  for _, r in ipairs(tau) do
    say("T = %-7g tau90 = %-9.4g tau90_free = %-9.4g ratio = %-6.3g tau_e = %.4g",
        r.T, r.tau90, r.tau90_free, r.tau90 / r.tau90_free, r.tau_e)
    if r.T == 0 then tau0 = r.tau90 end
  end
  -- The noise-dominated fit: the three highest T with tau90 >= 1 step (at T = 1e-2
  -- tau90 can fall below one step, the first lag).
  for _, r in ipairs(tau) do
    if r.T > 0 and ok(r.tau90) and r.tau90 >= 1 and #hiT < 3 then
      hiT[#hiT + 1], hitau[#hitau + 1] = r.T, r.tau90
    end
  end
  local f, err = fit(hiT, hitau)
  say("tau90 ~ T^b over T = %s: b = %s (paper: -1)", table.concat(hiT, ", "), fitstr(f, err))
  if f and ok(tau0) then
    -- T*: where the high-T power law meets the T = 0 plateau.
    say("T = 0 plateau tau90 = %.4g; T* (power law = plateau) = %.3g", tau0,
        (tau0 / f.prefactor) ^ (1 / f.exponent))
  end
  local low = {}
  for _, r in ipairs(tau) do
    if r.T <= 1e-6 then low[#low + 1] = string.format("%g: %.4g", r.T, r.tau90) end
  end
  say("tau90 for T <= 1e-6 (landscape-dominated plateau): %s", table.concat(low, ", "))
  -- Fig. 5a: the MSD at the longest lag against the free weight (2Dt) and, with lambda > 0,
  -- the harmonic well started in equilibrium, 2 (T/(lambda P)) (1 - exp(-mu lambda t)).
  local ov = read_csv(dir .. "/" .. name .. "/overlap.csv")
  local cfg = setup[name]
  for _, T in ipairs(levels(ov, "T")) do
    local rows = where(ov, "T", T)
    local r = rows[#rows]
    local free = 2 * lr * T / cfg.P * r.t
    local well = cfg.lambda > 0 and 2 * T / (cfg.lambda * cfg.P) * (1 - math.exp(-lr * cfg.lambda * r.t))
                 or nan
    say("  T = %-7g MSD(t = %d) = %.3g; free weight 2Dt = %.3g; harmonic well = %.3g; eps^2 = %.3g",
        T, r.t, r.msd, free, well, r.eps ^ 2)
  end
end

-- Fig. 4: master curve exponent, Q(t_f) vs T.
local function ttsp()
  local q = read_csv(dir .. "/ttsp/q_final.csv")
  if not q then return end
  say("\n## ttsp")
  local fitf = io.open(dir .. "/ttsp/fit.txt")
  if fitf then say("fit.txt: %s", (fitf:read("a"):gsub("\n", "; "))); fitf:close() end
  local T, Q, H = {}, {}, {}
  for _, r in ipairs(q) do
    say("T = %-7g Q(t_f) = %.4f ± %.4f   harmonic Q_inf = %.4f", r.T, r.Q_final,
        r.Q_final_sem, r.Q_inf_harmonic)
    T[#T + 1], Q[#Q + 1], H[#H + 1] = r.T, r.Q_final, r.Q_inf_harmonic
  end
  say("Q(t_f) ~ T^b: b = %s (paper: -0.48)", fitstr(fit(T, Q)))
  say("harmonic Q_inf ~ T^b: b = %s (paper's App. G: -0.5)", fitstr(fit(T, H)))
  -- The master curve again, rescaling every T by its own tau90 and leaving out the T
  -- without one (ttsp.lua falls back to tau_e there; see docs/reproduction.md).
  local m = read_csv(dir .. "/ttsp/master.csv")
  local tau = read_csv(dir .. "/ttsp/tau.csv")
  local xs, ys, used = {}, {}, {}
  for _, tr in ipairs(tau) do
    if ok(tr.tau90) then
      used[#used + 1] = string.format("%g", tr.T)
      for _, r in ipairs(where(m, "T", tr.T)) do
        if r.Q > 0 then xs[#xs + 1], ys[#ys + 1] = r.t / tr.tau90, r.Q end
      end
    end
  end
  for _, tmax in ipairs({math.huge, 100}) do
    say("master curve, T in {%s} rescaled by tau90, 1 <= t/tau90 <= %g: exponent %s (paper: -0.48)",
        table.concat(used, ", "), tmax, fitstr(fit(xs, ys, {t_min = 1, t_max = tmax})))
  end
  -- The local slope of each temperature's curve, to show where each leaves the master curve.
  for _, tr in ipairs(tau) do
    if ok(tr.tau90) then
      local txs, tys = {}, {}
      for _, r in ipairs(where(m, "T", tr.T)) do
        if r.Q > 0 then txs[#txs + 1], tys[#tys + 1] = r.t / tr.tau90, r.Q end
      end
      say("  T = %-7g local slope over 1..10: %s; over 10..max: %s", tr.T,
          fitstr(fit(txs, tys, {t_min = 1, t_max = 10})), fitstr(fit(txs, tys, {t_min = 10})))
    else
      say("  T = %-7g no tau90 (Q(1) = %.3f < 0.9: tau90 is below one step)", tr.T,
          where(m, "T", tr.T)[1].Q)
    end
  end
end

-- Fig. 7 and chi4.
local function heterogeneity(name)
  local m = read_csv(dir .. "/" .. name .. "/moments.csv")
  if not m then return end
  say("\n## %s", name)
  for _, T in ipairs(levels(m, "T")) do
    local rows = where(m, "T", T)
    local last = rows[#rows]
    local peak, at = -math.huge, nan
    for _, r in ipairs(rows) do if ok(r.chi4) and r.chi4 > peak then peak, at = r.chi4, r.t end end
    say("T = %-7g alpha2(t = %d) = %.3f ± %.3f; Q(t_max) = %.3f; chi4 peak %.4g at t = %g"
        .. " (chi4(t_max) = %.4g)", T, last.t, last.alpha2, last.alpha2_sem, last.Q, peak, at,
        last.chi4)
  end
  local h = read_csv(dir .. "/" .. name .. "/histogram.csv")
  if not h then return end
  -- Modes of each histogram: local maxima of the 3-bin running mean that hold at least
  -- 20% of the highest one (maxima with no dip of 2% between them are one noisy peak);
  -- between two modes, the depth of the dip relative to the lower one (1: no dip).
  for _, T in ipairs(levels(h, "T")) do
    local hT = where(h, "T", T)
    for _, t in ipairs(levels(hT, "t")) do
      local rows = where(hT, "t", t)
      local s, top = {}, 0
      for i = 1, #rows do
        local sum = 0
        for j = i - 1, i + 1 do sum = sum + (rows[j] and rows[j].fraction or 0) end
        s[i] = sum / 3
        if s[i] > top then top = s[i] end
      end
      local peaks = {}
      for i = 2, #rows - 1 do
        if s[i] >= s[i - 1] and s[i] > s[i + 1] and s[i] >= 0.2 * top then
          local last = peaks[#peaks]
          local dip = math.huge
          if last then for j = last, i do dip = math.min(dip, s[j]) end end
          if last and dip >= 0.98 * math.min(s[last], s[i]) then
            if s[i] > s[last] then peaks[#peaks] = i end   -- noise on one broad peak
          else
            peaks[#peaks + 1] = i
          end
        end
      end
      local modes = {}
      for k, i in ipairs(peaks) do
        local txt = string.format("%.2f (%.3f)", rows[i].log10_dw, s[i])
        if k > 1 then
          local dip = math.huge
          for j = peaks[k - 1], i do dip = math.min(dip, s[j]) end
          txt = string.format("[dip %.2f of the lower peak] ", dip / math.min(s[peaks[k - 1]], s[i]))
            .. txt
        end
        modes[#modes + 1] = txt
      end
      say("  T = %-7g dt = %-6g modes of log10|dw| (smoothed fraction): %s", T, t,
          table.concat(modes, ", "))
    end
  end
end

-- Fig. 8: tau90 vs t_w.
local function ageing()
  local tau = read_csv(dir .. "/ageing/tau.csv")
  if not tau then return end
  say("\n## ageing")
  local tw, t90 = {}, {}
  for _, r in ipairs(tau) do
    say("t_w = %-6g tau90 = %.4g tau_e = %.4g", r.tw, r.tau90, r.tau_e)
    if ok(r.tau90) then tw[#tw + 1], t90[#t90 + 1] = r.tw, r.tau90 end
  end
  say("tau90 ~ t_w^a: a = %s", fitstr(fit(tw, t90)))
  say("tau90 ~ t_w^a over t_w >= 2000: a = %s", fitstr(fit(tw, t90, {t_min = 2000})))
end

-- Fig. A1: tau90 vs T per chi.
local function chi_sweep()
  local tau = read_csv(dir .. "/chi_sweep/tau.csv")
  if not tau then return end
  say("\n## chi_sweep")
  for _, chi in ipairs(levels(tau, "chi")) do
    local rows, hiT, hitau, parts = where(tau, "chi", chi), {}, {}, {}
    -- the noise-dominated fit: the three highest T with tau90 >= 1 step
    for _, r in ipairs(rows) do
      parts[#parts + 1] = string.format("%g: %.4g", r.T, r.tau90)
      if ok(r.tau90) and r.tau90 >= 1 and #hiT < 3 then
        hiT[#hiT + 1], hitau[#hitau + 1] = r.T, r.tau90
      end
    end
    say("chi = %-5g tau90 by T: %s", chi, table.concat(parts, ", "))
    local f, err = fit(hiT, hitau)
    local lowest = rows[#rows].tau90
    local tstar = f and ok(lowest) and (lowest / f.prefactor) ^ (1 / f.exponent) or nan
    say("          tau90 ~ T^b over T = %s: b = %s; T* (power law = tau90 at T = %g) = %.3g",
        table.concat(hiT, ", "), fitstr(f, err), rows[#rows].T, tstar)
  end
end

-- Fig. 1c: loss vs lambda.
local function ttt_scan()
  local l = read_csv(dir .. "/ttt_scan/loss_vs_lambda.csv")
  local fl = read_csv(dir .. "/ttt_scan/final_loss.csv")
  if not l then return end
  say("\n## ttt_scan")
  for _, r in ipairs(l) do
    local trivial, n = 0, 0
    for _, x in ipairs(where(fl, "lambda", r.lambda)) do
      n = n + 1
      if x.loss >= 0.499 then trivial = trivial + 1 end
    end
    say("lambda = %-6g loss mean = %.4f ± %.4f geomean = %.4f accuracy = %.3f trivial (loss >= 0.499): %d/%d",
        r.lambda, r.loss_mean, r.loss_sem, r.loss_geomean, r.accuracy_mean, trivial, n)
  end
end

-- Fig. 1b: loss vs N/P.
local function uot_scan()
  local l = read_csv(dir .. "/uot_scan/loss_vs_width.csv")
  if not l then return end
  say("\n## uot_scan")
  for _, r in ipairs(l) do
    say("w = %-3d N = %-5d N/P = %-6.3f loss geomean = %-9.3g mean = %.4g ± %.2g accuracy = %.3f",
        r.width, r.N, r.N_over_P, r.loss_geomean, r.loss_mean, r.loss_sem, r.accuracy_mean)
  end
end

-- Fig. 1a: the grid.
local function phase_diagram()
  local g = read_csv(dir .. "/phase_diagram/grid.csv")
  if not g then return end
  say("\n## phase_diagram (geometric-mean loss; rows: width, columns: lambda)")
  local lams = levels(g, "lambda")
  local head = {}
  for _, l in ipairs(lams) do head[#head + 1] = string.format("%7g", l) end
  say("w   N/P    %s", table.concat(head, " "))
  for _, w in ipairs(levels(g, "width")) do
    local rows, cells = where(g, "width", w), {}
    for _, l in ipairs(lams) do
      for _, r in ipairs(rows) do
        if r.lambda == l then cells[#cells + 1] = string.format("%7.3g", r.loss_geomean) end
      end
    end
    say("%-3d %-6.3f %s", w, rows[1].N_over_P, table.concat(cells, " "))
  end
end

-- Fig. 5d: MSD under SGD.
local function msd_batch_sweep()
  local m = read_csv(dir .. "/msd_batch_sweep/msd.csv")
  if not m then return end
  say("\n## msd_batch_sweep (reference T/(lambda P) = 0.1/(0.01*60000) = 1.67e-4)")
  for _, b in ipairs(levels(m, "batch")) do
    local rows = where(m, "batch", b)
    local last = rows[#rows]
    local t, y = {}, {}
    for _, r in ipairs(rows) do t[#t + 1], y[#y + 1] = r.t, r.msd end
    say("b = %-5d MSD(t = %g) = %.3g; local slope over the last decade: %s", b, last.t,
        last.msd, fitstr(fit(t, y, {t_min = last.t / 10})))
  end
end

quench_anneal("quench_anneal/regularised")
quench_anneal("quench_anneal/underparameterised")
quench_anneal("quench_anneal/overparameterised")
quench_anneal("quench_anneal/fashion")
ttsp()
heterogeneity("heterogeneity/regularised")
heterogeneity("heterogeneity/underparameterised")
heterogeneity("heterogeneity/overparameterised")
ageing()
chi_sweep()
ttt_scan()
uot_scan()
phase_diagram()
msd_batch_sweep()
