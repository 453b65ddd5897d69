-- analyse_paper.lua: the paper-scale experiments (run.sh paper/*) and the compute table.
-- Loaded by analyse.lua, which passes its helpers (the names below); not run alone.
local H = ...
local say, ok, quote, txt, g, dir, exists, lr, where, nan, read_csv, at_log, curve,
  free_q_scaled, modes_of, free_mode = H.say, H.ok, H.quote, H.txt, H.g, H.dir, H.exists,
  H.lr, H.where, H.nan, H.read_csv, H.at_log, H.curve, H.free_q_scaled, H.modes_of, H.free_mode

-- The paper-scale runs (run.sh paper/<phase>: heterogeneity on P = 60000 rows, lr = 1e-2,
-- same-basin ensembles, T = 0 on the networks themselves). One section per finished or
-- partial run: tau90 against the free weight, T*, the exit from the master curve (Q at
-- 10 tau90), Q(t_f) against the null models and its slope in T, alpha2, the histogram's
-- modes and mobile tail against the L2 well's, the chi4 peaks by part and the state after
-- the quench.
-- A paper-scale experiment may be several runs (parts: run.sh's paper/regularised/low and
-- /high, each with its own temperatures). rows(file) is the rows of every finished part
-- with a T no earlier part has; dup is {T, part, same} for each T two parts share (same:
-- moments.csv's Q and MSD agree exactly at every lag, the check that the two runs started
-- from the same networks).
local function paper_parts(base, parts)
  local done = {}
  for _, part in ipairs(parts) do
    if exists(base .. part .. "/COMPLETE") then done[#done + 1] = part end
  end
  if #done == 0 then return nil end
  local owner, dup, moments = {}, {}, {} -- owner: T -> the first part that has it
  for _, part in ipairs(done) do
    moments[part] = read_csv(base .. part .. "/moments.csv") or {}
    for _, r in ipairs(moments[part]) do
      local first = owner[r.T]
      if first == nil then owner[r.T] = part
      elseif first ~= part then
        dup[r.T] = dup[r.T] or {T = r.T, part = part, same = true, n = 0}
        local o = where(where(moments[first], "T", r.T), "t", r.t)[1]
        dup[r.T].n = dup[r.T].n + 1
        if not o or o.Q ~= r.Q or o.msd ~= r.msd then dup[r.T].same = false end
      end
    end
  end
  local function rows(file)
    local all = {}
    for _, part in ipairs(done) do
      for _, r in ipairs(read_csv(base .. part .. "/" .. file) or {}) do
        if owner[r.T] == part then all[#all + 1] = r end
      end
    end
    return all
  end
  local dups = {}
  for _, d in pairs(dup) do dups[#dups + 1] = d end
  table.sort(dups, function(x, y) return x.T < y.T end)
  return rows, done, dups
end

-- key (e.g. "p.reg"): quote the numbers under key.<what>.<T> (T as %g: 1e-06, 0, ...).
local function paper(name, lambda, parts, key)
  local base = dir .. "/" .. name
  local function q(what, T, text)
    if key then quote(key .. "." .. what .. (T and "." .. string.format("%g", T) or ""), text) end
  end
  local function tt(x) return ok(x) and txt(x, nil, 3) or "not reached" end
  local rows, done, dups = paper_parts(base, parts or {""})
  if not rows then return end
  local tau, m = rows("tau.csv"), rows("moments.csv")
  table.sort(tau, function(x, y) return x.T > y.T end)
  say("\n## %s (P = 60000, lr = 1e-2: T as the paper's, one step = ten paper steps; runs: %s)",
      name, table.concat(done, " "):gsub("/", ""))
  for _, d in ipairs(dups) do
    local how = string.format(d.same and "identical at all %d lags" or "different (%d lags compared)", d.n)
    say("T = %g in %s again: moments.csv %s", d.T, (d.part:gsub("/", "")), how)
    q("repeat", d.T, how)
  end
  local st = rows("state.csv")
  for _, r in ipairs(st) do
    if r.t < 0 then -- the networks after the quench (each T's rows start from them)
      say("after the quench: loss %.4g ± %.2g, data loss %.4g ± %.2g, accuracy %.4f ± %.4f, "
          .. "unsatisfied %.4f ± %.4f (n = %d)", r.loss, r.loss_sem, r.data_loss,
          r.data_loss_sem, r.accuracy, r.accuracy_sem, r.unsat, r.unsat_sem, r.n)
      if r.n == 2 then
        say("  by network (n = 2: mean ± s.e.): loss %.4g and %.4g, accuracy %.4f and %.4f, "
            .. "unsatisfied %.4f and %.4f", r.loss - r.loss_sem, r.loss + r.loss_sem,
            r.accuracy - r.accuracy_sem, r.accuracy + r.accuracy_sem, r.unsat - r.unsat_sem,
            r.unsat + r.unsat_sem)
        for _, c in ipairs{"loss", "accuracy", "unsat"} do
          q(c .. "_nets", nil, txt(r[c] - r[c .. "_sem"], "%.3f") .. " and "
            .. txt(r[c] + r[c .. "_sem"], "%.3f"))
        end
      end
      break
    end
  end
  local hiT, hitau, tau0 = {}, {}, nil
  for _, r in ipairs(tau) do
    say("T = %-7g tau90 = %-9s [%s, %s] tau90_free = %-9s ratio = %-6s tau_e = %s", r.T, g(r.tau90),
        g(r.tau90_lo), g(r.tau90_hi), g(r.tau90_free), g(r.tau90 / r.tau90_free, "%.3g"), g(r.tau_e))
    q("tau90", r.T, tt(r.tau90))
    q("tau90_ci", r.T, ok(r.tau90) and string.format("[%s, %s]", tt(r.tau90_lo), tt(r.tau90_hi)) or "—")
    q("tau90_free", r.T, r.T > 0 and txt(r.tau90_free, nil, 3) or "—")
    if r.T == 0 then tau0 = r.tau90 end
    if r.T > 0 and ok(r.tau90) and math.abs(r.tau90 / r.tau90_free - 1) < 0.1 then
      hiT[#hiT + 1], hitau[#hitau + 1] = r.T, r.tau90
    end
  end
  local tb = rows("tau_basins.csv")
  table.sort(tb, function(x, y) return x.T > y.T or (x.T == y.T and x.basin < y.basin) end)
  for _, r in ipairs(tb) do
    say("  basin %d at T = %-7g (n = %d): tau90 = %s%s, tau_e = %s%s", r.basin, r.T, r.n,
        g(r.tau90), ok(r.tau90) and "" or " (" .. r.tau90_status .. ")", g(r.tau_e),
        ok(r.tau_e) and "" or " (" .. r.tau_e_status .. ")")
  end
  for _, r in ipairs(tau) do
    local v = {}
    for _, x in ipairs(where(tb, "T", r.T)) do v[#v + 1] = tt(x.tau90) end
    q("tau90_basins", r.T, table.concat(v, " and "))
  end
  -- T*: the free weight's line c/T through the noise-dominated points (tau90 within 10% of
  -- the free weight's) meets the T = 0 plateau.
  if #hiT > 0 and ok(tau0) then
    local c = 0
    for i = 1, #hiT do c = c + math.log(hitau[i] * hiT[i]) end
    c = math.exp(c / #hiT)
    say("noise-dominated T (tau90 within 10%% of the free weight's): %s; T* (c/T = tau90(T = 0) "
        .. "= %.4g) = %.3g", table.concat(hiT, ", "), tau0, c / tau0)
    q("tstar", nil, txt(c / tau0, nil, 2))
  else
    q("tstar", nil, #hiT == 0 and "no noise-dominated T" or "no τ90 at T = 0")
    say("T*: needs a noise-dominated T (tau90 within 10%% of the free weight's) and tau90 at "
        .. "T = 0; %s", #hiT == 0 and "no noise-dominated T here" or "no tau90 at T = 0")
  end
  -- Q at 10 tau90 per T, against the free weight's erf(X90/sqrt(10)); Q(t_f) against the
  -- free weight and the harmonic well started in equilibrium, erf(eps sqrt(lambda P/(4T))).
  local qfree = free_q_scaled(10)
  local noise = {} -- T -> true where noise-dominated (above)
  for _, T in ipairs(hiT) do noise[T] = true end
  local qf = {} -- Q(t_f) at the noise-dominated T, for its slope in T (Fig. 4b)
  for _, r in ipairs(tau) do
    local mt = where(m, "T", r.T)
    local ts, qs, ss = curve(mt, "Q", "Q_sem")
    local last = mt[#mt]
    local free_tf = r.T > 0 and glass.theory.free_q(last.t, {eps = r.eps, D = r.D}) or 1
    local qinf_eq = lambda > 0 and r.T > 0 and glass.theory.harmonic_q_inf{T = r.T, P = lr * r.T / r.D,
      k = lambda, eps = r.eps, equilibrium = true} or nan
    local a2max, a2t = nan, nan
    for _, x in ipairs(mt) do
      -- lags >= 100 steps, as the seeds' headline alpha2 peak (the first lags carry the
      -- one-step transient of the gradient step)
      if x.t >= 100 and ok(x.alpha2) and (not ok(a2max) or x.alpha2 > a2max) then a2max, a2t = x.alpha2, x.t end
    end
    say("  T = %-7g Q(10 tau90) = %s ± %s (free weight %.3f); Q(t_f = %d) = %.4f ± %.4f (free "
        .. "weight %.4f, harmonic well from equilibrium %s); alpha2(t_f) = %s ± %s, peak (t >= 100) %s at t = %s",
        r.T, g(ok(r.tau90) and at_log(ts, qs, 10 * r.tau90) or nan, "%.3f"),
        g(ok(r.tau90) and at_log(ts, ss, 10 * r.tau90) or nan, "%.3f"), qfree, last.t, last.Q,
        last.Q_sem, free_tf, g(qinf_eq), g(last.alpha2, "%.3f"), g(last.alpha2_sem, "%.2g"),
        g(a2max, "%.3f"), g(a2t))
    local q10 = ok(r.tau90) and at_log(ts, qs, 10 * r.tau90) or nan
    local s10 = ok(q10) and at_log(ts, ss, 10 * r.tau90) or nan
    -- two decimals, or as many as the standard error's first digit needs
    local f10 = ok(s10) and s10 > 0 and s10 < 0.005
      and "%." .. math.ceil(-math.log(s10, 10) - 1e-9) .. "f" or "%.2f"
    q("q10", r.T, ok(q10) and txt(q10, f10) or "—")
    q("q10_sem", r.T, ok(q10) and txt(s10, f10) or "—")
    -- At the last lag against the master curve (the free weight's erf at the same t/tau90):
    -- where 10 tau90 lies beyond the lags, this is the exit test that remains.
    if ok(r.tau90) then
      local x = last.t / r.tau90
      local fq = free_q_scaled(x)
      say("  T = %-7g at t_f = %.3g tau90: Q = %.4f ± %.4f, master curve %.4f, z = %.1f", r.T, x,
          last.Q, last.Q_sem, fq, (last.Q - fq) / last.Q_sem)
      q("master_f", r.T, string.format("%s ± %s at t = %s τ90 against %s (z = %s)",
        txt(last.Q, "%.3f"), txt(last.Q_sem, "%.3f"), txt(x, "%.1f"), txt(fq, "%.3f"),
        txt((last.Q - fq) / last.Q_sem, "%.1f")))
    end
    if ok(qinf_eq) then
      local z = (last.Q - qinf_eq) / last.Q_sem
      say("  T = %-7g Q(t_f) against the harmonic well from equilibrium: %.4f against %.4f, z = %.1f",
          r.T, last.Q, qinf_eq, z)
      q("qtf_harm", r.T, txt(qinf_eq, "%.3f") .. " (z = " .. txt(z, "%.1f") .. ")")
    end
    if noise[r.T] then
      qf[#qf + 1] = {x = math.log(r.T), y = math.log(last.Q), s = last.Q_sem / last.Q,
                     h = math.log(qinf_eq), f = math.log(free_tf)}
    end
    q("qtf", r.T, txt(last.Q, "%.3f"))
    q("qtf_sem", r.T, txt(last.Q_sem, "%.3f"))
    q("qtf_free", r.T, txt(free_tf, "%.3f"))
    q("alpha2_tf", r.T, txt(last.alpha2, "%.2f") .. " ± " .. txt(last.alpha2_sem, "%.2f"))
    q("alpha2_peak", r.T, txt(a2max, "%.2f") .. " at t = " .. g(a2t))
  end
  -- Fig. 4b: Q(t_f) ~ T^b over the noise-dominated T, the least-squares slope of ln Q on
  -- ln T with each point's error (Q_sem/Q) propagated through it (with two T: the line
  -- through both); the harmonic well's and the free weight's Q on the same T, the yardsticks.
  if #qf >= 2 then
    local function slope(key)
      local mx, my = 0, 0
      for _, p in ipairs(qf) do mx, my = mx + p.x / #qf, my + p[key] / #qf end
      local sxx, sxy, var = 0, 0, 0
      for _, p in ipairs(qf) do sxx, sxy = sxx + (p.x - mx) ^ 2, sxy + (p.x - mx) * (p[key] - my) end
      for _, p in ipairs(qf) do var = var + ((p.x - mx) * p.s / sxx) ^ 2 end
      return sxy / sxx, math.sqrt(var)
    end
    local b, e = slope("y")
    local bh, bf = slope("h"), slope("f")
    say("  Q(t_f) ~ T^b over the %d noise-dominated T: b = %.3f ± %.3f (harmonic well from "
        .. "equilibrium %.3f, free weight %.3f; paper: -0.48)", #qf, b, e, bh, bf)
    q("qtf_b", nil, txt(b, "%.2f") .. " ± " .. txt(e, "%.2f"))
    q("qtf_b_harm", nil, txt(bh, "%.2f"))
    q("qtf_b_free", nil, txt(bf, "%.2f"))
  end
  local qb = rows("overlap_basins.csv")
  for _, r in ipairs(tau) do
    local by = {}
    for _, x in ipairs(where(qb, "T", r.T)) do by[x.basin] = x end -- the last lag of each
    local bs = {}
    for b, x in pairs(by) do bs[#bs + 1] = string.format("basin %d %.4f", b, x.Q) end
    table.sort(bs)
    if #bs > 0 then say("  T = %-7g Q(t_f) by basin: %s", r.T, table.concat(bs, ", ")) end
    local v = {}
    for _, x in ipairs(where(tb, "T", r.T)) do v[#v + 1] = by[x.basin] and txt(by[x.basin].Q, "%.3f") end
    q("qtf_basins", r.T, table.concat(v, " and "))
  end
  -- Figs. 7d-f: the modes of the histogram of log10|dw| (over every weight and copy, the
  -- paper's) at each T and lag, against the free weight's mode log10 sqrt(2Dt) and the L2
  -- well's, the fraction of weights far above the well's mode, and the number of modes of
  -- each basin's histogram.
  local hist, hb = rows("histogram.csv"), rows("histogram_basins.csv")
  for _, r in ipairs(tau) do
    local lags = {}
    for _, x in ipairs(where(hist, "T", r.T)) do lags[x.t] = true end
    local ts = {}
    for t in pairs(lags) do ts[#ts + 1] = t end
    table.sort(ts)
    for _, t in ipairs(ts) do
      local hr = where(where(hist, "T", r.T), "t", t)
      local _, peaks, main, modes = modes_of(hr)
      local free = r.T > 0 and free_mode(r.T, 60000, t) or nan
      -- the harmonic well's (from equilibrium: var dw = 2T/(lambda P) (1 - e^(-lr lambda t)));
      -- the free weight's without a well. "Mobile": the fraction of weights more than half a
      -- decade above that mode (a Gaussian dw: erfc(10^0.5/sqrt 2) = 0.0016).
      local well = r.T > 0 and (lambda > 0 and 0.5 * math.log(2 * r.T / (lambda * 60000)
        * (1 - math.exp(-lr * lambda * t)), 10) or free) or nan
      local mobile = 0
      for _, x in ipairs(hr) do if ok(well) and x.log10_dw > well + 0.5 then mobile = mobile + x.fraction end end
      local basins, nb = {}, {}
      for _, x in ipairs(where(where(hb, "T", r.T), "t", t)) do
        if not nb[x.basin] then nb[x.basin] = {}; basins[#basins + 1] = x.basin end
        local b = nb[x.basin]
        b[#b + 1] = x
      end
      table.sort(basins)
      local per = {}
      for _, b in ipairs(basins) do per[#per + 1] = tostring(#select(2, modes_of(nb[b]))) end
      say("  T = %-7g dt = %-6g modes of log10|dw|: %s; free weight's mode %s, the well's %s; "
          .. "mobile (> well's mode + 0.5) %s; modes by basin: %s", r.T, t, table.concat(modes, ", "),
          g(free, "%.2f"), g(well, "%.2f"), ok(well) and string.format("%.3f", mobile) or "none",
          #per > 0 and table.concat(per, " and ") or "none")
      if main then
        q("hist_modes_" .. t, r.T, #peaks == 1 and txt(hr[main].log10_dw, "%.2f")
          or txt(hr[peaks[1]].log10_dw, "%.2f") .. " and " .. txt(hr[peaks[#peaks]].log10_dw, "%.2f"))
        if r.T > 0 then
          q("hist_well_" .. t, r.T, txt(well, "%.2f"))
          q("hist_mobile_" .. t, r.T, txt(mobile, "%.3f"))
          q("hist_basin_modes_" .. t, r.T, table.concat(per, " and "))
        end
      end
    end
  end
  for _, r in ipairs(rows("chi4_peaks.csv")) do
    say("  chi4 %-7s T = %-7g peak %.4g [%s, %s] at t = %g", r.part, r.T, r.chi4_peak,
        g(r.chi4_peak_lo), g(r.chi4_peak_hi), r.t_peak)
    if r.part ~= "total" then
      q("chi4_" .. r.part, r.T, txt(r.chi4_peak, nil, 2) .. " at t = " .. g(r.t_peak))
    end
  end
end

-- The step mapping on the paper's system (run.sh paper/mapping/*: quench_anneal at T = 0,
-- w = 30, lambda = 1e-2, P = 60000, 2 networks of seed 1). One step at lr is lr/1e-3 of the
-- paper's, so curves are compared at equal mu*t: the paper's lr = 1e-3 throughout (lr1e-3),
-- lr = 1e-2 throughout (lr1e-2), and the paper's quench followed by gradient descent at
-- lr = 1e-2 (q1e-3_lr1e-2). Two comparisons: the descent's step (q1e-3_lr1e-2 against lr1e-3:
-- the same networks at its start) and the quench's rate (lr1e-2 against q1e-3_lr1e-2: the
-- same descent). z = the difference of Q at mu*t = 10 over the combined standard error
-- (2 networks: a crude error).
local function mapping()
  local runs = {{id = "lr1e-3"}, {id = "q1e-3_lr1e-2"}, {id = "lr1e-2"}}
  local have = {}
  for _, r in ipairs(runs) do
    local base = dir .. "/paper/mapping/" .. r.id
    local f = io.open(base .. "/params.lua")
    local text = f and f:read("a")
    if f then f:close() end
    local ov, st, tau = read_csv(base .. "/overlap.csv"), read_csv(base .. "/state.csv"),
      read_csv(base .. "/tau.csv")
    if text and ov and st and tau and exists(base .. "/COMPLETE") then
      r.lr = tonumber(text:match("\n%s*lr = ([%d.e+-]+),"))
      r.qlr = tonumber(text:match("\n%s*quench_lr = ([%d.e+-]+),") or "") or r.lr
      r.epochs = tonumber(text:match("\n%s*quench_epochs = (%d+),"))
      r.st, r.tau, r.ts, r.qs, r.ss = st[1], tau[1], curve(ov, "Q", "Q_sem")
      have[r.id] = r
    end
  end
  if not next(have) then return end
  say("\n## paper/mapping (T = 0, w = 30, lambda = 1e-2, P = 60000, 2 networks; times as mu*t)")
  for _, r in ipairs(runs) do
    if have[r.id] then
      local s, n = r.st, r.st.n
      local accs = n == 2 and string.format("%.3f and %.3f", s.accuracy - s.accuracy_sem,
        s.accuracy + s.accuracy_sem) or txt(s.accuracy, "%.3f")
      local loss2 = n == 2 and string.format("%.3f and %.3f", s.loss - s.loss_sem,
        s.loss + s.loss_sem) or txt(s.loss, "%.3f")
      say("%s: quench %d epochs at lr %g, gradient descent at lr %g", r.id, r.epochs, r.qlr, r.lr)
      say("  after the quench (t = %g): loss %s, accuracy %s (%d networks%s)", s.t, loss2, accs, n,
        n == 2 and ": mean ± s.e. = the two values" or ", means")
      quote("map." .. r.id .. ".acc", accs)
      quote("map." .. r.id .. ".loss", loss2)
      local tq = r.tau.tau90
      local tmax = r.ts[#r.ts] * r.lr
      local tau_text = ok(tq) and (txt(tq * r.lr, "%.2f") .. " ± " .. txt(r.tau.tau90_se * r.lr, "%.2f"))
        or ("not reached by " .. txt(tmax, "%g"))
      say("  tau90 (mu*t): %s", tau_text)
      quote("map." .. r.id .. ".tau", tau_text)
      for _, x in ipairs({1, 3, 10}) do
        local t = x / r.lr
        r["q" .. x], r["s" .. x] = at_log(r.ts, r.qs, t), at_log(r.ts, r.ss, t)
        say("  Q(mu*t = %g) = %.4f ± %.4f", x, r["q" .. x], r["s" .. x])
        quote(string.format("map.%s.q%d", r.id, x), txt(r["q" .. x], "%.3f") .. " ± "
          .. txt(r["s" .. x], "%.3f"))
      end
    end
  end
  local function cmp(key, what, a, b)
    if not (have[a] and have[b]) then return end
    local A, B = have[a], have[b]
    local d = B.q10 - A.q10
    local z = d / math.sqrt(A.s10 ^ 2 + B.s10 ^ 2)
    local verdict = math.abs(z) <= 2 and "agree within 2σ" or "differ"
    say("%s: Q(mu*t = 10) %s %.4f against %s %.4f: difference %.4f, z = %.1f: %s", what, b, B.q10,
      a, A.q10, d, z, verdict)
    quote("map." .. key .. ".diff", txt(d, "%.4f"))
    quote("map." .. key .. ".z", txt(z, "%.1f"))
    quote("map." .. key .. ".verdict", verdict)
  end
  cmp("step", "the descent's step (lr 1e-2 against 1e-3 after the same quench)", "lr1e-3",
    "q1e-3_lr1e-2")
  cmp("quench", "the quench's rate (1e-2 against 1e-3, the same descent)", "q1e-3_lr1e-2", "lr1e-2")
end

-- The compute table: core-hours of the paper-scale experiments from the per-step costs
-- cost.lua measured (cost.csv, CPU seconds; an SGD epoch costs the same at any rate). A
-- design: `nets` networks, each quenched by `quench` epochs of SGD in each of `runs` runs;
-- at each of nT temperatures T > 0, t_w steps on the networks and tmax on nets x K copies;
-- T = 0 (t_w + tmax on the networks) in `T0` of the runs; all `times` over.
local function compute()
  local c = read_csv(dir .. "/cost.csv")
  if not c then return end
  local cpu = {}
  for _, r in ipairs(c) do cpu[r.item .. r.width] = r.cpu_s end
  say("\n## compute (core-hours from cost.csv: CPU s per replica-step %s (w = 30), %s (w = 72); "
      .. "per SGD epoch %s, %s)", g(cpu.langevin_step30), g(cpu.langevin_step72), g(cpu.sgd_epoch30),
      g(cpu.sgd_epoch72))
  quote("cost.step30", txt(cpu.langevin_step30, "%.3f"))
  quote("cost.step72", txt(cpu.langevin_step72, "%.3f"))
  quote("cost.epoch30", txt(cpu.sgd_epoch30, "%.3f"))
  quote("cost.epoch72", txt(cpu.sgd_epoch72, "%.3f"))
  local Q = 7000 -- the paper's quench: 7000 epochs (at lr = 1e-3)
  local designs = {
    {"reg", "paper/regularised: w = 30, lambda = 1e-2, 2 basins x K = 3, 5 T > 0 and T = 0, t_w = 2e3, lags to 3e4, the paper's quench; four runs (low: 1e-6 and 0; high: 0, 1e-4, 1e-3; mid: 1e-5; mid2: 3e-5), so 4 quenches and T = 0 twice", 30, 2, 3, 5, 2, 2000, 30000, Q, 1, 4},
    {"under", "paper/underparameterised: w = 30, lambda = 0, as paper/regularised in one run", 30, 2, 3, 3, 1, 2000, 30000, Q},
    {"over", "paper/overparameterised: w = 72 (N/P = 0.45), lambda = 0, as paper/regularised in one run", 72, 2, 3, 3, 1, 2000, 30000, Q},
    {"seed", "a second seed of paper/regularised in one run (independent networks and noise)", 30, 2, 3, 3, 1, 2000, 30000, Q},
    {"paper", "the paper's own protocol for one phase: lr = 1e-3, 50 networks, 13 T > 0 and T = 0, t_w = 2e4, lags to 3e5, 7000-epoch quench", 30, 50, 1, 13, 1, 20000, 300000, Q},
    {"fig8cd", "Fig. 8c/d: ageing, w = 30, lambda = 0, T = 1e-4, t_w to 1.5e4, lags to 3e4, 4 networks", 30, 4, 1, 1, 0, 15000, 30000, Q},
    {"figA9A10", "Figs. A9, A10: tau90(T) at 3 more t_w (to 1.5e4), 2 phases, 4 T, 2 networks", 30, 2, 1, 4, 0, 15000, 30000, Q, 6},
    {"figA11", "Fig. A11: ageing, w = 72, lambda = 0, t_w to 1.5e4, lags to 3e4, 4 networks", 72, 4, 1, 1, 0, 15000, 30000, Q},
  }
  for _, d in ipairs(designs) do
    local key, what, w, nets, K, nT, T0, tw, tmax, quench, times, runs = table.unpack(d)
    times, runs = times or 1, runs or 1
    local steps = nT * (nets * tw + nets * K * tmax) + T0 * nets * (tw + tmax)
    local s = times * (steps * cpu["langevin_step" .. w] + runs * nets * quench * cpu["sgd_epoch" .. w])
    say("%-9s %.3g replica-steps, %.3g core-hours: %s", key, times * steps, s / 3600, what)
    quote("cost." .. key, txt(s / 3600, nil, 2))
  end
end
return {parts = paper_parts, paper = paper, mapping = mapping, compute = compute}
