-- test_estimators.lua: same-basin ensembles and the estimators of issue 12
-- (χ₄ within/between/total, per-replica and pooled α₂, τ over replicas with
-- the authors' rules, bootstrap intervals), through the Lua API, against
-- exact identities, the flat null model, and independent computations from
-- weights exported with ens:weights().
local T = dofile("testlib.lua")
local FIX = os.getenv("GV_TEST_DATA") or "../data"

local rows, isnan = T.rows, T.isnan
local function tmpname(s) return os.tmpname() .. "-" .. s end

-- The u32 at byte offset 8 of a file (the ensemble format version).
-- An ensemble file's format version and flags (bit 0: basin labels saved).
local function file_version(path)
  local f = assert(io.open(path, "rb"))
  local b = f:read(68)
  f:close()
  return string.unpack("<I4", b, 9), string.unpack("<I4", b, 65)
end

T.test("same_basin: K copies of each replica, labels, distinct noise, files", function()
  local land = glass.landscape.flat{N = 50, P = 10}
  local src = glass.ensemble{landscape = land, replicas = 3, seed = 4, first_replica = 2}
  src:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 5}
  local ens = src:same_basin{K = 4}
  T.eq(ens:size(), 12); T.eq(ens:step(), 5); T.eq(ens:seed(), 4)
  T.eq(ens:first_replica(), 8, "first_replica = src's * K")
  T.eq(table.concat(ens:basins(), ","), "8,8,8,8,12,12,12,12,16,16,16,16")
  for r = 1, 12 do
    local a, b = ens:weights(r), src:weights((r - 1) // 4 + 1)
    for i = 1, 50 do T.eq(a[i], b[i]) end
  end
  -- Each copy has its own noise: one Langevin step separates them.
  ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 6}
  T.ok(ens:weights(1)[1] ~= ens:weights(2)[1], "copies diverge under noise")
  -- A block of the source gives the block of the result (MPI ranks).
  local part = glass.ensemble{landscape = land, replicas = 1, seed = 4, first_replica = 3}
  T.eq(table.concat(part:same_basin{K = 4}:basins(), ","), "12,12,12,12")
  -- Files: version 3; grouped ensembles save their labels (flag bit 0).
  local p1, p2 = tmpname("src.gvens"), tmpname("sb.gvens")
  src:save(p1); ens:save(p2)
  T.eq(select(2, file_version(p1)), 0); T.eq(select(2, file_version(p2)), 1)
  T.eq(file_version(p2), 3)
  T.eq(table.concat(glass.load_ensemble(p2, land):basins(), ","), table.concat(ens:basins(), ","))
  T.eq(table.concat(glass.load_ensemble(p1, land):basins(), ","), "2,3,4")
  local e3 = glass.same_basin(p1, {K = 2, landscape = land})
  T.eq(table.concat(e3:basins(), ","), "4,4,6,6,8,8")
  T.eq(tostring(ens:clone():basins()[5]), "12")
  os.remove(p1); os.remove(p2)
  T.raises(function() src:same_basin{K = 0} end, "K")
  T.raises(function() glass.same_basin(p1, {K = 2}) end, "landscape")
end)

-- T = 0, gradient descent: copies of one basin follow one deterministic
-- trajectory, so Q is identical within a basin and χ₄,within is exactly 0;
-- the basins (different starts in a harmonic well) differ, so χ₄,between > 0.
T.test("T = 0 (GD): chi4_within is exactly 0; total = within + between", function()
  local N, B, K = 200, 5, 3
  local land = glass.landscape.harmonic{N = N, P = 10, k = 1}
  local init = {}
  math.randomseed(12)
  for b = 1, B do
    init[b] = {}
    for i = 1, N do init[b][i] = (math.random() - 0.5) * b end
  end
  local src = glass.ensemble{landscape = land, replicas = B, seed = 1, init = init}
  local ens = src:same_basin{K = K}
  local obs = glass.observer.two_time{tw = {0}, lags = {last = 200, per_decade = 8},
                                      eps = {0.05}, per_replica = true}
  ens:run{integrator = glass.gd{lr = 0.01}, to = 200, observers = {obs}}
  local res = obs:results()
  local per = rows(res.replicas)
  local saw_between = false
  for _, r in ipairs(rows(res.summary)) do
    T.eq(r.chi4_within, 0, "within-basin chi4 at T = 0")
    T.eq(r.n_basins, B)
    T.eq(r.chi4_total, r.chi4_within + r.chi4_between, "total = within + between")
    if r.chi4_between > 0 then saw_between = true end
    -- chi4_total = N (1/n) sum (Q - mean)^2 from the per-replica rows
    local qs, m = {}, 0
    for _, p in ipairs(per) do if p.t == r.t then qs[#qs + 1] = p.Q; m = m + p.Q end end
    m = m / #qs
    local ss = 0
    for _, q in ipairs(qs) do ss = ss + (q - m) ^ 2 end
    T.near(r.chi4_total, N * ss / #qs, 1e-12 * (1 + r.chi4_total), "chi4_total (1/n)")
  end
  T.ok(saw_between, "the basins decay differently")
end)

-- Flat landscape, Langevin: every weight of every replica diffuses
-- independently, so Q_r is a mean of N independent indicators with
-- p = q(t) = erf(ε/√(4Dt)) and N·Var_k[Q] = q(1 − q) exactly, in a basin or
-- across basins.  chi4_within uses the 1/K variance, so its expectation is
-- (K − 1)/K · q(1 − q).  Its relative sd is √(2/(B(K − 1))) = 0.035 for
-- B = 400, K = 5 (the chi4 of the independent ensemble, n − 1: √(2/(n−1)) =
-- 0.032 for n = 2000): we require 4 sd per lag, and the ratio within·K/(K−1)
-- over the independent chi4 within 4 sd of the ratio (0.38) at every lag.
-- α₂,within (basin-pooled) of Gaussian displacements: 0 within 0.01.
T.test("flat model: chi4_within vs q(1-q) and vs the independent ensemble", function()
  local N, B, K, P, lr, temp, eps = 400, 400, 5, 100, 0.1, 1, 0.15
  local D = glass.theory.diffusion{lr = lr, T = temp, P = P}
  local land = glass.landscape.flat{N = N, P = P}
  local lags = {10, 20, 40, 80, 160} -- q = 0.71 ... 0.21: the sd formulas hold (not q near 0 or 1)
  local function measure(ens)
    local obs = glass.observer.two_time{tw = {0}, lags = lags, eps = {eps}, per_replica = true}
    ens:run{integrator = glass.langevin{lr = lr, T = temp}, to = 160, observers = {obs}}
    return rows(obs:table("summary")), rows(obs:table("replicas"))
  end
  local sb, per = measure(glass.ensemble{landscape = land, replicas = B, seed = 8}:same_basin{K = K})
  -- The split recomputed from the per-replica rows (exact to rounding).
  for _, r in ipairs(sb) do
    local by, all = {}, {}
    for _, x in ipairs(per) do
      if x.t == r.t then
        by[x.basin] = by[x.basin] or {}
        table.insert(by[x.basin], x.Q)
        all[#all + 1] = x.Q
      end
    end
    local mean = 0
    for _, q in ipairs(all) do mean = mean + q / #all end
    local w, b = 0, 0
    for _, qs in pairs(by) do
      local m = 0
      for _, q in ipairs(qs) do m = m + q / #qs end
      for _, q in ipairs(qs) do w = w + (q - m) ^ 2 end
      b = b + #qs * (m - mean) ^ 2
    end
    T.near(r.chi4_within, N * w / #all, 1e-10 * r.chi4_within, "chi4_within recomputed")
    T.near(r.chi4_between, N * b / #all, 1e-10 * r.chi4_within, "chi4_between recomputed")
  end
  local ind = measure(glass.ensemble{landscape = land, replicas = B * K, seed = 9})
  -- Relative sd of the within-basin and independent variances (Gaussian Q): with
  -- B = 400 basins 4 sd_w = 14 %, below the 20 % of the (K - 1)/K factor, so a
  -- within-basin estimator without it fails (with B = 100, 28 %, it passed).
  local sd_w, sd_i = math.sqrt(2 / (B * (K - 1))), math.sqrt(2 / (B * K - 1))
  for i, r in ipairs(sb) do
    local q = glass.theory.free_q(r.t, {eps = eps, D = D})
    local exact = q * (1 - q)
    T.eq(r.n_basins, B)
    T.near(r.chi4_within, (K - 1) / K * exact, 4 * sd_w * exact,
      string.format("chi4_within(t=%d), q=%.3f", r.t, q))
    T.near(ind[i].chi4, exact, 4 * sd_i * exact, "independent chi4")
    T.near(r.chi4_within * K / (K - 1) / ind[i].chi4, 1, 4 * math.sqrt(sd_w ^ 2 + sd_i ^ 2),
      "within-basin vs independent")
    T.near(r.alpha2_within, 0, 0.01, "alpha2_within")
    T.eq(ind[i].chi4_within, 0, "an independent ensemble has nothing within basins")
  end
end)

-- The authors' per-replica estimators against an independent computation
-- from the weights: run in pieces, export every replica's weights at t_w and
-- at each lag, recompute Q_r, MSD_r, <dw^4>_r, alpha2_r in Lua, then the
-- authors' tau90 (first saved lag with Q_r < 0.9; none if that is the first
-- lag; dropped if < 4; mean over replicas) and the mean of alpha2_r.
T.test("per-replica alpha2 and tau90 equal a recomputation from exported weights", function()
  local N, R, P, lr, temp, eps = 300, 8, 100, 0.1, 1, 0.33
  local land = glass.landscape.flat{N = N, P = P}
  local ens = glass.ensemble{landscape = land, replicas = R, seed = 21}
  local tw, lags = 5, {1, 2, 3, 5, 8, 13, 21, 34, 55, 89}
  local obs = glass.observer.two_time{tw = {tw}, lags = lags, eps = {eps}, per_replica = true}
  local integ = glass.langevin{lr = lr, T = temp}
  ens:run{integrator = integ, to = tw, observers = {obs}}
  local ref = {}
  for r = 1, R do ref[r] = ens:weights(r) end
  local Q, A2 = {}, {}
  for r = 1, R do Q[r], A2[r] = {}, {} end
  for l, lag in ipairs(lags) do
    ens:run{integrator = integ, to = tw + lag, observers = {obs}}
    for r = 1, R do
      local w, inside, s2, s4 = ens:weights(r), 0, 0, 0
      for i = 1, N do
        local d = w[i] - ref[r][i]
        if math.abs(d) <= eps then inside = inside + 1 end
        s2, s4 = s2 + d * d, s4 + d ^ 4
      end
      local msd, dw4 = s2 / N, s4 / N
      Q[r][l], A2[r][l] = inside / N, dw4 / (3 * msd * msd) - 1
    end
  end
  -- The observer's per-replica rows and its per-replica-mean alpha2.
  local sum = rows(obs:table("summary"))
  for _, p in ipairs(rows(obs:table("replicas"))) do
    local l
    for k, lag in ipairs(lags) do if lag == p.t then l = k end end
    T.eq(p.Q, Q[p.replica + 1][l], "Q_r")
    T.near(p.alpha2, A2[p.replica + 1][l], 1e-12, "alpha2_r")
  end
  for l, r in ipairs(sum) do
    local m = 0
    for k = 1, R do m = m + A2[k][l] end
    T.near(r.alpha2, m / R, 1e-12, "alpha2 = mean of per-replica alpha2")
  end
  -- tau90, the authors' rules, recomputed: per replica the first lag with
  -- Q < 0.9, none at the first lag, none below min_t; sum and count.
  local function authors(min_t)
    local sum, n = 0, 0
    for r = 1, R do
      for l = 1, #lags do
        if Q[r][l] < 0.9 then
          if l > 1 and lags[l] >= min_t then sum, n = sum + lags[l], n + 1 end
          break
        end
      end
    end
    return sum, n
  end
  local taus, n = authors(4)
  T.eq(n, R, "every replica crosses 0.9 inside the lags")
  local t, curves = obs:curves{quantity = "Q"}
  T.eq(#curves, R); T.eq(#t, #lags)
  T.raises(function() obs:curves{chi = 300, eps = 0.1} end, "give chi= or eps=", "not both")
  for r = 1, R do for l = 1, #lags do T.eq(curves[r][l], Q[r][l]) end end
  local res = glass.analysis.tau_replicas(t, curves, {method = "per_replica", B = 200, seed = 3})
  T.eq(res.status, "ok"); T.eq(res.method, "per_replica"); T.eq(res.min_t, 4)
  T.eq(res.tau, taus / n, "per-replica tau90 (the authors' rules)")
  T.eq(res.n_used, n); T.eq(res.n, R)
  T.ok(res.lo <= res.tau and res.tau <= res.hi and res.level == 0.95 and res.B == 200)
  local again = glass.analysis.tau_replicas(t, curves, {B = 200, seed = 3})
  T.eq(again.lo, res.lo); T.eq(again.hi, res.hi)
  -- min_t = 30 drops some replicas' tau: per_replica (the authors' pandas
  -- mean keeps a point only if every replica has one) has none, and
  -- per_replica_found averages the others.
  local s30, n30 = authors(30)
  T.ok(n30 > 0 and n30 < R, "min_t = 30 drops some replicas")
  local strict = glass.analysis.tau_replicas(t, curves, {min_t = 30, B = 0})
  T.eq(strict.tau, nil); T.eq(strict.status, "below_min_t")
  local found = glass.analysis.tau_replicas(t, curves, {method = "per_replica_found", min_t = 30, B = 0})
  T.eq(found.tau, s30 / n30); T.eq(found.n_used, n30)
  -- Its row says "partial" (biased low: the mean of those that decayed), not "ok".
  T.eq(glass.analysis.tau_fields(found, "tau90").tau90_status, "partial")
  local all = glass.analysis.tau_replicas(t, curves, {method = "per_replica_found", B = 0})
  T.eq(all.n_used, all.n)
  T.eq(glass.analysis.tau_fields(all, "tau90").tau90_status, "ok")
  T.eq(glass.analysis.tau_fields(strict, "tau90").tau90_status, "below_min_t")
  -- of_mean: the first lag where the mean curve is below 0.9.
  local om = glass.analysis.tau_replicas(t, curves, {method = "of_mean", B = 0})
  local first
  for l = 1, #lags do
    local m = 0
    for r = 1, R do m = m + Q[r][l] end
    if m / R < 0.9 then first = lags[l]; break end
  end
  T.eq(om.tau, first, "tau of the mean curve")
  T.ok(isnan(om.lo), "B = 0: no interval")
  -- One call on the observer; the mean curve helper.
  local via = glass.analysis.tau_observer(obs, {B = 200, seed = 3})
  T.raises(function() glass.analysis.tau_observer(obs, {chii = 300}) end,
    "tau_observer: unknown option 'chii' (did you mean 'chi'?)")
  -- A waiting time the observer does not have: refused at the caller's line.
  T.raises(function() glass.analysis.tau_observer(obs, {tw = 123456}) end,
    "test_estimators.lua:", "tau_observer: tw=123456 is not one of the observer's waiting times")
  T.eq(via.tau, res.tau); T.eq(via.lo, res.lo); T.eq(via.hi, res.hi)
  local mc = glass.analysis.mean_curve(curves)
  local om2 = glass.analysis.tau(t, mc, 0.9)
  T.eq(om2, first)
  -- tau_report: a found tau comes with no reason (it used to return the lag's index);
  -- its options are checked like tau_observer's, at the caller's line.
  local row, t90, why90, te, whye = glass.analysis.tau_report(obs, t, mc, nil,
    {method = "first", B = 0})
  T.eq(t90, first); T.eq(why90, nil); T.eq(row.tau90, first)
  T.ok(te == nil and type(whye) == "string" or te ~= nil and whye == nil, tostring(whye))
  T.raises(function() glass.analysis.tau_report(obs, t, mc, {}, {method = "interp", sed = 7}) end,
    "tau_report: unknown option 'sed' (did you mean 'seed'?)")
  T.raises(function() glass.analysis.tau_report(obs, t, mc, {}) end,
    "tau_report: give the options table")
  T.raises(function() glass.analysis.tau_row(obs, {}, {method = "frist"}) end,
    "tau_row: method 'frist' unknown; use first, interp")
  local m13 = glass.analysis.mean_curve(curves, {1, 3, 3})
  T.near(m13[5], (Q[1][5] + 2 * Q[3][5]) / 3, 1e-15)
  T.raises(function() glass.analysis.mean_curve(curves, {1, 99}) end,
    "mean_curve: replica 99 is not among the", "test_estimators.lua:")
end)

-- Known non-Gaussian displacements set by hand through the public API: GD on
-- a flat landscape without weight decay does not move the weights, so after
-- the reference at t_w = 1, ens:set_weights puts replica r at w_ref + Δw_r
-- with the first m_r of its 16 weights moved by ±s_r (alternating signs), the
-- others not at all, and the step to t_w + 1 keeps them there.  Weights and
-- Δw are multiples of 1/8 below 4 (exact in binary), so each quantity has a closed
-- form: MSD_r = f_r s_r², <dw^4>_r = f_r s_r⁴ (f_r = m_r/16), α₂,r = 1/(3 f_r) − 1
-- (−1/3, 1/3, 5/3, −2/3 here); alpha2 their mean (1/4), alpha2_sem their
-- sd/√n; alpha2_pooled = mean f s⁴/(3 (mean f s²)²) − 1 = 0.584 (the unequal
-- s_r put it far from the per-replica mean); alpha2_pooled_se the jackknife
-- over replicas, recomputed by leaving each replica out of both moments.
-- Q counts |Δw| <= ε: replica 2 moves by exactly ε = 0.5, so it has Q = 1;
-- at ε = 0 Q_r = 1 − f_r.  Sums of 16 exact terms: 1e-13 relative.
T.test("hand-set displacements: alpha2, alpha2_sem, alpha2_pooled and Q at eps exactly", function()
  local N, R = 16, 4
  local s, m = {0.25, 0.5, 2, 1}, {8, 4, 2, 16}
  local init = {}
  for r = 1, R do
    init[r] = {}
    for i = 1, N do init[r][i] = (i - 8) / 8 + r / 4 end
  end
  local ens = glass.ensemble{landscape = glass.landscape.flat{N = N, P = 10}, replicas = R,
                             init = init}
  local obs = glass.observer.two_time{tw = {1}, lags = {1}, eps = {0.5, 0}, per_replica = true}
  local gd = glass.gd{lr = 0.1}
  ens:run{integrator = gd, to = 1, observers = {obs}}
  for r = 1, R do
    local w = ens:weights(r)
    for i = 1, N do
      T.eq(w[i], init[r][i], "GD on the flat landscape does not move")
      if i <= m[r] then w[i] = w[i] + s[r] * (i % 2 == 1 and 1 or -1) end
    end
    ens:set_weights(r, w)
  end
  ens:run{integrator = gd, to = 2, observers = {obs}}
  local function near(a, b, what) T.near(a, b, 1e-13 * (1 + math.abs(b)), what) end
  local f, msd, dw4, a2 = {}, {}, {}, {}
  for r = 1, R do
    f[r] = m[r] / N
    msd[r], dw4[r], a2[r] = f[r] * s[r] ^ 2, f[r] * s[r] ^ 4, 1 / (3 * f[r]) - 1
  end
  local function qexp(r, eps) return s[r] <= eps and 1 or 1 - f[r] end
  local per = rows(obs:table("replicas"))
  T.eq(#per, 2 * R)
  for _, p in ipairs(per) do
    local r = p.replica + 1
    T.eq(p.Q, qexp(r, p.eps), string.format("Q of replica %d at eps %g", r, p.eps))
    near(p.msd, msd[r], "msd_r"); near(p.dw4, dw4[r], "dw4_r"); near(p.alpha2, a2[r], "alpha2_r")
  end
  local function mean(x) local t = 0 for _, v in ipairs(x) do t = t + v end return t / #x end
  local function var(x)
    local mu, t = mean(x), 0
    for _, v in ipairs(x) do t = t + (v - mu) ^ 2 end
    return t / (#x - 1)
  end
  local pooled = mean(dw4) / (3 * mean(msd) ^ 2) - 1
  T.ok(math.abs(pooled - mean(a2)) > 0.3, "pooled and per-replica alpha2 differ")
  local th = {}
  for r = 1, R do
    local s2, s4 = (R * mean(msd) - msd[r]) / (R - 1), (R * mean(dw4) - dw4[r]) / (R - 1)
    th[r] = s4 / (3 * s2 * s2) - 1
  end
  local thm, ss = mean(th), 0
  for r = 1, R do ss = ss + (th[r] - thm) ^ 2 end
  local jack = math.sqrt((R - 1) / R * ss)
  local sum = rows(obs:table("summary"))
  T.eq(#sum, 2)
  for _, row in ipairs(sum) do
    local qs = {}
    for r = 1, R do qs[r] = qexp(r, row.eps) end
    near(row.Q_mean, mean(qs), "Q_mean")
    near(row.chi4, N * var(qs), "chi4")
    near(row.alpha2, mean(a2), "alpha2 (mean of 1/(3f) - 1)")
    near(row.alpha2_sem, math.sqrt(var(a2) / R), "alpha2_sem")
    near(row.alpha2_pooled, pooled, "alpha2_pooled")
    near(row.alpha2_pooled_se, jack, "alpha2_pooled_se (jackknife)")
  end
  ens:close()
end)

T.test("tau_report refuses a curve that is not the one its interval resamples", function()
  -- Two waiting times, the second at 4x the temperature: their tau90 differ by about 4x.
  -- Without tw =, the row's interval, s.e. and status would be those of the first
  -- waiting time's curves next to the second's tau90 (a 4x mismatch, written silently
  -- before the check).
  local land = glass.landscape.flat{N = 400, P = 10}
  local ens = glass.ensemble{landscape = land, replicas = 4, seed = 1}
  local obs = glass.observer.two_time{tw = {0, 300}, eps = {0.05}, lags = {last = 300}}
  ens:run{integrator = glass.langevin{lr = 1e-2, T = 1e-2}, to = 300, observers = {obs}}
  ens:run{integrator = glass.langevin{lr = 1e-2, T = 4e-2}, to = 600, observers = {obs}}
  local s = obs:table("summary")
  local g = s:filter{tw = 300}
  local t, q = g:column("t"), g:column("Q_mean")
  T.raises(function() glass.analysis.tau_report(obs, t, q, {}, {method = "interp", B = 100}) end,
    "tau_report: the curve t, q is not the replica mean of the observer's Q curves at the "
    .. "observer's first waiting time and its first cutoff (at t = ", "test_estimators.lua:")
  local row, t90 = glass.analysis.tau_report(obs, t, q, {}, {method = "interp", tw = 300, B = 100})
  T.ok(row.tau90_lo <= t90 and t90 <= row.tau90_hi, row.tau90_lo .. " " .. t90 .. " "
    .. row.tau90_hi)
  -- The first waiting time's own curve passes without tw (the default), and a lag the
  -- observer does not have is named.
  local g0 = s:filter{tw = 0}
  local t0, q0 = g0:column("t"), g0:column("Q_mean")
  row, t90 = glass.analysis.tau_report(obs, t0, q0, {}, {method = "interp", B = 100})
  T.ok(row.tau90_lo <= t90 and t90 <= row.tau90_hi)
  t0[2] = t0[2] + 0.5
  T.raises(function() glass.analysis.tau_report(obs, t0, q0, {}, {method = "first", B = 0}) end,
    "(those have no lag t = ")
  -- per_replica takes its tau from the curves themselves: t, q are not read.
  T.ok(glass.analysis.tau_report(obs, t, q, {}, {method = "per_replica", B = 0}))
end)

T.test("tau fields, text and status columns; bootstrap of any statistic", function()
  local t = {1, 2, 4, 8}
  local none = glass.analysis.tau_replicas(t, {{0.99, 0.98, 0.97, 0.96}}, {B = 10})
  T.eq(none.tau, nil); T.eq(none.status, "not_reached")
  -- the status once, in words (the reason starts with it)
  T.ok(glass.analysis.tau_text(none):match("^none %(not reached: no replica has a tau"), glass.analysis.tau_text(none))
  local below = glass.analysis.tau_replicas({1, 2, 3, 4, 5, 6, 8, 10},
    {{1, .95, .85, .7, .6, .5, .4, .3}, {1, .96, .8, .7, .6, .5, .4, .3}}, {B = 0})
  T.ok(glass.analysis.tau_text(below):match("^none %(below min_t: no replica"), glass.analysis.tau_text(below))
  local early = glass.analysis.tau_replicas(t, {{0.5, 0.4, 0.3, 0.2}}, {B = 0})
  T.eq(early.status, "before_first_lag")
  local tab = glass.table{columns = glass.analysis.tau_columns("tau90")}
  tab:add_row(glass.analysis.tau_fields(none, "tau90"))
  tab:add_row(glass.analysis.tau_fields(early, "tau90"))
  local path = tmpname("tau.csv")
  tab:write_csv(path, {comments = {glass.analysis.tau_comment(none, "tau90")}})
  local text = assert(io.open(path)):read("a")
  T.ok(text:find("\n,,,,not_reached,per_replica\n", 1, true), text)
  T.ok(text:find(",before_first_lag,", 1, true) and not text:find("nan"), text)
  local back = glass.read_csv(path)
  T.eq(back:row(1).tau90_status, "not_reached"); T.ok(isnan(back:row(1).tau90))
  os.remove(path)
  -- A tau not found still has the bound its resamples give, in the row and the text:
  -- two of four curves cross 0.9 by t = 8, so some resamples do: [lo, inf], lo < 8.
  local part = glass.analysis.tau_replicas(t, {{.99, .97, .95, .93}, {.99, .95, .9, .85},
    {.99, .98, .97, .96}, {.99, .96, .9, .86}}, {method = "interp", B = 400, seed = 3})
  T.eq(part.status, "not_reached"); T.eq(part.t_first, 1); T.eq(part.t_last, 8)
  local prow = glass.analysis.tau_fields(part, "tau90")
  T.ok(isnan(prow.tau90) and prow.tau90_lo == part.lo and part.lo > 1 and part.lo < 8, part.lo)
  T.eq(prow.tau90_hi, math.huge); T.ok(isnan(prow.tau90_se))
  T.eq(glass.analysis.tau_text(part):match(", > ([%d.]+) %(95%% bootstrap%)$"),
    string.format("%.4g", part.lo))
  -- per_replica with some replicas short of a tau: the status in words, as for none at all.
  local some = glass.analysis.tau_replicas({1, 2, 4, 8}, {{1, .95, .8, .7}, {1, .99, .97, .96}},
    {method = "per_replica", B = 0})
  T.ok(glass.analysis.tau_text(some):match("^none %(not reached: 1 of 2 replicas have no tau"),
    glass.analysis.tau_text(some))
  T.eq(glass.report.tau_ci(nil, prow.tau90_lo, prow.tau90_hi, "not reached"),
    string.format("none (not reached), > %.4g (95%% bootstrap)", part.lo))
  -- Every resample beyond the lags (the API's [inf, inf]): the row says tau > t_max.
  local far = glass.analysis.tau_replicas(t, {{.99, .98, .97, .96}, {.99, .97, .96, .95}},
    {method = "interp", B = 50})
  T.eq(far.lo, math.huge)
  local function bounds(res) return string.format("%g %g", glass.analysis.tau_bounds(res)) end
  T.eq(bounds(far), "8 inf")
  -- Before the first lag: [0, the first lag]; below min_t: [0, min_t].
  local soon = glass.analysis.tau_replicas(t, {{.5, .4, .3, .2}, {.6, .5, .4, .3}}, {B = 50})
  T.eq(soon.status, "before_first_lag"); T.eq(bounds(soon), "0 1")
  T.ok(glass.analysis.tau_text(soon):find(", < 1 (95% bootstrap)", 1, true), glass.analysis.tau_text(soon))
  local low = glass.analysis.tau_replicas({1, 2, 3, 4, 5, 6}, {{1, .95, .85, .7, .6, .5},
    {1, .96, .8, .7, .6, .5}}, {B = 50})
  T.eq(low.status, "below_min_t"); T.eq(bounds(low), "0 4")
  -- ... which the drift verdict does not take for an interval of a tau (above/below say it).
  local est = glass.report.drift_estimate(prow, t)
  T.ok(isnan(est[1]) and isnan(est[2]) and est.above == 8)
  -- A number is never taken for a text: by name, by position or as arguments it is
  -- refused (it used to be read as the code of the column's n-th text); NaN is empty.
  T.raises(function() tab:add_row{tau90_status = 1} end,
    "column 'tau90_status' holds text; it cannot take the number 1")
  local six = {0 / 0, 0 / 0, 0 / 0, 0 / 0, 0, 0}
  T.raises(function() tab:add_row(six) end, "column 'tau90_status' holds text; give the row by name")
  T.raises(function() tab:add_row(table.unpack(six)) end, "holds text")
  T.raises(function() tab:add_row("ok") end, "text cells by name")
  T.eq(tab:nrows(), 2)
  tab:add_row{tau90_status = 0 / 0}
  T.eq(tab:nrows(), 3)
  -- Options given two ways at once are refused, not one silently ignored.
  T.raises(function() glass.analysis.bootstrap{n = 3, sizes = {5}, stat = function() return 0 end} end,
    "give 'n' (one set of units) or 'sizes' (one count per set), not both")
  -- tau_curves: the threshold defaults to 0.9 for every method, as tau_replicas.
  T.eq(glass.analysis.tau_curves({1, 2, 4, 8}, {{0.99, 0.95, 0.85, 0.5}}, nil, "first"), 4)
  -- glass.analysis.bootstrap: the mean of 1..10; two independent sets.
  local xs = {}
  for i = 1, 10 do xs[i] = i end
  local function mean(idx) local s = 0 for _, k in ipairs(idx) do s = s + xs[k] end return s / #idx end
  local b = glass.analysis.bootstrap{n = 10, stat = mean, B = 2000, seed = 5, values = true}
  T.eq(b.estimate, 5.5); T.eq(#b.values, 2000); T.eq(b.B_ok, 2000)
  -- the bootstrap sd of a mean is sqrt((n-1)/n) s/sqrt(n) = sqrt(8.25/10) = 0.908 here
  -- (s² = 55/6); from 2000 resamples it is known to ~1.6 % (1/sqrt(2B)): ±0.1 is ~7 of those
  T.near(b.se, math.sqrt(8.25 / 10), 0.1)
  T.ok(b.lo < 5.5 and b.hi > 5.5 and b.level == 0.95)
  local b2 = glass.analysis.bootstrap{n = 10, stat = mean, B = 2000, seed = 5}
  T.eq(b2.lo, b.lo); T.eq(b2.hi, b.hi)
  local two = glass.analysis.bootstrap{sizes = {3, 4}, B = 50, stat = function(i, j)
    T.eq(#i, 3); T.eq(#j, 4); return nil end}
  T.eq(two.B_ok, 0); T.ok(isnan(two.lo))
  T.raises(function() glass.analysis.bootstrap{n = 3, stat = function() error("boom") end} end, "boom")
  T.raises(function() glass.analysis.bootstrap{n = 3, stat = mean, level = 1} end, "level")
  -- Neither n nor sizes (a sizes variable that is nil, say): both named.
  T.raises(function() glass.analysis.bootstrap{stat = mean} end, "give 'n'", "or 'sizes'")
  T.raises(function() glass.analysis.bootstrap{sizes = 3, stat = mean} end, "'sizes' must be a list")
  -- Sizes whose buffer size wrapped around (n = 2^61: 0 bytes, then written past).
  T.raises(function() glass.analysis.bootstrap{n = 1 << 61, stat = mean, B = 0} end,
           "'n' = 2305843009213693952 units is more than 10^9")
  T.raises(function() glass.analysis.bootstrap{sizes = {3, 1 << 62}, stat = mean} end,
           "sizes[2] = 4611686018427387904 units is more than 10^9")
  T.raises(function() glass.analysis.bootstrap{sizes = {600000000, 600000000}, stat = mean} end,
           "the sets hold 1200000000 units in all, more than 10^9")
  T.raises(function() glass.analysis.tau_replicas(t, {{1, 2}}) end, "2 values")
  T.raises(function() glass.analysis.tau_replicas(t, {{1, 1, 1, 1}}, {method = "x"}) end, "per_replica")
  T.raises(function() glass.analysis.tau_replicas(t, {{1, 1, 1, 1}}, {7}) end,
           "argument 3 is the options table", "{groups = basins}")
  local fit = glass.analysis.powerlaw_fit({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 9})
  T.ok(fit.exponent_min < fit.exponent and fit.exponent <= fit.exponent_max and fit.windows == 9)
  -- Windows of one repeated t are skipped, not a failure of the fit.
  local tr, yr = {1, 5, 5, 5, 5, 5, 5, 9}, {}
  for i, x in ipairs(tr) do yr[i] = 2 * x ^ 1.5 * (1 + 0.01 * i) end
  T.eq(glass.analysis.powerlaw_fit(tr, yr).windows, 5)
end)

-- glass.analysis.bootstrap through Lua: lo and hi are the documented percentile
-- rule (docs/analysis.md "Error bars": quantiles (1 - level)/2 and (1 + level)/2 of
-- the values, linear between order statistics, numpy's default) recomputed here from
-- `values`; and the 1-based indices cover 1..n uniformly, the last one too.
T.test("bootstrap: lo, hi are numpy percentiles of values; indices 1..n uniform", function()
  -- The mean of sqrt(1..12) (distinct resample values); B = 999 so that p (B - 1)
  -- is not an integer (24.95 and 973.05 at 0.95, 99.8 and 898.2 at 0.8).  The same
  -- line in another form (numpy's (1 - g) v_j + g v_j+1), hence 1e-12.  The
  -- (1 - level) quantile in place of (1 - level)/2 is ~0.05 off at 0.95.
  local xs = {}
  for i = 1, 12 do xs[i] = math.sqrt(i) end
  local function mean(idx) local s = 0 for _, k in ipairs(idx) do s = s + xs[k] end return s / #idx end
  local function quantile(v, p) -- v sorted, 1-based
    local pos = p * (#v - 1)
    local j = math.floor(pos)
    local g = pos - j
    if j + 2 > #v then return v[#v] end
    return (1 - g) * v[j + 1] + g * v[j + 2]
  end
  for _, level in ipairs({0.95, 0.8}) do
    local b = glass.analysis.bootstrap{n = 12, stat = mean, B = 999, seed = 3, level = level,
                                       values = true}
    local v = {}
    for i, x in ipairs(b.values) do v[i] = x end
    table.sort(v)
    T.eq(#v, 999); T.eq(b.B_ok, 999)
    T.near(b.lo, quantile(v, (1 - level) / 2), 1e-12, "lo at " .. level)
    T.near(b.hi, quantile(v, (1 + level) / 2), 1e-12, "hi at " .. level)
  end
  -- Indices: n = 3, B = 3000: 9000 draws, each index expected 3000 times, binomial
  -- sd sqrt(9000 (1/3)(2/3)) = 44.7; within 5 sd (224: a false alarm ~6e-7 per
  -- count), while an index never drawn is 3000 off.
  local hits = {0, 0, 0}
  glass.analysis.bootstrap{n = 3, B = 3000, seed = 8, stat = function(idx)
    for _, k in ipairs(idx) do
      T.ok(math.type(k) == "integer" and k >= 1 and k <= 3, "index " .. tostring(k))
      hits[k] = hits[k] + 1
    end
    return 0
  end}
  for k = 1, 3 do T.near(hits[k], 3000, 5 * math.sqrt(9000 * 2 / 9), "index " .. k) end
end)

-- overlap_layers: σ and Q over the chosen layers only (the authors leave
-- out the output layer), MSD over every weight; χ₄ = n_q·Var(Q_r) with n_q
-- the weights that enter Q (36 of the 39 here), not all N.  And per_layer:
-- each layer row's χ₄ = n_weights·Var(Q_r over that layer) with the layer's
-- own weight count (24, 12, 3), not N.  Checked on a small network against a
-- recomputation from the weights exported at t_w and at each lag (Q exactly,
-- σ and χ₄ to 1e-12 relative: sums of at most 39 terms).  4 replicas so that
-- the Q_r differ (a χ₄ of 0 would not see its weight count).
T.test("overlap_layers and per_layer: sigma, Q and chi4 over the chosen weights", function()
  local d = glass.data.idx{images = FIX .. "/tiny-images.idx3", labels = FIX .. "/tiny-labels.idx1"}
  d:binarize("parity")
  local net = glass.mlp{d = select(2, d:size()), widths = {4, 3}}
  local land = glass.landscape.network{net = net, data = d}
  local groups = land:groups()
  T.eq(#groups, 3)
  local R = 4
  local ens = glass.ensemble{landscape = land, replicas = R, seed = 1}
  local obs = glass.observer.two_time{tw = {0}, lags = {1, 5}, chi = {3},
                                      overlap_layers = {1, 2}, per_replica = true}
  local lay = glass.observer.two_time{tw = {0}, lags = {1, 5}, chi = {3}, per_layer = true}
  local ref, at = {}, {}
  for r = 1, R do ref[r] = ens:weights(r) end
  local integ = glass.langevin{lr = 0.05, T = 0.5}
  for _, t in ipairs{1, 5} do
    ens:run{integrator = integ, to = t, observers = {obs, lay}}
    at[t] = {}
    for r = 1, R do at[t][r] = ens:weights(r) end
  end
  local function indices(g)
    local out = {}
    for i = g.first, g.first + g.count - 1 do out[#out + 1] = i end
    return out
  end
  local all = {}
  for i = 1, land:nweights() do all[i] = i end
  local sel = indices(groups[1])
  for _, i in ipairs(indices(groups[2])) do sel[#sel + 1] = i end
  T.eq(select(4, obs:curves()), #sel, "obs:curves gives the weights in Q")
  local function sigma(w, idx)
    local m = 0
    for _, i in ipairs(idx) do m = m + w[i] end
    m = m / #idx
    local v = 0
    for _, i in ipairs(idx) do v = v + (w[i] - m) ^ 2 end
    return math.sqrt(v / #idx)
  end
  -- Q_r over the weights idx at lag t with the cutoff σ_r(t_w; over sidx)/χ.
  local function q_of(t, r, idx, sidx)
    local eps, inside = sigma(ref[r], sidx) / 3, 0
    for _, i in ipairs(idx) do if math.abs(at[t][r][i] - ref[r][i]) <= eps then inside = inside + 1 end end
    return inside / #idx
  end
  -- n·Var(Q_r) with the sample variance (n − 1), and the variance.
  local function chi4(t, idx, sidx)
    local qs, m = {}, 0
    for r = 1, R do qs[r] = q_of(t, r, idx, sidx); m = m + qs[r] / R end
    local v = 0
    for r = 1, R do v = v + (qs[r] - m) ^ 2 end
    v = v / (R - 1)
    return #idx * v, v
  end
  local last = {}
  for _, p in ipairs(rows(obs:table("replicas"))) do
    if p.t == 5 then last[p.replica + 1] = p end
  end
  for r = 1, R do
    local w, s = at[5][r], sigma(ref[r], sel)
    T.near(last[r].sigma, s, 1e-12 * s, "sigma over layers 1-2")
    T.eq(last[r].Q, q_of(5, r, sel, sel), "Q over layers 1-2")
    local s2 = 0
    for i = 1, #w do s2 = s2 + (w[i] - ref[r][i]) ^ 2 end
    T.near(last[r].msd, s2 / #w, 1e-15, "MSD over every weight")
  end
  for _, row in ipairs(rows(obs:table("summary"))) do
    local c, v = chi4(row.t, sel, sel)
    T.ok(v > 0, string.format("the replicas' Q differ at t = %d", row.t))
    T.near(row.chi4, c, 1e-12 * c, string.format("chi4 = n_q Var(Q) over layers 1-2 at t = %d", row.t))
  end
  -- per_layer: the cutoff is the whole network's, σ_r over every weight.
  local layer_rows = rows(lay:table("layers"))
  T.eq(#layer_rows, 2 * #groups)
  for _, row in ipairs(layer_rows) do
    local g = groups[row.layer]
    T.eq(row.n_weights, g.count)
    local idx = indices(g)
    local m = 0
    for r = 1, R do m = m + q_of(row.t, r, idx, all) / R end
    T.near(row.Q_mean, m, 1e-15, "layer Q_mean")
    local c, v = chi4(row.t, idx, all)
    T.ok(v > 0, string.format("the replicas' Q differ in layer %d at t = %d", row.layer, row.t))
    T.near(row.chi4, c, 1e-12 * c, string.format("layer %d chi4 = n_weights Var(Q) at t = %d",
      row.layer, row.t))
  end
  T.raises(function()
    local o = glass.observer.two_time{tw = {0}, lags = {1}, chi = {3}, overlap_layers = {4}}
    glass.ensemble{landscape = land, replicas = 1}:run{integrator = glass.gd{lr = 0.1}, to = 1, observers = {o}}
  end, "overlap layer 4")
end)

-- A checkpoint written by a glassvm of observer state format 1 and ensemble
-- file format 1 (tests/data/v1-observer.gvckpt, made by make_v1_observer.lua
-- before this change) loads with every replica its own basin, and the run
-- continues exactly as a run of today's glassvm; its histogram, saved summed
-- over replicas, has no per-basin split (and says so).
T.test("format-1 checkpoints: each replica its own basin, results unchanged", function()
  local land = glass.landscape.flat{N = 20, P = 10}
  local function fresh()
    return glass.ensemble{landscape = land, replicas = 3, seed = 1},
      glass.observer.two_time{tw = {0}, lags = {1, 2, 4}, eps = {0.1},
                              histogram = {bins = 5, min = -4, max = 0}}
  end
  local integ = glass.langevin{lr = 0.1, T = 1}
  local ens, obs = fresh()
  local ck = glass.checkpoint.load(FIX .. "/v1-observer.gvckpt")
  ck:restore_ensemble("main", ens)
  ck:restore_observer("two_time", obs)
  T.eq(table.concat(ens:basins(), ","), "0,1,2")
  ens:run{integrator = integ, to = 4, observers = {obs}}
  local ens2, obs2 = fresh()
  ens2:run{integrator = integ, to = 4, observers = {obs2}}
  for _, name in ipairs{"summary", "histogram", "histogram_totals"} do
    local a, b = rows(obs:table(name)), rows(obs2:table(name))
    T.eq(#a, #b)
    for i = 1, #a do
      for k, v in pairs(b[i]) do
        T.ok(a[i][k] == v or (isnan(v) and isnan(a[i][k])), name .. "." .. k)
      end
    end
  end
  T.eq(rows(obs:table("summary"))[1].n_basins, 3)
  T.raises(function() obs:table("histogram_basins") end, "format-1")
  T.eq(#rows(obs2:table("histogram_basins")), 3 * 5 * 3, "3 lags x 3 basins x 5 bins")
end)

-- The histogram within each basin: its replicas' counts pooled; the basins'
-- counts add up to the pooled histogram.
T.test("histogram_basins: per-basin counts add up to the pooled histogram", function()
  local land = glass.landscape.flat{N = 100, P = 10}
  local ens = glass.ensemble{landscape = land, replicas = 3, seed = 2}:same_basin{K = 2}
  local obs = glass.observer.two_time{tw = {0}, lags = {3, 9}, eps = {0.1},
                                      histogram = {bins = 8, min = -4, max = 0, lags = {9}}}
  local w0 = {}
  for r = 1, ens:size() do w0[r] = ens:weights(r) end
  ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 9, observers = {obs}}
  -- Each replica's own histogram, from its weights (the observer's binning).
  local own = {}
  for r = 1, ens:size() do
    own[r] = {}
    for i, w in ipairs(ens:weights(r)) do
      local a = math.abs(w - w0[r][i])
      local x = a > 0 and math.log(a, 10)
      if x and x >= -4 and x < 0 then
        local b = math.min(math.floor((x + 4) * 8 / 4), 7)
        own[r][b] = (own[r][b] or 0) + 1
      end
    end
  end
  local labels = ens:basins()
  local pooled, sums, basins = rows(obs:table("histogram")), {}, {}
  for _, r in ipairs(rows(obs:table("histogram_basins"))) do
    T.eq(r.n, 2); basins[r.basin] = true
    sums[r.bin] = (sums[r.bin] or 0) + r.count
    -- fraction_sem: the standard error over the basin's two replicas of their own
    -- fractions, |f1 - f2| / 2 (to rounding: 1e-15 of fractions of 100 weights).
    local f, c = {}, 0
    for k, lab in ipairs(labels) do
      if lab == r.basin then f[#f + 1] = (own[k][r.bin] or 0) / 100; c = c + (own[k][r.bin] or 0) end
    end
    T.eq(c, r.count, "basin " .. r.basin .. " bin " .. r.bin .. ": the test's binning")
    T.near(r.fraction_sem, math.abs(f[1] - f[2]) / 2, 1e-15, "fraction_sem, basin " .. r.basin)
  end
  T.eq(table.concat((function() local k = {} for b in pairs(basins) do k[#k + 1] = b end
    table.sort(k) return k end)(), ","), "0,2,4")
  for _, r in ipairs(pooled) do T.eq(sums[r.bin], r.count, "bin " .. r.bin) end
  -- Replicas each in a basin of their own: one replica, no standard error.
  local ind = glass.ensemble{landscape = land, replicas = 2, seed = 2}
  local obs1 = glass.observer.two_time{tw = {0}, lags = {9}, eps = {0.1},
                                       histogram = {bins = 8, min = -4, max = 0}}
  ind:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 9, observers = {obs1}}
  for _, r in ipairs(rows(obs1:table("histogram_basins"))) do
    T.eq(r.n, 1); T.ok(isnan(r.fraction_sem), "one replica: NaN")
  end
end)

T.test("edge inputs: missing replicas, part of a curve, B = 0 comments, chi4_interval", function()
  local a = glass.analysis
  local t = {0, 1, 2, 4, 8}
  local Q = {{1, 1, 0.95, 0.95, 0.5}, {1, 1, 0.95, 0.5, 0.5}}
  -- A replica index that is not there: refused, not the tau of the others.
  T.eq(a.tau_curves(t, Q, {1, 2}, "per_replica"), 6)
  T.raises(function() a.tau_curves(t, Q, {1, 5}, "per_replica") end,
    "tau_curves: idx[2] = 5 is not among the 2 curves")
  T.raises(function() a.tau_curves(t, Q, {1, 5}, "interp") end, "replica 5 is not among the 2")
  T.raises(function() a.mean_curve(Q, {"1"}) end, "replica indices are integers 1..2, got string")
  T.raises(function() a.mean_curve({{1, 0.5}, {1}}) end, "curve 2 has 1 values, curve 1 has 2")
  -- tau_report with the first lags of the mean curve only: refused (its tau would not be
  -- the row's interval's).
  local ens = glass.ensemble{landscape = glass.landscape.flat{N = 200, P = 1}, replicas = 3,
                             seed = 1}
  local o = glass.observer.two_time{tw = {0}, lags = {1, 2, 4, 8, 16, 32}, eps = {0.5}}
  ens:run{integrator = glass.langevin{lr = 1e-2, T = 1}, to = 40, observers = {o}}
  local ct, cq = o:curves{quantity = "Q"}
  local m = a.mean_curve(cq)
  T.ok(a.tau_report(o, ct, m, {}, {method = "interp", B = 50}))
  T.raises(function()
    a.tau_report(o, {ct[1], ct[2], ct[3]}, {m[1], m[2], m[3]}, {}, {method = "interp"})
  end, "the curve t, q has 3 lags, the observer's Q curves at")
  -- Without resamples the comment says the interval columns are empty.
  local r0 = a.tau_replicas(t, Q, {B = 0})
  T.ok(a.tau_comment(r0, "tau90"):find("tau90_lo/tau90_hi/tau90_se: empty (no bootstrap: B = 0)",
    1, true), a.tau_comment(r0, "tau90"))
  local r1 = a.tau_replicas(t, Q, {B = 100})
  T.ok(a.tau_comment(r1, "tau90"):find("95% replica bootstrap percentile interval (B = 100", 1,
    true))
  -- chi4_interval: a variance, a count and a level, or a clear error.
  local ci = glass.report.chi4_interval
  T.raises(function() ci(-1, 3) end, "chi4 is N Var(Q) >= 0, got -1")
  T.raises(function() ci(1, 2.5) end, "n is a count of replicas, got 2.5")
  T.raises(function() ci(1, 3, 1) end, "level must lie in (0, 1), got 1")
  local lo, hi = ci(1, 3)
  T.ok(lo > 0.27 and lo < 0.272 and hi > 39.4 and hi < 39.6, lo .. " " .. hi)
  -- Wrong arguments are named, not Lua's "attempt to index a nil value".
  T.raises(function() a.tau_text(nil) end, "tau_text(res): res is a tau_replicas result, got nil")
  T.raises(function() a.tau_columns() end, "tau_columns(name): name is the")
  T.raises(function() a.tau_observer(5) end, "obs is a two-time observer, got number")
end)

T.done()
