-- analyse.lua: the numbers of docs/reproduction.md, read from the CSVs that run.sh wrote.
--
--   glassvm docs/reproduction/analyse.lua [DIR]      (DIR: default, this script's folder)
--
-- Prints one section per experiment folder found under DIR (missing ones are skipped):
-- the power-law fits (exponent ± its standard error, from glass.analysis.powerlaw_fit;
-- the error assumes independent points, so it is a lower bound), the values the paper
-- reports, and the comparisons with the null models (the free weight: a flat landscape,
-- Q = erf(eps/sqrt(4Dt)), MSD = 2Dt, D = lr*T/P). run.sh writes its output to
-- DIR/summary.txt. The last section lists, as "key = text", every value
-- docs/reproduction.md quotes; the report tags each quoted value with <!-- key -->, and
-- tests/sh/test_reproduction.sh checks that the two agree and that this script
-- regenerates summary.txt exactly.
local glass = require "glass"

local here = arg[0]:match("^(.*)/[^/]*$") or "."   -- this script's folder
local dir = arg[1] or here
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

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end
local function ok(x) return type(x) == "number" and x == x and x < math.huge end
local function say(fmt, ...) print(string.format(fmt, ...)) end
-- A number for the text: "none" for NaN (never "-nan").
local function g(x, fmt)
  if type(x) ~= "number" or x ~= x then return "none" end
  return string.format(fmt or "%.4g", x)
end

-- ---- the values the report quotes ------------------------------------------------
-- quote(key, text) records `text` (as docs/reproduction.md writes it) under `key`;
-- the "## quoted" section at the end lists them in order.
local quoted, qorder = {}, {}
local function quote(key, text)
  assert(not quoted[key], "analyse.lua: key quoted twice: " .. key)
  quoted[key], qorder[#qorder + 1] = text, key
  return text
end
local SUP = {["-"] = "⁻", ["0"] = "⁰", ["1"] = "¹", ["2"] = "²", ["3"] = "³", ["4"] = "⁴",
             ["5"] = "⁵", ["6"] = "⁶", ["7"] = "⁷", ["8"] = "⁸", ["9"] = "⁹"}
-- x as the report writes it: `fmt` ("%.2f", ...) with a typographic minus; with sig
-- (significant digits) instead, a·10ⁿ outside 10⁻³ ≤ |x| < 10⁴. NaN: "none". A value that
-- rounds to zero has no sign (never "−0.0").
local function txt(x, fmt, sig)
  if type(x) ~= "number" or x ~= x then return "none" end
  local out
  if sig then
    local a = math.abs(x)
    if a ~= 0 and (a < 1e-3 or a >= 1e3) then
      local e = math.floor(math.log(a, 10))
      local m = a / 10 ^ e
      if tonumber(string.format("%." .. (sig - 1) .. "f", m)) >= 10 then m, e = m / 10, e + 1 end
      local ms = string.format("%." .. (sig - 1) .. "f", m)
      out = (ms == "1" and "" or ms .. "·") .. "10" .. tostring(e):gsub(".", SUP)
      if x < 0 then out = "-" .. out end
    else
      out = string.format("%." .. sig .. "g", x)
    end
  else
    out = string.format(fmt, x)
  end
  if out:match("^%-[0.]+$") then out = out:sub(2) end
  return (out:gsub("^%-", "−"))
end
-- Q at lag t of a curve (ts increasing), linear in log t between the two lags around it.
local function at_log(ts, ys, t)
  for i = 2, #ts do
    if ts[i] >= t and ts[i - 1] <= t then
      local f = (math.log(t) - math.log(ts[i - 1])) / (math.log(ts[i]) - math.log(ts[i - 1]))
      return ys[i - 1] + f * (ys[i] - ys[i - 1])
    end
  end
  return nan
end
-- A curve's lags, values and standard errors (columns qcol, scol) from its rows.
local function curve(rows, qcol, scol)
  local ts, qs, ss = {}, {}, {}
  for i, r in ipairs(rows) do ts[i], qs[i], ss[i] = r.t, r[qcol], r[scol] end
  return ts, qs, ss
end
-- erf(X90) = 0.9: a free weight's Q is erf(X90 sqrt(tau90_free / t)).
local X90 = 1.1630871536766743
local function free_q_scaled(x) -- the free weight's Q at t = x tau90_free
  return glass.theory.free_q(x, {eps = 1, D = 1 / (4 * X90 * X90)})
end
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
  ["seed2/quench_anneal/regularised"] = {P = 5000, lambda = 0.01},
  ["quench_anneal/overparameterised_np045"] = {P = 5000, lambda = 0},
}
local lr = 0.01

-- Fig. 3 (and 2b, 5a): tau90 vs T.
-- Returns the noise-dominated tau90/tau90_free range and T* for the verdicts.
local function quench_anneal(name, key)
  local tau = read_csv(dir .. "/" .. name .. "/tau.csv")
  if not tau then return end
  say("\n## %s", name)
  local hiT, hitau, tau0 = {}, {}, nil
  for _, r in ipairs(tau) do
    say("T = %-7g tau90 = %-9s tau90_free = %-9s ratio = %-6s tau_e = %s",
        r.T, g(r.tau90), g(r.tau90_free), g(r.tau90 / r.tau90_free, "%.3g"), g(r.tau_e))
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
  if f then quote(key .. ".b", txt(f.exponent, "%.3f") .. " ± " .. txt(f.exponent_se, "%.3f")) end
  local tstar = nan
  if f and ok(tau0) then
    -- T*: where the high-T power law meets the T = 0 plateau.
    tstar = (tau0 / f.prefactor) ^ (1 / f.exponent)
    say("T = 0 plateau tau90 = %.4g; T* (power law = plateau) = %.3g", tau0, tstar)
    -- The other estimator (the paper-scale one): the free weight's c/T through the same
    -- points meets the plateau.
    local lc = 0
    for i = 1, #hiT do lc = lc + math.log(hiT[i] * hitau[i]) / #hiT end
    local tstar_c = math.exp(lc) / tau0
    say("T* (c/T through the same T = plateau) = %.3g: %+.1f%% from the power law's", tstar_c,
        100 * (tstar_c / tstar - 1))
    quote(key .. ".tstar_c", txt(tstar_c, nil, 3))
    quote(key .. ".tstar_c_dev", txt(100 * math.abs(tstar_c / tstar - 1), "%.0f") .. " %")
    -- Fig. A4a-c: the same with tau_e (Q = 1/e): its c/T line through the same T meets its
    -- T = 0 plateau; tau_e/tau90 there and at T = 0 against the free weight's ratio.
    local te0, le, re, n = nil, 0, 0, 0
    for _, r in ipairs(tau) do
      if r.T == 0 then te0 = r.tau_e end
      for i = 1, #hiT do
        if r.T == hiT[i] and ok(r.tau_e) then
          n, le, re = n + 1, le + math.log(r.T * r.tau_e), re + r.tau_e / r.tau90
        end
      end
    end
    local free_ratio = glass.theory.free_tau(1 / math.exp(1), {eps = 1, D = 1})
      / glass.theory.free_tau(0.9, {eps = 1, D = 1})
    if n > 0 and ok(te0) then
      local tstar_e = math.exp(le / n) / te0
      say("tau_e: c/T through the same T meets its T = 0 plateau (%.4g) at T*_e = %.3g, x%.2f "
          .. "T* (c/T); tau_e/tau90 = %.3g there, %.3g at T = 0 (free weight: %.3g)", te0, tstar_e,
          tstar_e / tstar_c, re / n, te0 / tau0, free_ratio)
      quote(key .. ".tstar_e", txt(tstar_e, nil, 2))
      quote(key .. ".tstar_e_ratio", txt(tstar_e / tstar_c, "%.2f"))
      quote(key .. ".e90_hi", txt(re / n, "%.1f"))
      quote(key .. ".e90_0", txt(te0 / tau0, "%.1f"))
      if key == "reg" then quote("e90_free", txt(free_ratio, "%.1f")) end
    else
      say("tau_e: no T = 0 plateau of tau_e within the lags (or no noise-dominated tau_e)")
    end
    quote(key .. ".tau0", txt(tau0, "%.1f"))
    quote(key .. ".tstar", txt(tstar, nil, 2))
    quote(key .. ".tstar_paper", txt(12 * tstar, nil, 2))
  end
  local low = {}
  for _, r in ipairs(tau) do
    if r.T <= 1e-6 then low[#low + 1] = string.format("%g: %s", r.T, g(r.tau90)) end
  end
  say("tau90 for T <= 1e-6 (landscape-dominated plateau): %s", table.concat(low, ", "))
  -- The null-model verdict: over the fit's temperatures tau90 is the free weight's.
  local lo, hi = math.huge, -math.huge
  for i, T in ipairs(hiT) do
    for _, r in ipairs(tau) do
      if r.T == T then
        lo, hi = math.min(lo, hitau[i] / r.tau90_free), math.max(hi, hitau[i] / r.tau90_free)
      end
    end
  end
  if #hiT > 0 then
    local dev = math.max(1 - lo, hi - 1)
    say("null model: over the fit's T, tau90/tau90_free = %.3f ... %.3f (within %.1f%% of the "
      .. "free weight): noise-dominated, agrees with the free-weight null model", lo, hi, 100 * dev)
    quote(key .. ".null_dev", txt(100 * dev, "%.0f") .. " %")
  end
  -- Fig. 5a: the MSD at the longest lag against the free weight (2Dt) and, with lambda > 0,
  -- the harmonic well started in equilibrium, 2 (T/(lambda P)) (1 - exp(-mu lambda t)).
  local ov = read_csv(dir .. "/" .. name .. "/overlap.csv")
  local cfg = setup[name]
  local msd_lo, msd_hi = math.huge, -math.huge
  for _, T in ipairs(levels(ov, "T")) do
    local rows = where(ov, "T", T)
    local r = rows[#rows]
    local free = 2 * lr * T / cfg.P * r.t
    local well = cfg.lambda > 0 and 2 * T / (cfg.lambda * cfg.P) * (1 - math.exp(-lr * cfg.lambda * r.t))
                 or nan
    say("  T = %-7g MSD(t = %d) = %.3g; free weight 2Dt = %.3g; harmonic well = %s; eps^2 = %.3g",
        T, r.t, r.msd, free, g(well, "%.3g"), r.eps ^ 2)
    for _, Tf in ipairs(hiT) do
      if Tf == T then msd_lo, msd_hi = math.min(msd_lo, r.msd / free), math.max(msd_hi, r.msd / free) end
    end
  end
  say("null model: MSD(t_max)/2Dt = %.3f ... %.3f over the fit's T", msd_lo, msd_hi)
  quote(key .. ".msd_ratio", txt(msd_lo, "%.2f") .. "–" .. txt(msd_hi, "%.2f"))
  -- The exit from the master curve at low T (the landscape-dominated regime): Q at
  -- t = 10 tau90 against the noise-dominated curves' value there (their mean over the fit's
  -- T) and the free weight's erf(X90/sqrt(10)); sigma = the replica spread (Q_sem).
  local master, n = 0, 0
  local q10 = {}
  for _, r in ipairs(tau) do
    if ok(r.tau90) then
      local ts, qs, ss = curve(where(ov, "T", r.T), "Q", "Q_sem")
      local q, sem = at_log(ts, qs, 10 * r.tau90), at_log(ts, ss, 10 * r.tau90)
      q10[#q10 + 1] = {T = r.T, q = q, sem = sem}
      for _, T in ipairs(hiT) do
        if T == r.T and ok(q) then master, n = master + q, n + 1 end
      end
    end
  end
  if n == 0 then return end
  master = master / n
  local qfree = free_q_scaled(10)
  say("Q(10 tau90): noise-dominated T (the fit's, mean) %.3f; free weight erf(X90/sqrt(10)) = %.3f",
      master, qfree)
  quote(key .. ".q10_master", txt(master, "%.2f"))
  quote(key .. ".q10_free", txt(qfree, "%.2f"))
  for _, x in ipairs(q10) do
    local z = (x.q - master) / x.sem
    say("  T = %-7g Q(10 tau90) = %s ± %s (replica s.e.): %s sigma from the noise-dominated value",
        x.T, g(x.q, "%.3f"), g(x.sem, "%.3f"), g(z, "%.1f"))
    if x.T == 1e-6 or x.T == 0 then
      local k = key .. ".q10_" .. (x.T == 0 and "T0" or "T1e-6")
      quote(k, txt(x.q, "%.2f"))
      quote(k .. "_sem", txt(x.sem, "%.3f"))
      quote(k .. "_z", txt(z, "%.1f"))
    end
  end
end

-- Fig. 4: master curve exponent, Q(t_f) vs T.
local function ttsp(folder, key)
  folder, key = folder or "ttsp", key or "ttsp"
  local q = read_csv(dir .. "/" .. folder .. "/q_final.csv")
  if not q then return end
  say("\n## %s", folder)
  local fitf = io.open(dir .. "/" .. folder .. "/fit.txt")
  if fitf then say("fit.txt: %s", (fitf:read("a"):gsub("\n", "; "))); fitf:close() end
  local T, Q, H = {}, {}, {}
  for _, r in ipairs(q) do
    say("T = %-7g Q(t_f) = %.4f ± %.4f   harmonic Q_inf = %s", r.T, r.Q_final,
        r.Q_final_sem, g(r.Q_inf_harmonic, "%.4f"))
    T[#T + 1], Q[#Q + 1], H[#H + 1] = r.T, r.Q_final, r.Q_inf_harmonic
  end
  local fq = fit(T, Q)
  say("Q(t_f) ~ T^b: b = %s (paper: -0.48)", fitstr(fq))
  if fq then quote(key .. ".qf_b", txt(fq.exponent, "%.3f") .. " ± " .. txt(fq.exponent_se, "%.3f")) end
  say("harmonic Q_inf ~ T^b: b = %s (paper's App. G: -0.5)", fitstr(fit(T, H)))
  -- The null model: a free weight's Q(t_f) = erf(eps/sqrt(4 D t_f)), D = lr T / P, at the same
  -- eps (P = 5000, lr = 1e-2, t_f = the last lag of master.csv).
  local m0 = read_csv(dir .. "/" .. folder .. "/master.csv")
  local tf = m0[#m0].t
  local dmax = 0
  for _, r in ipairs(q) do
    local free = glass.theory.free_q(tf, {eps = r.eps, lr = lr, T = r.T, P = 5000})
    say("  T = %-7g Q(t_f = %d) = %.4f, free weight %.4f: ratio %.3f", r.T, tf, r.Q_final, free,
        r.Q_final / free)
    if r.T <= 1e-3 then dmax = math.max(dmax, math.abs(r.Q_final / free - 1)) end
  end
  say("null model: for T <= 1e-3, Q(t_f) is the free weight's within %.0f%%", 100 * dmax)
  quote(key .. ".qf_null_dev", txt(100 * dmax, "%.0f") .. " %")
  -- The master curve again, rescaling every T by its own tau90 and leaving out the T
  -- without one (ttsp.lua falls back to tau_e there; see docs/reproduction.md).
  local m = read_csv(dir .. "/" .. folder .. "/master.csv")
  local tau = read_csv(dir .. "/" .. folder .. "/tau.csv")
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
    local f = fit(xs, ys, {t_min = 1, t_max = tmax})
    say("master curve, T in {%s} rescaled by tau90, 1 <= t/tau90 <= %g: exponent %s (paper: -0.48)",
        table.concat(used, ", "), tmax, fitstr(f))
    -- The null model on the same points: a free weight's erf(X90 sqrt(tau90/t)).
    local fx, fy = {}, {}
    for i, x in ipairs(xs) do
      if x >= 1 and x <= tmax then fx[#fx + 1], fy[#fy + 1] = x, free_q_scaled(x) end
    end
    local ff = fit(fx, fy)
    say("  the free weight's erf curve on the same t/tau90: exponent %s; difference %s",
        fitstr(ff), f and ff and string.format("%.3f", f.exponent - ff.exponent) or "none")
    if tmax == math.huge and f and ff then
      quote(key .. ".master_b", txt(f.exponent, "%.3f") .. " ± " .. txt(f.exponent_se, "%.3f"))
      quote(key .. ".master_free_b", txt(ff.exponent, "%.3f"))
    end
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
      -- Off the master curve: Q at 10 tau90 and at the last lag against the free weight's
      -- erf at the same t/tau90, in standard errors (the replica s.e. of Q there).
      local rows = where(m, "T", tr.T)
      local sx, sq, ss = {}, {}, {}
      for i, r in ipairs(rows) do sx[i], sq[i], ss[i] = r.t / tr.tau90, r.Q, r.Q_sem end
      local q10, s10 = at_log(sx, sq, 10), at_log(sx, ss, 10)
      local last = rows[#rows]
      local xl, fl = last.t / tr.tau90, free_q_scaled(last.t / tr.tau90)
      say("    Q(10 tau90) = %s ± %s (free weight %.3f, z = %s); at t/tau90 = %.0f: Q = %.4f ± %.4f "
          .. "(free weight %.4f, z = %.1f)", g(q10, "%.3f"), g(s10, "%.3f"), free_q_scaled(10),
          g((q10 - free_q_scaled(10)) / s10, "%.1f"), xl, last.Q, last.Q_sem, fl,
          (last.Q - fl) / last.Q_sem)
      if key ~= "ttsp" then
        local Tk = string.format("%g", tr.T)
        quote(key .. ".q10." .. Tk, ok(q10) and txt(q10, "%.2f") .. " ± " .. txt(s10, "%.2f") or "—")
        quote(key .. ".z10." .. Tk, ok(q10) and txt((q10 - free_q_scaled(10)) / s10, "%.1f") or "—")
        quote(key .. ".zlast." .. Tk, txt((last.Q - fl) / last.Q_sem, "%.1f"))
      end
    else
      say("  T = %-7g no tau90 (Q(1) = %.3f < 0.9: tau90 is below one step)", tr.T,
          where(m, "T", tr.T)[1].Q)
    end
  end
end

-- Modes of a histogram (rows of one T and lag, in bin order): local maxima of the 3-bin
-- running mean that hold at least 20% of the highest one (maxima with no dip of 2% between
-- them are one noisy peak). Returns the smoothed fractions s, the peaks' bin indices, the
-- index of the highest, the modes as text ("log10|dw| (fraction)", with the depth of the dip
-- before each later mode relative to the lower of the two; 1: no dip) and the deepest dip.
local function modes_of(rows)
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
  local modes, deepest = {}, 1
  for k, i in ipairs(peaks) do
    local text = string.format("%.2f (%.3f)", rows[i].log10_dw, s[i])
    if k > 1 then
      local dip = math.huge
      for j = peaks[k - 1], i do dip = math.min(dip, s[j]) end
      deepest = math.min(deepest, dip / math.min(s[peaks[k - 1]], s[i]))
      text = string.format("[dip %.2f of the lower peak] ", dip / math.min(s[peaks[k - 1]], s[i]))
        .. text
    end
    modes[#modes + 1] = text
  end
  local main = peaks[1]
  for _, i in ipairs(peaks) do if s[i] > s[main] then main = i end end
  return s, peaks, main, modes, deepest
end
-- The free weight's mode of log10|dw| at lag t: dw Gaussian of variance 2Dt, D = lr T / P,
-- so log10|dw| peaks at log10 sqrt(2 D t).
local function free_mode(T, P, t) return 0.5 * math.log(2 * lr * T / P * t, 10) end

-- Fig. 7 and chi4.
-- Returns, for the verdicts, res.alpha2[T] = {v, e} (alpha2 at the last lag with its s.e.)
-- and res.modes[T] = {n = modes, dip = the deepest dip between two of them relative to the
-- lower (1: none), dev = highest mode - free mode} at the last histogram lag.
local function heterogeneity(name, key, P)
  local m = read_csv(dir .. "/" .. name .. "/moments.csv")
  if not m then return end
  say("\n## %s", name)
  local res = {alpha2 = {}, modes = {}}
  local a_lo, a_hi = math.huge, -math.huge
  for _, T in ipairs(levels(m, "T")) do
    local rows = where(m, "T", T)
    local last = rows[#rows]
    local peak, at = -math.huge, nan
    for _, r in ipairs(rows) do if ok(r.chi4) and r.chi4 > peak then peak, at = r.chi4, r.t end end
    say("T = %-7g alpha2(t = %d) = %.3f ± %.3f; Q(t_max) = %.3f; chi4 peak %.4g at t = %g"
        .. " (chi4(t_max) = %.4g)", T, last.t, last.alpha2, last.alpha2_sem, last.Q, peak, at,
        last.chi4)
    a_lo, a_hi = math.min(a_lo, last.alpha2), math.max(a_hi, last.alpha2)
    res.alpha2[T] = {v = last.alpha2, e = last.alpha2_sem}
    if T == 1e-6 then quote(key .. ".chi4_peak_T1e-6", txt(peak, "%.1f")) end
  end
  say("alpha2(t_max) over T: %.3f ... %.3f (a free weight: 0)", a_lo, a_hi)
  quote(key .. ".alpha2_range", txt(a_lo, "%.2f") .. " … " .. txt(a_hi, "%.2f"))
  local h = read_csv(dir .. "/" .. name .. "/histogram.csv")
  if not h then return res end
  local mode_dev = 0 -- the largest |highest mode - free mode| at the last histogram lag
  for _, T in ipairs(levels(h, "T")) do
    local hT = where(h, "T", T)
    for _, t in ipairs(levels(hT, "t")) do
      local rows = where(hT, "t", t)
      local _, peaks, main, modes, deepest = modes_of(rows)
      local last_lag = t == levels(hT, "t")[#levels(hT, "t")]
      if last_lag then res.modes[T] = {n = #peaks, dip = deepest, dev = nan} end
      say("  T = %-7g dt = %-6g modes of log10|dw| (smoothed fraction): %s", T, t,
          table.concat(modes, ", "))
      if main and T > 0 then
        local free = free_mode(T, P, t)
        say("    free weight's mode %.2f; highest mode - free mode = %.2f decades", free,
            rows[main].log10_dw - free)
        if last_lag then
          mode_dev = math.max(mode_dev, math.abs(rows[main].log10_dw - free))
          res.modes[T].dev = rows[main].log10_dw - free
        end
      end
    end
  end
  say("largest |highest mode - free mode| at the last lag: %.2f decades (bins of 0.1)", mode_dev)
  quote(key .. ".mode_dev", txt(mode_dev, "%.2f"))
  return res
end

-- How a mean over n networks splits, from the mean m and standard error e alone (n values
-- x >= 0: a loss, a MSD, 1 - Q): sum_{i<j} x_i x_j = C = n (n-1) (m^2 - e^2) / 2 >= x_max R,
-- R the sum of the others, so R (n m - R) <= C and R is at most the smaller root r of
-- R (n m - R) = C (the larger root would need every x <= r, impossible when r < m). Returns
-- the largest value's lower bound n m - r and the others' upper bound r, or nil where no
-- single network dominates (r >= m). C = 0: one network holds all of it.
local function split_one(n, m, e)
  if not (ok(n) and ok(m) and ok(e)) then return nil end
  local C = n * (n - 1) * (m * m - e * e) / 2
  local disc = (n * m) ^ 2 - 4 * C
  if not (m > 0 and disc >= 0) then return nil end
  local r = (n * m - math.sqrt(disc)) / 2
  if r >= m then return nil end
  return n * m - r, r
end

-- ---- the overparameterised phase at the paper's N/P: verdicts ---------------------------
-- From quench_anneal/, heterogeneity/ and quench_state/overparameterised_np045 (w = 20 on
-- P = 5000 rows, N/P = 0.444; the paper's w = 72 on 60000, 0.445). The paper (Figs. 3c/f,
-- 5c, 7c/f): only the noise-dominated regime, tau90 ~ 1/T at every T and diverging as T -> 0
-- (the networks sit on flat zero-loss plateaus); alpha2 != 0; bimodal log10|dw| at low T. A
-- free weight has the first and neither of the others. TOL = 10 % (the protocols' drift
-- check): a ratio to the free weight within 1 +- TOL is "the free weight's".
--   3f: tau90 within TOL of the free weight's at every T > 0 with a tau90, and none at T = 0:
--       null-model-trivial; a finite tau90 at T = 0 (gradient descent alone decorrelates Q: a
--       landscape-dominated regime, which the paper says this phase lacks): not reproduced;
--       otherwise qualitatively.
--   5c: MSD(t_max) within TOL of 2Dt at every T > 0: null-model-trivial; else qualitatively.
--   7c: alpha2(t_max) (the authors' estimator: the mean of the per-replica alpha2) more than
--       3 s.e. from 0 at some T > 0: qualitatively (alpha2 != 0, as the paper; its values are
--       not read off its figure); else not reproduced.
--   7f: the histogram over all weights and replicas (the paper's) at the lowest T > 0 and the
--       last lag: two modes or more with a dip below 0.9 of the lower: qualitatively; else not
--       reproduced (its one mode within 0.2 decades, two bins, of the free weight's is said).
-- And by network (basin): at the lowest T > 0 and the last lag, a basin whose histogram
-- (histogram_basins.csv) has one mode within 0.2 decades of the free weight's moves as a free
-- weight; the others move by the landscape. A missing folder gives "not run".
local function overparameterised_np045(het)
  local TOL, key = 0.10, "over045"
  local P = setup["quench_anneal/overparameterised_np045"].P
  local base = dir .. "/quench_anneal/overparameterised_np045"
  local tau, ov = read_csv(base .. "/tau.csv"), read_csv(base .. "/overlap.csv")
  say("\n## overparameterised_np045 verdicts (w = 20, lambda = 0, P = 5000, N/P = 0.444)")
  local v3, v5, v7c, v7f = "not run", "not run", "not run", "not run"
  if tau and ov then
    local all_free, tau0, worst, lowT = true, nil, 0, nil
    for _, r in ipairs(tau) do
      if r.T == 0 then tau0 = r.tau90
      elseif ok(r.tau90) then
        local q = r.tau90 / r.tau90_free
        worst = math.max(worst, math.abs(q - 1))
        if math.abs(q - 1) > TOL then all_free = false end
        if not lowT or r.T < lowT.T then lowT = {T = r.T, q = q} end
      end
    end
    say("3f: largest |tau90/tau90_free - 1| over the T > 0 with a tau90: %.3f; tau90 at T = 0: %s",
        worst, g(tau0))
    quote(key .. ".tau_worst", txt(100 * worst, "%.0f") .. " %")
    if lowT then
      quote(key .. ".tau_lowT", txt(lowT.T, nil, 1))
      quote(key .. ".tau_lowT_ratio", txt(lowT.q, "%.2f"))
    end
    quote(key .. ".tau0_text", ok(tau0) and txt(tau0, "%.1f") .. " steps" or "none (Q > 0.9 at every lag)")
    v3 = ok(tau0) and "not reproduced" or all_free and "null-model-trivial" or "qualitatively"
    -- By network, at T = 0 and 1e-8 (split_one on the MSD at every lag): the largest MSD, and
    -- the bound R on the others', which bounds the fraction of their weights moved beyond
    -- eps by R / eps^2 (Markov), so their Q >= 1 - R / eps^2 at every lag.
    for _, T in ipairs{0, 1e-8} do
      local rows = where(ov, "T", T)
      local worst, all_split = 0, #rows > 0
      for _, r in ipairs(rows) do
        local one, rest = split_one(r.n, r.msd, r.msd_sem)
        if one then worst = math.max(worst, rest / r.eps ^ 2) else all_split = false end
      end
      if all_split then
        local last = rows[#rows]
        local one = split_one(last.n, last.msd, last.msd_sem)
        local q_one = split_one(last.n, 1 - last.Q, last.Q_sem)
        say("  T = %g by network: one network's MSD(t = %d) >= %.3g (its Q <= %s); the other %d keep"
            .. " Q >= 1 - %.2g at every lag", T, last.t, one, q_one and g(1 - q_one, "%.2f") or "none",
            last.n - 1, worst)
        if T == 0 then
          quote(key .. ".T0_q_one", q_one and txt(1 - q_one, "%.2f") or "none")
          quote(key .. ".T0_rest_bound", txt(worst, nil, 2))
        end
      else
        say("  T = %g by network: no single network holds the MSD at every lag", T)
      end
    end
    local lo, hi = math.huge, -math.huge
    for _, T in ipairs(levels(ov, "T")) do
      if T > 0 then
        local rows = where(ov, "T", T)
        local r = rows[#rows]
        local q = r.msd / (2 * lr * T / P * r.t)
        lo, hi = math.min(lo, q), math.max(hi, q)
      end
    end
    say("5c: MSD(t_max)/2Dt over every T > 0: %.3f ... %.3f", lo, hi)
    quote(key .. ".msd_all", txt(lo, nil, 2) .. "–" .. txt(hi, nil, 2))
    v5 = (lo >= 1 - TOL and hi <= 1 + TOL) and "null-model-trivial" or "qualitatively"
  end
  if het then
    local nonzero, Tmin = {}, nil
    for T, a in pairs(het.alpha2) do
      if T > 0 then
        if ok(a.v) and ok(a.e) and math.abs(a.v) > 3 * a.e then nonzero[#nonzero + 1] = T end
        if not Tmin or T < Tmin then Tmin = T end
      end
    end
    table.sort(nonzero)
    say("7c: alpha2(t_max) more than 3 s.e. from 0 at T = %s",
        #nonzero > 0 and table.concat(nonzero, ", ") or "none")
    v7c = #nonzero > 0 and "qualitatively" or "not reproduced"
    if Tmin then
      local a = het.alpha2[Tmin]
      quote(key .. ".alpha2_lowT", txt(a.v, "%.2f") .. " ± " .. txt(a.e, "%.2f"))
    end
    local md = Tmin and het.modes[Tmin]
    if md then
      say("7f: T = %g, last lag: %d mode(s), deepest dip %.2f, highest mode - free mode %.2f decades",
          Tmin, md.n, md.dip, md.dev)
      quote(key .. ".modes_n", tostring(md.n))
      quote(key .. ".modes_dev", txt(md.dev, "%.2f"))
      v7f = (md.n >= 2 and md.dip < 0.9) and "qualitatively" or "not reproduced"
    end
    local hb = read_csv(dir .. "/heterogeneity/overparameterised_np045/histogram_basins.csv")
    if hb and Tmin then
      local hT = where(hb, "T", Tmin)
      local lags = levels(hT, "t")
      local t = lags[#lags]
      local rows = where(hT, "t", t)
      local free, nfree, nb = free_mode(Tmin, P, t), 0, 0
      for _, b in ipairs(levels(rows, "basin")) do
        local br = where(rows, "basin", b)
        local _, peaks, main, modes, dip = modes_of(br)
        local dev = main and br[main].log10_dw - free or nan
        local is_free = #peaks == 1 and math.abs(dev) <= 0.2
        nb = nb + 1
        if is_free then nfree = nfree + 1 end
        if not is_free and #peaks >= 2 and not quoted[key .. ".landscape_modes"] then
          quote(key .. ".landscape_modes", txt(br[peaks[1]].log10_dw, "%.2f") .. " and "
            .. txt(br[peaks[#peaks]].log10_dw, "%.2f"))
          quote(key .. ".landscape_dip", txt(dip, "%.2f"))
        end
        say("  basin %s (T = %g, dt = %g): modes %s; highest - free mode %s decades: %s", b, Tmin,
            t, table.concat(modes, ", "), g(dev, "%.2f"), is_free and "a free weight" or "the landscape")
      end
      quote(key .. ".basins_free", string.format("%d of %d", nfree, nb))
    end
    -- chi4 within and between basins (chi4_peaks.csv), with the independent-weight value
    -- (1 - 1/K) Q (1 - Q) of chi4_within at the same lag (moments.csv's chi4_null).
    local pk = read_csv(dir .. "/heterogeneity/overparameterised_np045/chi4_peaks.csv")
    local mo = read_csv(dir .. "/heterogeneity/overparameterised_np045/moments.csv")
    for _, r in ipairs(pk or {}) do
      local null = nan
      for _, m in ipairs(where(mo or {}, "T", r.T)) do if m.t == r.t_peak then null = m.chi4_null end end
      say("  chi4 %-7s T = %-7g peak %.4g [%s, %s] at t = %g (independent weights: %s)", r.part, r.T,
          r.chi4_peak, g(r.chi4_peak_lo), g(r.chi4_peak_hi), r.t_peak, g(null))
      if r.T == 1e-6 and (r.part == "within" or r.part == "between") then
        quote(key .. ".chi4_" .. r.part, txt(r.chi4_peak, nil, 2) .. " [" .. txt(r.chi4_peak_lo, nil, 2)
          .. ", " .. txt(r.chi4_peak_hi, nil, 2) .. "]")
        quote(key .. ".chi4_" .. r.part .. "_t", txt(r.t_peak, "%.0f"))
      end
    end
  end
  -- By network, measured (networks.csv, and overlap_basins.csv's msd and alpha2: written by
  -- the heterogeneity protocol since 2026-12-03): each network's data loss after the quench;
  -- at the lowest T > 0 and the last lag, each basin's MSD / 2Dt, alpha2 and tau90. A basin
  -- moves as a free weight when its MSD is within TOL of 2Dt and |alpha2| < 0.1.
  local hdir = dir .. "/heterogeneity/overparameterised_np045"
  local nets, ob = read_csv(hdir .. "/networks.csv"), read_csv(hdir .. "/overlap_basins.csv")
  local tb = read_csv(hdir .. "/tau_basins.csv")
  if nets and ob and ob[1].msd and tb then
    local zero, off, losses = 0, nil, {}
    for _, r in ipairs(nets) do
      losses[#losses + 1] = txt(r.data_loss, nil, 3)
      if r.data_loss < 1e-6 then zero = zero + 1 elseif not off or r.data_loss > off then off = r.data_loss end
    end
    say("by network after the quench: data loss %s: %d of %d at zero loss (< 1e-6)",
        table.concat(losses, ", "), zero, #nets)
    quote(key .. ".nets_losses", table.concat(losses, ", "))
    quote(key .. ".nets_zero", string.format("%d of %d", zero, #nets))
    local Tmin
    for _, T in ipairs(levels(ob, "T")) do if T > 0 and (not Tmin or T < Tmin) then Tmin = T end end
    local rows = where(ob, "T", Tmin)
    local tmax = 0
    for _, r in ipairs(rows) do tmax = math.max(tmax, r.t) end
    local nfree, a_free, m_free, free_tau, land = 0, 0, 0, {}, {}
    for _, r in ipairs(where(rows, "t", tmax)) do
      local ratio = r.msd / (2 * lr * Tmin / P * r.t)
      local tau90 = where(where(tb, "T", Tmin), "basin", r.basin)[1].tau90
      local free = math.abs(ratio - 1) <= TOL and math.abs(r.alpha2) < 0.1
      say("  basin %d (T = %g, t = %d): MSD/2Dt %.3g, alpha2 %.3g, tau90 %.4g: %s", r.basin, Tmin,
          r.t, ratio, r.alpha2, tau90, free and "a free weight" or "the landscape")
      if free then
        nfree, a_free = nfree + 1, math.max(a_free, math.abs(r.alpha2))
        m_free = math.max(m_free, math.abs(ratio - 1))
        free_tau[#free_tau + 1] = tau90
      else
        land[#land + 1] = {ratio = ratio, alpha2 = r.alpha2, tau90 = tau90}
      end
    end
    quote(key .. ".basins_msd_free", string.format("%d of %d", nfree, nfree + #land))
    quote(key .. ".free_alpha2_max", txt(a_free, "%.3f"))
    quote(key .. ".free_msd_dev", txt(100 * m_free, "%.1f") .. " %")
    table.sort(free_tau)
    if #free_tau > 0 then
      quote(key .. ".free_tau90", txt(free_tau[1], "%.0f") .. "–" .. txt(free_tau[#free_tau], "%.0f"))
    end
    if #land == 1 then
      quote(key .. ".off_msd_ratio", txt(land[1].ratio, nil, 2))
      quote(key .. ".off_alpha2", txt(land[1].alpha2, "%.2f"))
      quote(key .. ".off_tau90", txt(land[1].tau90, "%.0f"))
    end
  end
  say("verdicts: 3f %s; 5c %s; 7c %s; 7f %s", v3, v5, v7c, v7f)
  quote(key .. ".verdict_3f", v3)
  quote(key .. ".verdict_5c", v5)
  quote(key .. ".verdict_7c", v7c)
  quote(key .. ".verdict_7f", v7f)
end

-- Fig. 8: tau90 vs t_w.
local function ageing(folder, key)
  folder, key = folder or "ageing", key or "ageing"
  local tau = read_csv(dir .. "/" .. folder .. "/tau.csv")
  if not tau then return end
  say("\n## %s", folder)
  local tw, t90, list = {}, {}, {}
  for _, r in ipairs(tau) do
    say("t_w = %-6g tau90 = %.4g tau_e = %.4g", r.tw, r.tau90, r.tau_e)
    if ok(r.tau90) then tw[#tw + 1], t90[#t90 + 1] = r.tw, r.tau90 end
    list[#list + 1] = ok(r.tau90) and txt(r.tau90, "%.0f") or "none"
  end
  if key ~= "ageing" then quote(key .. ".tau90s", table.concat(list, ", ")) end
  local fa = fit(tw, t90)
  say("tau90 ~ t_w^a: a = %s", fitstr(fa))
  if fa then quote(key .. ".a", txt(fa.exponent, "%.3f") .. " ± " .. txt(fa.exponent_se, "%.3f")) end
  local fb = fit(tw, t90, {t_min = 2000})
  say("tau90 ~ t_w^a over t_w >= 2000: a = %s", fitstr(fb))
  if fb and key ~= "ageing" then
    quote(key .. ".a2000", txt(fb.exponent, "%.3f") .. " ± " .. txt(fb.exponent_se, "%.3f"))
  end
  return fa
end

-- Fig. A1: tau90 vs T per chi.
local function chi_sweep()
  local tau = read_csv(dir .. "/chi_sweep/tau.csv")
  if not tau then return end
  say("\n## chi_sweep")
  local tstars = {}
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
    tstars[chi] = tstar
  end
  -- The shift of T* with chi: over x50 (30 -> 1500, the paper's "about an order of
  -- magnitude") and over x10 (30 -> 300).
  if tstars[30] and tstars[1500] and tstars[300] then
    say("T*(chi = 30) / T*(chi = 1500) = %.1f; T*(30) / T*(300) = %.1f", tstars[30] / tstars[1500],
        tstars[30] / tstars[300])
    quote("chi.shift50", txt(tstars[30] / tstars[1500], "%.0f"))
    quote("chi.shift10", txt(tstars[30] / tstars[300], "%.0f"))
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

-- The phase each quench reaches (quench_state/*: the quench_anneal settings again, with
-- today's code): loss, data loss, accuracy and unsatisfied fraction after the quench.
local function quench_state(phase)
  local st = read_csv(dir .. "/quench_state/" .. phase .. "/state.csv")
  if not st then return end
  local r = st[1]
  say("\n## quench_state/%s (after the quench, mean ± s.e. over %d networks)", phase, r.n)
  say("loss %.4g ± %.2g, data loss %.4g ± %.2g, accuracy %.4f ± %.4f, unsatisfied rows %.4f ± %.4f",
      r.loss, r.loss_sem, r.data_loss, r.data_loss_sem, r.accuracy, r.accuracy_sem, r.unsat,
      r.unsat_sem)
  quote("state." .. phase .. ".data_loss", txt(r.data_loss, nil, 3))
  quote("state." .. phase .. ".accuracy", txt(r.accuracy, "%.3f"))
  quote("state." .. phase .. ".unsat", txt(r.unsat, "%.3f"))
  local one, rest = split_one(r.n, r.data_loss, r.data_loss_sem)
  if one then
    say("data loss by network (from its mean and s.e.): the largest holds at least %.4g, the "
        .. "other %d together at most %.2g", one, r.n - 1, rest)
    if phase:match("np045$") then
      quote("state." .. phase .. ".loss_one", txt(one, "%.3f"))
      quote("state." .. phase .. ".loss_rest", txt(rest, nil, 2))
    end
  end
end

-- Fig. A2 (training/regularised, --loss_trace): the loss along the whole protocol. The
-- quench from the initial networks; then, per T, the drop in the first Langevin step (the
-- SGD batch noise switched off), the rest of the waiting time and the measurement window,
-- as totals, per step and per decade of steps since the quench; the verdict compares the
-- rates per step.
local function training(name)
  local q = read_csv(dir .. "/" .. name .. "/quench.csv")
  local st = read_csv(dir .. "/" .. name .. "/state.csv")
  if not q or not st then return end
  local q0, q1 = q[1], q[#q]
  say("\n## %s (Fig. A2: the loss along the protocol, mean ± s.e. over %d networks)", name, q0.n)
  say("quench: loss %.4g -> %.4g (data loss %.4g -> %.4g, accuracy %.4f -> %.4f) in %d steps",
      q0.loss, q1.loss, q0.data_loss, q1.data_loss, q0.accuracy, q1.accuracy, q1.t)
  quote("a2.init", txt(q0.loss, "%.3f"))
  quote("a2.quench", txt(q1.loss, "%.4f"))
  local slower = true
  for _, T in ipairs(levels(st, "T")) do
    local rows = where(st, "T", T)
    local a, b, w, e = rows[1], rows[2], where(rows, "t", 0)[1], rows[#rows]
    local tw = w.step - a.step
    local wait_rate = (b.loss - w.loss) / (w.step - b.step)    -- per step, after the first
    local meas_rate = (w.loss - e.loss) / (e.step - w.step)
    local wait_dec = (b.loss - w.loss) / math.log(tw / (b.step - a.step), 10)
    local meas_dec = (w.loss - e.loss) / math.log((e.step - a.step) / tw, 10)
    slower = slower and meas_rate < wait_rate
    say("T = %g: first Langevin step %.4g -> %.4g (%.2f%%); the rest of t_w = %d: -> %.4g "
        .. "(%.2f%%, %.2g per step); measurement (%d steps): -> %.4g ± %.2g (%.2f%%, %.2g per "
        .. "step, %.2g x the waiting time's rate); per decade of steps since the quench "
        .. "%.2g in the waiting time, %.2g in the measurement (x %.2g)", T, a.loss, b.loss,
        100 * (a.loss - b.loss) / a.loss, tw, w.loss, 100 * (b.loss - w.loss) / b.loss,
        wait_rate, e.t, e.loss, e.loss_sem, 100 * (w.loss - e.loss) / w.loss, meas_rate,
        meas_rate / wait_rate, wait_dec, meas_dec, meas_dec / wait_dec)
    if T == 1e-4 then
      quote("a2.step1", txt(100 * (a.loss - b.loss) / a.loss, "%.1f"))
      quote("a2.wait", txt(100 * (b.loss - w.loss) / b.loss, "%.1f"))
      quote("a2.meas", txt(100 * (w.loss - e.loss) / w.loss, "%.2f"))
      quote("a2.ratio", txt(meas_rate / wait_rate, "%.2f"))
      quote("a2.ratio_dec", txt(meas_dec / wait_dec, "%.1f"))
    end
  end
  quote("a2.verdict", slower and "slower during the measurement than during the waiting time "
    .. "at every T" or "not slower during the measurement at every T")
  say("the loss decreases %s", quoted["a2.verdict"])
end

-- The state after every quench (analyse_states.lua), the paper-scale experiments and the
-- compute table (analyse_paper.lua), the seeds and
-- convergence tables (analyse_seeds.lua), both next to this script.
local helpers = {say = say, ok = ok, quote = quote, txt = txt, g = g, dir = dir,
  exists = exists, lr = lr, where = where, nan = nan, read_csv = read_csv, at_log = at_log,
  curve = curve, free_q_scaled = free_q_scaled, here = here, modes_of = modes_of,
  free_mode = free_mode}
local PP = assert(loadfile(here .. "/analyse_paper.lua"))(helpers)
local quench_states = assert(loadfile(here .. "/analyse_states.lua"))(helpers)
local seeds_tables = assert(loadfile(here .. "/analyse_seeds.lua"))
local PARTS = {["paper/regularised"] = {"/low", "/mid", "/mid2", "/high"}} -- run.sh's runs of each
helpers.parts, helpers.paper_parts = PARTS, PP.parts
local S = seeds_tables(helpers)

quench_anneal("quench_anneal/regularised", "reg")
quench_anneal("quench_anneal/underparameterised", "under")
quench_anneal("quench_anneal/overparameterised", "over")
quench_anneal("quench_anneal/fashion", "fashion")
quench_anneal("seed2/quench_anneal/regularised", "seed2.reg")
quench_anneal("quench_anneal/overparameterised_np045", "over045")
for _, ph in ipairs{"regularised", "underparameterised", "overparameterised",
                    "overparameterised_np045", "overparameterised_np045_e1000"} do
  quench_state(ph)
end
training("training/regularised")
quench_states()
ttsp()
ttsp("ttsp_phases/underparameterised", "ttsp.under")
ttsp("ttsp_phases/overparameterised_np045", "ttsp.over045")
heterogeneity("heterogeneity/regularised", "het.reg", 5000)
heterogeneity("heterogeneity/underparameterised", "het.under", 5000)
heterogeneity("heterogeneity/overparameterised", "het.over", 2000)
overparameterised_np045(heterogeneity("heterogeneity/overparameterised_np045", "het.over045", 5000))
ageing()
ageing("ageing_phases/underparameterised", "ageing.under")
ageing("ageing_phases/overparameterised_np045", "ageing.over045")
chi_sweep()
ttt_scan()
uot_scan()
phase_diagram()
msd_batch_sweep()
PP.paper("paper/regularised", 0.01, PARTS["paper/regularised"], "p.reg")
PP.paper("paper/underparameterised", 0)
PP.paper("paper/overparameterised", 0)
PP.mapping()
PP.compute()
S.convergence(S.seeds())
S.waiting("regularised", "seed2/quench_anneal/regularised", "tw_phases/regularised_tw20000", "tw.reg")
S.waiting("underparameterised", "tw_phases/underparameterised_tw2000",
          "tw_phases/underparameterised_tw20000", "tw.under")

say("\n## quoted in docs/reproduction.md (key = text; the report tags each with <!-- key -->)")
for _, k in ipairs(qorder) do say("%s = %s", k, quoted[k]) end
