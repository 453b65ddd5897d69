-- analyse_seeds.lua: the headline numbers of the regularised phase and the two tables built
-- on them, "seeds" (seed 1 against seed 2) and "convergence" (the seed-2 runs with one option
-- changed). Loaded by analyse.lua, which passes its helpers (the names below); not run alone.
local H = ...
local say, ok, quote, txt, g, dir, exists, lr, where, nan, read_csv, at_log, curve =
  H.say, H.ok, H.quote, H.txt, H.g, H.dir, H.exists, H.lr, H.where, H.nan, H.read_csv,
  H.at_log, H.curve

-- A folder may be one run or, for an experiment split into runs (H.parts[folder]: the
-- subfolders), all of them: complete when every part is, its rows those of H.paper_parts
-- (each T once), by decreasing T as a single run's --T lists them.
local function complete(folder)
  for _, part in ipairs(H.parts[folder] or {""}) do
    if not exists(dir .. "/" .. folder .. part .. "/COMPLETE") then return false end
  end
  return true
end
local function read(folder, file)
  if not H.parts[folder] then return read_csv(dir .. "/" .. folder .. "/" .. file) end
  local rows = H.paper_parts(dir .. "/" .. folder, H.parts[folder])
  if not rows then return nil end
  local out, at = rows(file), {}
  if #out == 0 then return nil end -- no part has this file (a caller may try another)
  for i, r in ipairs(out) do at[r] = i end -- keep each T's rows in their order (lags)
  table.sort(out, function(x, y) if x.T ~= y.T then return x.T > y.T end return at[x] < at[y] end)
  return out
end
-- ---- independent seeds ---------------------------------------------------------------
-- The headline numbers of the regularised phase from seed 1 (the first edition's runs, made
-- by the 2026-11-29 code) and seed 2 (run.sh seed2/*, today's code, the same options), each
-- with an error bar, their difference and how many combined error bars it is:
--   tau90 at T = 0 (the plateau): the replica standard error of Q where it crosses 0.9,
--     divided by the slope dQ/dln t there (the delta method): d tau90 = tau90 Q_sem / |dQ/dln t|;
--   the high-T slope b of tau90 ~ T^b (the three highest T with tau90 >= 1 step, as above):
--     the fit's standard error and the tau90 errors propagated through the least-squares
--     slope, in quadrature;
--   T* (the power law meets the plateau): the plateau's error and the line's at T*
--     (residual and propagated parts), through ln T* = (ln tau90(0) - ln A)/b; compared in
--     ln T*. The slope's T must be noise-dominated (tau90 within 10 % of the free weight's);
--     with one or two such T (the paper-scale grid) the line is the free weight's c/T
--     through them instead, its error propagated from their tau90;
--   the master-curve exponent (ttsp, t/tau90 >= 1): the fit's standard error and the Q_sem
--     of its points propagated as if independent (points of one curve share replicas);
--   Q(10 tau90) at T = 1e-6 and T = 0: the replica standard error at that lag;
--   the alpha2 peak (the largest over lags t >= 100 steps, at T = 1e-6; the first lags carry
--     the one-step transient of the gradient step, alpha2(1) = 3.8 for seed 1, before alpha2
--     grows with t): its replica error at that lag; seed 1
--     pools every weight and replica (the first edition's alpha2), seed 2's alpha2_pooled is
--     the same estimator (with a jackknife error);
--   the chi4 peak (T = 1e-6): chi4 = N Var(Q) over n replicas, whose sampling error for
--     Gaussian Q is chi4 sqrt(2/(n-1)).
-- z = (seed 2 - seed 1) / sqrt(e1^2 + e2^2); "within 1σ" (|z| <= 1), "within 2σ", "outside 2σ".
-- A seed whose folders are missing gives "not run".

-- Least squares of y = a + b x with per-point errors sy (of y) beside the residual scatter:
-- b, a, and a function giving the variance of a + b x0 (residual part, propagated part),
-- and b's (residual, propagated) variances.
local function line_fit(xs, ys, sy)
  local m, mx, my = #xs, 0, 0
  for i = 1, m do mx, my = mx + xs[i] / m, my + ys[i] / m end
  local sxx, sxy = 0, 0
  for i = 1, m do
    sxx, sxy = sxx + (xs[i] - mx) ^ 2, sxy + (xs[i] - mx) * (ys[i] - my)
  end
  local b = sxy / sxx
  local a = my - b * mx
  local ss = 0
  for i = 1, m do ss = ss + (ys[i] - a - b * xs[i]) ^ 2 end
  local s2 = m > 2 and ss / (m - 2) or nan
  local vb_rep = 0
  for i = 1, m do vb_rep = vb_rep + ((xs[i] - mx) / sxx * sy[i]) ^ 2 end
  local function at(x0)
    local vres = s2 * (1 / m + (x0 - mx) ^ 2 / sxx)
    local vrep = 0
    for i = 1, m do vrep = vrep + ((1 / m + (x0 - mx) * (xs[i] - mx) / sxx) * sy[i]) ^ 2 end
    return vres, vrep
  end
  return {b = b, a = a, vb_res = s2 / sxx, vb_rep = vb_rep, at = at}
end

-- The lag where the curve (ts, qs, ss) crosses q0, linear in ln t, and its delta-method error.
local function crossing(ts, qs, ss, q0)
  for i = 2, #ts do
    if qs[i - 1] >= q0 and qs[i] < q0 then
      local l0, l1 = math.log(ts[i - 1]), math.log(ts[i])
      local slope = (qs[i] - qs[i - 1]) / (l1 - l0)
      local l = l0 + (q0 - qs[i - 1]) / slope
      local f = (l - l0) / (l1 - l0)
      local sem = ss[i - 1] + f * (ss[i] - ss[i - 1])
      local t = math.exp(l)
      return t, t * sem / math.abs(slope)
    end
  end
  return nan, nan
end


-- The experiments that give the headline numbers (folders under DIR): `qa` a quench_anneal
-- run (tau.csv, overlap.csv), `ttsp` a ttsp run, `het` a heterogeneity run (moments.csv); a
-- paper-scale heterogeneity run serves as both qa and het (its tau.csv, and Q in
-- moments.csv). nil: not part of this set. `label` prefixes the lines printed.
local function headline_set(base)
  return {label = base, qa = base .. "quench_anneal/regularised", ttsp = base .. "ttsp",
          het = base .. "heterogeneity/regularised"}
end

-- The headline numbers of one set of experiments: {name = {v = value, e = error}} (absent:
-- not run). With s.complete, a folder counts only once its run is COMPLETE.
local function headline(s)
  local h, base = {}, s.label
  local function csv(folder, file)
    if not folder then return nil end
    if s.complete and not complete(folder) then return nil end
    return read(folder, file)
  end
  local tau = csv(s.qa, "tau.csv")
  local ov = csv(s.qa, "overlap.csv") or csv(s.qa, "moments.csv")
  if tau and ov then
    local err = {}
    for _, r in ipairs(tau) do
      local ts, qs, ss = curve(where(ov, "T", r.T), "Q", "Q_sem")
      local t90, e90 = crossing(ts, qs, ss, 0.9)
      err[r.T] = e90
      say("  %sT = %-7g tau90 = %s (delta method on the replica-mean Q: %s ± %s)%s", base, r.T,
          g(r.tau90), g(t90), g(e90), r.tau90_lo and string.format("; tau.csv's bootstrap "
          .. "interval [%s, %s]", g(r.tau90_lo), g(r.tau90_hi)) or "")
      if r.T == 0 then h.tau0 = {v = r.tau90, e = e90} end
      if ok(r.tau90) and (r.T == 1e-6 or r.T == 0) then
        local q, sem = at_log(ts, qs, 10 * r.tau90), at_log(ts, ss, 10 * r.tau90)
        h[r.T == 0 and "q10_T0" or "q10_T1e-6"] = {v = q, e = sem}
      end
    end
    local xs, ys, sy = {}, {}, {}
    for _, r in ipairs(tau) do
      -- noise-dominated: tau90 within 10 % of the free weight's (the paper-scale grid has
      -- landscape-dominated T among its three highest)
      local noise = not ok(r.tau90_free) or math.abs(r.tau90 / r.tau90_free - 1) < 0.1
      if r.T > 0 and ok(r.tau90) and r.tau90 >= 1 and noise and #xs < 3 then
        xs[#xs + 1], ys[#ys + 1] = math.log(r.T), math.log(r.tau90)
        sy[#sy + 1] = err[r.T] / r.tau90
      end
    end
    if #xs > 0 and #xs < 3 then h.b = {why = string.format("no slope (%d noise-dominated T)", #xs)} end
    if #xs > 0 and #xs < 3 and h.tau0 and ok(h.tau0.v) then
      -- Too few noise-dominated T for a slope: the free weight's line c/T through them
      -- (ln c the mean of ln(T tau90), its error propagated) meets the plateau.
      local lc, vc = 0, 0
      for i = 1, #xs do lc, vc = lc + (xs[i] + ys[i]) / #xs, vc + (sy[i] / #xs) ^ 2 end
      local v = vc + (h.tau0.e / h.tau0.v) ^ 2
      h.tstar = {v = math.exp(lc) / h.tau0.v, e = math.exp(lc) / h.tau0.v * math.sqrt(v), lnv = v}
      say("  %sT* = %.4g (c/T through %d noise-dominated T, too few for a slope), s.e. of ln "
          .. "T* %.3f", base, h.tstar.v, #xs, math.sqrt(v))
    end
    if #xs >= 3 then
      local L = line_fit(xs, ys, sy)
      h.b = {v = L.b, e = math.sqrt(L.vb_res + L.vb_rep)}
      say("  %sslope b = %.4f: fit s.e. %.4f, propagated tau90 errors %.4f", base, L.b,
          math.sqrt(L.vb_res), math.sqrt(L.vb_rep))
      if h.tau0 and ok(h.tau0.v) then
        local l0 = math.log(h.tau0.v)
        local xstar = (l0 - L.a) / L.b
        local vres, vrep = L.at(xstar)
        local v = ((h.tau0.e / h.tau0.v) ^ 2 + vres + vrep) / L.b ^ 2
        h.tstar = {v = math.exp(xstar), e = math.exp(xstar) * math.sqrt(v), lnv = v}
        say("  %sT* = %.4g, s.e. of ln T* %.3f (plateau %.3f, line: residual %.3f, propagated %.3f)",
            base, math.exp(xstar), math.sqrt(v), h.tau0.e / h.tau0.v / math.abs(L.b),
            math.sqrt(vres) / math.abs(L.b), math.sqrt(vrep) / math.abs(L.b))
      end
    end
  end
  local m, tt = csv(s.ttsp, "master.csv"), csv(s.ttsp, "tau.csv")
  if m and tt then
    local xs, ys, sy = {}, {}, {}
    for _, tr in ipairs(tt) do
      if ok(tr.tau90) then
        for _, r in ipairs(where(m, "T", tr.T)) do
          local x = r.t / tr.tau90
          if r.Q > 0 and x >= 1 then
            xs[#xs + 1], ys[#ys + 1], sy[#sy + 1] = math.log(x), math.log(r.Q), r.Q_sem / r.Q
          end
        end
      end
    end
    if #xs >= 3 then
      local L = line_fit(xs, ys, sy)
      h.master = {v = L.b, e = math.sqrt(L.vb_res + L.vb_rep)}
      say("  %smaster-curve exponent %.4f: fit s.e. %.4f, propagated Q_sem %.4f (n = %d)", base,
          L.b, math.sqrt(L.vb_res), math.sqrt(L.vb_rep), #xs)
    end
  end
  local mo = csv(s.het, "moments.csv")
  if mo then
    local rows = where(mo, "T", 1e-6)
    -- seed 1's alpha2 is pooled over weights and replicas: today's alpha2_pooled.
    local acol = rows[1] and rows[1].alpha2_pooled ~= nil and "alpha2_pooled" or "alpha2"
    local aerr = acol == "alpha2_pooled" and "alpha2_pooled_se" or "alpha2_sem"
    local a, c
    for _, r in ipairs(rows) do
      if r.t >= 100 and ok(r[acol]) and (not a or r[acol] > a.v) then a = {v = r[acol], e = r[aerr], t = r.t} end
      if ok(r.chi4) and (not c or r.chi4 > c.v) then
        c = {v = r.chi4, e = r.chi4 * math.sqrt(2 / (r.n - 1)), t = r.t, n = r.n,
             lo = r.chi4_lo, hi = r.chi4_hi}
      end
    end
    if a then
      h.alpha2 = a
      say("  %sT = 1e-06 %s peak %.4g ± %.2g at t = %g", base, acol, a.v, a.e, a.t)
    end
    local last = rows[#rows]
    if last and ok(last[acol]) then
      h.alpha2_last = {v = last[acol], e = last[aerr], t = last.t}
      say("  %sT = 1e-06 %s at the last lag t = %g: %.4g ± %.2g", base, acol, last.t, last[acol],
          last[aerr])
    end
    if c then
      h.chi4 = c
      say("  %sT = 1e-06 chi4 peak %.4g ± %.2g (Gaussian sampling error, n = %d) at t = %g%s", base,
          c.v, c.e, c.n, c.t, c.lo and string.format("; bootstrap 95%% interval [%s, %s]",
          g(c.lo), g(c.hi)) or "")
    end
  end
  return h
end

-- The headline numbers: id, what, format (or nil and significant digits), name in the report.
local HEADLINE = {
  {"b", "high-T slope of tau90 ~ T^b", "%.3f", nil, "high-T slope b"},
  {"tau0", "tau90 plateau at T = 0 (steps)", "%.1f", nil, "τ90 plateau"},
  {"tstar", "T*", nil, 2, "T*"},
  {"master", "master-curve exponent (ttsp)", "%.3f", nil, "master-curve exponent"},
  {"q10_T1e-6", "Q(10 tau90) at T = 1e-6", "%.2f", nil, "Q(10 τ90) at T = 10⁻⁶"},
  {"q10_T0", "Q(10 tau90) at T = 0", "%.2f", nil, "Q(10 τ90) at T = 0"},
  {"alpha2", "alpha2 peak (t >= 100) at T = 1e-6", "%.2f", nil, "α₂ peak"},
  {"alpha2_last", "alpha2 at t = 1e4 at T = 1e-6", "%.2f", nil, "α₂ at the last lag"},
  {"chi4", "chi4 peak at T = 1e-6", "%.1f", nil, "χ₄ peak"},
}
-- "v ± e" as the report writes it; "not run" for a missing value, or why it was not
-- measured (x.why).
local function val(x, fmt, sig)
  if x and x.why then return x.why end
  if not x or not ok(x.v) then return "not run" end
  return txt(x.v, fmt, sig) .. " ± " .. txt(x.e, fmt, sig)
end
-- b compared with a: the difference (for T*, a scale, the ratio "×r") and z, the difference
-- over the combined error (for T*, in ln T*); nil if either is missing.
local function compare(id, a, b, fmt, sig)
  if not (a and b and ok(a.v) and ok(b.v)) then return nil end
  if id == "tstar" then
    return "×" .. txt(b.v / a.v, "%.2f"), math.log(b.v / a.v) / math.sqrt(a.lnv + b.lnv)
  end
  return txt(b.v - a.v, fmt, sig), (b.v - a.v) / math.sqrt(a.e ^ 2 + b.e ^ 2)
end
local function ztxt(z) return txt(z, "%.1f") end

local function seeds()
  say("\n## seeds (regularised phase: seed 1 = the first edition's runs, 2026-11-29 code; "
      .. "seed 2 = seed2/*, today's code, the same options)")
  local s1, s2 = headline(headline_set("")), headline(headline_set("seed2/"))
  for _, it in ipairs(HEADLINE) do
    local id, what, fmt, sig = table.unpack(it)
    local a, b = s1[id], s2[id]
    local d, z, verdict = "not run", "not run", "not run"
    local dd, zz = compare(id, a, b, fmt, sig)
    if dd then
      d, z = dd, ztxt(zz)
      verdict = math.abs(zz) <= 1 and "within 1σ" or math.abs(zz) <= 2 and "within 2σ"
                or "outside 2σ"
    end
    say("%-38s seed 1 %-20s seed 2 %-20s difference %-8s z = %-5s %s", what, val(a, fmt, sig),
        val(b, fmt, sig), d, z, verdict)
    quote("seeds." .. id .. ".s1", val(a, fmt, sig))
    quote("seeds." .. id .. ".s2", val(b, fmt, sig))
    quote("seeds." .. id .. ".diff", d)
    quote("seeds." .. id .. ".z", z)
    quote("seeds." .. id .. ".verdict", verdict)
  end
  return s1, s2
end

-- ---- convergence ---------------------------------------------------------------------
-- How each headline number moves when ONE option of the seed-2 runs (the baseline: seed2/*)
-- changes: run.sh conv/<what>/* (the same seed, the same options but one), and at the paper's
-- P = 60000 (paper/regularised: heterogeneity on a same-basin ensemble, lr = 1e-2, T in
-- {1e-3, 1e-4, 1e-6, 0}; its slope b and T* follow the seeds section's rule, from its
-- noise-dominated T only, and its chi4 is over all 2 x 3 copies, so that column is a
-- different design as well as a different P). T* is
-- compared in the paper's units, T_paper = T*60000/P (docs/dynamics.md, "Units"); tau90 in
-- steps at lr = 1e-2 (steps*lr/1e-2 for another lr: equal lr*t is the same time). The errors
-- and z are the seeds section's. The change "moves" the number when it exceeds twice the
-- combined error (|z| > 2) and the seed-to-seed difference |seed 2 - seed 1| (for T*, in
-- ln T*); "within seed spread" when |z| > 2 but the two seeds differ as much; "within 2σ"
-- otherwise. A variant whose folder holds no COMPLETE prints "running", one without a folder
-- "not run", a number the variant's design does not measure "—", one the baseline lacks
-- "no baseline" and one the finished run does not give (no crossing of 0.9) "none".
local CONV = {
  {id = "P2000", what = "P = 2000", P = 2000, set = headline_set("conv/P2000/")},
  {id = "quench250", what = "quench 250 epochs", set = {qa = "conv/quench250/quench_anneal/regularised"}},
  {id = "quench4000", what = "quench 4000 epochs", set = {qa = "conv/quench4000/quench_anneal/regularised"}},
  {id = "P20000", what = "P = 20000", P = 20000, set = {qa = "conv/P20000/quench_anneal/regularised"}},
  {id = "lr1e-3", what = "lr = 1e-3", lr = 1e-3, set = {qa = "conv/lr1e-3/quench_anneal/regularised"}},
  {id = "replicas8", what = "8 replicas", set = {qa = "conv/replicas8/quench_anneal/regularised"}},
  {id = "qlr1e-3", what = "quench at lr = 1e-3", set = {qa = "conv/qlr1e-3/quench_anneal/regularised"}},
  {id = "P60000", what = "P = 60000 (paper/regularised)", P = 60000,
   set = {qa = "paper/regularised", het = "paper/regularised"}}, -- its parts: low and high
}
local FOLDER = {b = "qa", tau0 = "qa", tstar = "qa", ["q10_T1e-6"] = "qa", q10_T0 = "qa",
                master = "ttsp", alpha2 = "het", alpha2_last = "het", chi4 = "het"}

-- A set's headline numbers in the convergence table's units (T* as the paper's, tau90 in
-- steps at lr = 1e-2).
local function conv_units(h, P, lr_)
  local out = {}
  for k, x in pairs(h) do out[k] = x end
  if h.tstar then
    local f = 60000 / P
    out.tstar = {v = h.tstar.v * f, e = h.tstar.e * f, lnv = h.tstar.lnv}
  end
  if h.tau0 then
    local f = lr_ / lr
    out.tau0 = {v = h.tau0.v * f, e = h.tau0.e * f}
  end
  return out
end

local function convergence(s1, s2)
  say("\n## convergence (regularised phase: the seed-2 runs with one option changed; T* in the "
      .. "paper's units, T*60000/P; tau90 in steps at lr = 1e-2)")
  local base = conv_units(s2, 5000, lr)
  local seed1 = conv_units(s1, 5000, lr)
  local cols = {}
  for i, v in ipairs(CONV) do
    v.set.label, v.set.complete = v.set.label or (v.id .. ": "), true
    cols[i] = {v = v, h = conv_units(headline(v.set), v.P or 5000, v.lr or lr), moves = {}}
  end
  -- columns of W characters (UTF-8 aware: "±", "·", "⁻" are one character each)
  local W = 26
  local function pad(x, w) return x .. string.rep(" ", math.max(1, (w or W) - utf8.len(x))) end
  local head = pad("", 35) .. pad("baseline (seed 2, P = 5000)")
  for _, c in ipairs(cols) do head = head .. pad(c.v.what) end
  say("%s", (head:gsub("%s+$", "")))
  for _, it in ipairs(HEADLINE) do
    local id, what, fmt, sig, name = table.unpack(it)
    local a = base[id]
    local spread
    if a and seed1[id] and ok(a.v) and ok(seed1[id].v) then
      spread = id == "tstar" and math.abs(math.log(a.v / seed1[id].v)) or math.abs(a.v - seed1[id].v)
    end
    local lv = pad(id == "tstar" and "T* (the paper's units)" or what, 35) .. pad(val(a, fmt, sig))
    local lc = pad("  change (z)", 35) .. pad(spread and ("seed spread " .. (id == "tstar"
      and "×" .. txt(math.exp(spread), "%.2f") or txt(spread, fmt, sig))) or "seed spread: not run")
    local lw = pad("  verdict", 35) .. pad("")
    quote("conv." .. id .. ".base", val(a, fmt, sig))
    for _, c in ipairs(cols) do
      local folder = c.v.set[FOLDER[id]]
      local value, change, verdict
      if not folder then
        value, change, verdict = "—", "—", "—"
      elseif not exists(dir .. "/" .. folder) then
        value, change, verdict = "not run", "not run", "not run"
      elseif not complete(folder) then
        value, change, verdict = "running", "running", "running"
      else
        local b = c.h[id]
        value = b and (b.why or ok(b.v)) and val(b, fmt, sig) or "none"
        local d, z = compare(id, a, b, fmt, sig)
        if not (a and ok(a.v)) then
          change, verdict = "no baseline", "no baseline"
        elseif not d then
          change, verdict = "none", "none"
        else
          change = d .. " (z = " .. ztxt(z) .. ")"
          local dist = id == "tstar" and math.abs(math.log(b.v / a.v)) or math.abs(b.v - a.v)
          if math.abs(z) <= 2 then verdict = "within 2σ"
          elseif spread and dist <= spread then verdict = "within seed spread"
          else
            verdict = spread and "moves" or "moves (no seed spread)"
            c.moves[#c.moves + 1] = name
          end
        end
      end
      lv, lc, lw = lv .. pad(value), lc .. pad(change), lw .. pad(verdict)
      quote("conv." .. id .. "." .. c.v.id, value)
      quote("conv." .. id .. "." .. c.v.id .. ".change", change)
      quote("conv." .. id .. "." .. c.v.id .. ".verdict", verdict)
    end
    for _, l in ipairs{lv, lc, lw} do say("%s", (l:gsub("%s+$", ""))) end
  end
  -- How far the T = 0 run still descends while it is measured (t = 0 to t_f): a quench that
  -- has not finished makes the T = 0 "plateau" the drift of the descent.
  local function descent(folder)
    local st = folder and complete(folder) and read(folder, "state.csv")
    local first, last
    for _, r in ipairs(st or {}) do
      if r.T == 0 and r.t >= 0 then
        if not first or r.t < first.t then first = r end
        if not last or r.t > last.t then last = r end
      end
    end
    if not (first and last) then return "not run" end
    return string.format("%.3f → %.3f", first.loss, last.loss)
  end
  say("loss at T = 0 from t = 0 to t_f: baseline %s", quote("conv.loss.base", descent("seed2/quench_anneal/regularised")))
  for _, c in ipairs(cols) do
    say("loss at T = 0 from t = 0 to t_f: %s %s", c.v.what, quote("conv.loss." .. c.v.id, descent(c.v.set.qa)))
  end
  for _, c in ipairs(cols) do
    local done = complete(c.v.set.qa)
    local m = not done and "none measured" or #c.moves == 0 and "nothing" or table.concat(c.moves, ", ")
    say("%s moves: %s", c.v.what, m)
    quote("conv." .. c.v.id .. ".moves", m)
  end
  -- lr = 1e-3 throughout against the quench alone at 1e-3: what the Langevin steps' rate adds.
  local by = {}
  for _, c in ipairs(cols) do by[c.v.id] = c end
  local a, b = by["qlr1e-3"], by["lr1e-3"]
  if a and b and complete(a.v.set.qa) and complete(b.v.set.qa) then
    for _, it in ipairs(HEADLINE) do
      local id, what, fmt, sig = table.unpack(it)
      if id == "tau0" or id == "tstar" then
        local d, z = compare(id, a.h[id], b.h[id], fmt, sig)
        say("%s: lr = 1e-3 throughout %s against the quench alone at 1e-3 %s: %s (z = %s)", what,
            val(b.h[id], fmt, sig), val(a.h[id], fmt, sig), d or "none", z and ztxt(z) or "none")
        quote("conv.lr_vs_qlr." .. id, d and (d .. " (z = " .. ztxt(z) .. ")") or "none")
      end
    end
  end
end
-- ---- waiting time (Figs. A9, A10) ----------------------------------------------------
-- tau90(T) of one phase at two waiting times (quench_anneal runs that differ only in --tw):
-- tau90 at each T, the slope b, the T = 0 plateau and T* (the estimators above), each
-- change with its z. Quoted under key.<number>.{a,b,change}.
local function waiting(what, fa, fb, key)
  if not (complete(fa) and complete(fb)) then return end
  say("\n## waiting time, %s: %s against %s", what, fb, fa)
  local ha = headline{label = "t_w = 2000: ", qa = fa, complete = true}
  local hb = headline{label = "t_w = 20000: ", qa = fb, complete = true}
  local ta, tb = read(fa, "tau.csv"), read(fb, "tau.csv")
  for _, r in ipairs(tb) do
    local a = where(ta, "T", r.T)[1]
    if a then
      say("T = %-7g tau90 %s -> %s: x%s", r.T, g(a.tau90), g(r.tau90), g(r.tau90 / a.tau90, "%.2f"))
    end
  end
  for _, it in ipairs(HEADLINE) do
    local id, _, fmt, sig = table.unpack(it)
    if id ~= "b" and id ~= "tau0" and id ~= "tstar" then goto next end
    local d, z = compare(id, ha[id], hb[id], fmt, sig)
    say("%-6s t_w = 2000 %s, t_w = 20000 %s: %s (z = %s)", id, val(ha[id], fmt, sig),
        val(hb[id], fmt, sig), d or "none", z and ztxt(z) or "none")
    quote(key .. "." .. id .. ".a", val(ha[id], fmt, sig))
    quote(key .. "." .. id .. ".b", val(hb[id], fmt, sig))
    quote(key .. "." .. id .. ".change", d and (d .. " (z = " .. ztxt(z) .. ")") or "none")
    ::next::
  end
end

return {seeds = seeds, convergence = convergence, waiting = waiting}
