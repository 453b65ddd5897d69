-- test_obs.lua: schedules and observers through the Lua API, and the
-- observers on real ensembles of the null models against exact results
-- (glass.theory), including τ90 ∝ 1/T on the flat landscape.
local T = dofile("testlib.lua")

local rows, isnan = T.rows, T.isnan

---------------------------------------------------------------- schedules --

T.test("schedule.log: decades, ends, dedup, zero", function()
  local s = glass.schedule.log{first = 1, last = 1e5}
  T.eq(#s, 48, "count (10/decade from 1 to 1e5, duplicates removed)")
  T.eq(s:at(1), 1); T.eq(s:at(#s), 100000)
  T.ok(s:contains(1000) and s:contains(126) and not s:contains(127))
  T.eq(s:next(10), 13); T.eq(s:next(100000), nil)
  local st = s:steps()
  for i = 2, #st do T.ok(st[i] > st[i - 1], "strictly increasing") end
  local z = glass.schedule.log{first = 7, last = 1234, per_decade = 4, zero = true}
  T.eq(table.concat(z:steps(), ","), "0,7,10,18,32,56,100,178,316,562,1000,1234")
  T.ok(tostring(s):find("glass.Schedule log 1..100000", 1, true))
end)

T.test("schedule.linear, list, union", function()
  T.eq(table.concat(glass.schedule.linear{first = 5, last = 20, every = 5}:steps(), ","), "5,10,15,20")
  T.eq(table.concat(glass.schedule.linear{last = 7, every = 3}:steps(), ","), "0,3,6")
  T.eq(table.concat(glass.schedule.list{30, 1, 30, 2e3}:steps(), ","), "1,30,2000")
  local u = glass.schedule.union{glass.schedule.list{3, 1}, {7, 3}, glass.schedule.linear{last = 20, every = 10}}
  T.eq(table.concat(u:steps(), ","), "0,1,3,7,10,20")
  local u2 = glass.schedule.union(glass.schedule.list{2}, glass.schedule.list{1})
  T.eq(table.concat(u2:steps(), ","), "1,2")
  u:close(); u:close() -- idempotent
  T.raises(function() return #u end, "closed")
  T.raises(function() u:steps() end, "glass.Schedule: the schedule is closed")
  T.eq(tostring(u), "glass.Schedule (closed)")
end)

T.test("schedule.union of many parts (beyond the Lua stack's room)", function()
  -- Each part was pushed on the Lua stack without making room: 100 parts overflowed it.
  local parts, steps = {}, {}
  for i = 1, 3000 do parts[i] = i % 3 == 0 and glass.schedule.list{i} or {i}; steps[i] = i end
  local u = glass.schedule.union(parts)
  T.eq(#u, 3000); T.eq(table.concat(u:steps(), ","), table.concat(steps, ","))
  T.eq(#glass.schedule.union(table.unpack(parts, 1, 200)), 200)
  -- A part with an __index that would close another part is refused, not run.
  local first = glass.schedule.list{1}
  local sneaky = setmetatable({}, {__len = function() return 1 end,
    __index = function(_, i) if i == 1 then first:close() return 2 end end})
  T.raises(function() glass.schedule.union{first, sneaky} end, "part 2: a table given has a metatable with __index or __len")
  T.eq(#first, 1, "the other part is open")
end)

T.test("schedule errors name the problem", function()
  T.raises(function() glass.schedule.log{first = 1, lst = 5} end, "unknown option 'lst'", "did you mean 'last'")
  T.raises(function() glass.schedule.log{first = 0, last = 5} end,
    "glass.schedule.log: 'first' must be >= 1")
  T.raises(function() glass.schedule.log{first = 1} end, "option 'last' is required")
  T.raises(function() glass.schedule.log{last = 10, per_decade = 0} end, "per_decade")
  T.raises(function() glass.schedule.linear{last = 10, every = 0} end,
    "glass.schedule.linear: option 'every' must be >= 1, got 0")
  T.raises(function() glass.schedule.linear{last = 10, every = -1} end, "'every' must be >= 1, got -1")
  T.raises(function() glass.schedule.linear{last = 1e9, every = 1} end, "more than the limit")
  T.raises(function() glass.schedule.log{last = 2 ^ 63} end, "'last' = ", "is too large: steps are below 2^63")
  T.raises(function() glass.schedule.list{} end, "empty")
  T.raises(function() glass.schedule.list{1.5} end, "entry 1 must be a whole number")
  T.raises(function() glass.schedule.list{5, -1} end, "entry 2 must be >= 0")
  T.raises(function() glass.schedule.list{first = 1} end, "expected an array of steps")
  T.raises(function() glass.schedule.union{} end, "at least one")
  T.raises(function() glass.schedule.union(glass.schedule.list{1}, {}) end,
    "part 2: the list of steps is empty")
  T.raises(function() glass.schedule.union{glass.schedule.list{1}, "x"} end, "part 2")
  -- An empty lags list is empty, not log options without their last.
  T.raises(function() glass.observer.two_time{tw = {0}, lags = {}, eps = {0.1}} end,
    "lags: the list of steps is empty", "or give log options")
end)

--------------------------------------------------------- observer options --

T.test("tostring(obs) says how far a two-time observer got", function()
  local ens = glass.ensemble{landscape = glass.landscape.flat{N = 3, P = 1}, replicas = 2}
  local obs = glass.observer.two_time{tw = {10}, lags = glass.schedule.list{1, 5, 50}, eps = {0.1}}
  local lv = glass.langevin{lr = 0.1, T = 1}
  local function ends(s) return tostring(obs):sub(-#s) == s end
  T.ok(ends("; nothing measured yet (first event at step 10)"), tostring(obs))
  ens:run{integrator = lv, to = 20, observers = {obs}}
  T.ok(ends("; 2 of 3 points (t_w, lag) measured, the next at step 60"), tostring(obs))
  ens:run{integrator = lv, to = 60, observers = {obs}}
  T.ok(ends("; all 3 points (t_w, lag) measured"), tostring(obs))
end)

T.test("observer options are checked", function()
  local ok = glass.observer.two_time{tw = {10, 100}, lags = {last = 1e4}, chi = 300, histogram = true}
  T.eq(ok:kind(), "two_time"); T.eq(ok:next(), 10)
  T.ok(tostring(ok):find("2 t_w (10..100)", 1, true))
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}, chi = 1, histgram = true} end,
           "unknown option 'histgram'", "did you mean 'histogram'")
  T.raises(function() glass.observer.two_time{lags = {1}, chi = 1} end, "'tw' is required")
  T.raises(function() glass.observer.two_time{tw = 1, chi = 1} end, "'lags' is required")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}} end, "chi={...}", "eps={...}")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}, chi = {0}} end, "chi[1] must be")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}, eps = -1} end, "eps[1] must be")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}, chi = 1, histogram = {min = 1, max = 0}} end, "min < max")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1, 2}, chi = 1, histogram = {lags = {3}}} end,
           "histogram lag 3 is not one of the lags", "; the nearest is 2)")
  T.raises(function() glass.observer.two_time{tw = 1, lags = glass.schedule.log{last = 3e5,
           per_decade = 10}, chi = 1, histogram = {lags = {2e5}}} end,
           "histogram lag 200000 is not one of the lags", "; the nearest are 199526 and 251189)")
  T.raises(function() glass.observer.two_time{tw = 1, lags = {1}, chi = 1, histogram = {bin = 3}} end,
           "unknown option 'bin'")
  T.raises(function() glass.observer.two_time{tw = -1, lags = {1}, chi = 1} end, "must be >= 0")
  T.raises(function() glass.observer.scalar{} end, "'at' is required")
  T.raises(function() glass.observer.scalar{at = {1}, lambda = -1} end, "'lambda' must be")
  local sc = glass.observer.scalar{at = {last = 100}, lambda = 1e-2}
  T.eq(sc:kind(), "scalar"); T.eq(sc:next(), 1)
  local r = ok:results()
  T.ok(r.summary and r.histogram and r.histogram_totals and not r.layers and not r.replicas)
  T.eq(r.summary:nrows(), 0)
  T.raises(function() ok:table("nope") end, "no table 'nope'")
  ok:close(); ok:close()
  T.eq(tostring(ok), "glass.Observer (closed)")
  T.raises(function() ok:results() end, "glass.Observer: the observer is closed")
  T.eq(ok:kind(), "two_time", "a closed observer still knows its kind")
end)

------------------------------------------------------------ null models --

local have_dyn = glass.ensemble and glass.landscape and glass.langevin

-- Flat landscape: Δw after t Langevin steps is exactly N(0, 2Dt), D = lr·T/P,
-- so Q = erf(ε/√(4Dt)), MSD = 2Dt, α₂ = 0 with no discretisation error.
-- Criterion at every lag: |x − exact| <= 3 sem + tol, the tolerance covering
-- the uncertainty of the sem itself (16 replicas: ±18%): 0.002 in Q (about
-- half a typical sem), 0.5% in MSD, 0.01 in α₂ (also covers the −2/N bias
-- of the per-replica α₂).
T.test("an observer measures one ensemble: a clone of the same shape is refused", function()
  local e = glass.ensemble{landscape = glass.landscape.flat{N = 100, P = 100, w0 = 0}, replicas = 3,
                           seed = 1}
  local o = glass.observer.two_time{tw = {5}, lags = {1, 10, 100}, eps = 0.1}
  local lang = glass.langevin{lr = 1e-2, T = 1e-3, lambda = 0}
  e:run{integrator = lang, to = 50, observers = {o}}
  local e2 = e:clone()
  T.raises(function() e2:run{integrator = lang, to = 200, observers = {o}} end,
    "first used with another ensemble of the same shape", "use a new observer for each")
  T.eq(e2:step(), 50) -- refused before its first step
  -- Layers the network lacks: refused before the run, not at the first event.
  local o2 = glass.observer.two_time{tw = {5000}, lags = {1}, eps = 0.1, overlap_layers = {2}}
  local e3 = glass.ensemble{landscape = glass.landscape.flat{N = 100, P = 100}, replicas = 2, seed = 3}
  T.raises(function() e3:run{integrator = lang, to = 6000, observers = {o2}} end,
    "overlap layer 2 does not exist")
  T.eq(e3:step(), 0)
  e3:close()
  -- The first ensemble goes on with it.
  e:run{integrator = lang, to = 200, observers = {o}}
  T.eq(o:table("summary"):nrows(), 3)
  e:close(); e2:close()
end)

-- ε = σ(t_w)/χ needs a spread: weights all equal at t_w (a null model from
-- w0 = 0) would give ε = 0 and Q = 0 at every lag; refused, naming eps=.
T.test("a chi cutoff on weights without spread is refused; eps serves", function()
  local land = glass.landscape.flat{N = 20, P = 10}
  local e = glass.ensemble{landscape = land, replicas = 2, seed = 1}
  local gd = glass.gd{lr = 0.1}
  local o = glass.observer.two_time{tw = {0}, lags = {1, 2}, chi = 10}
  T.raises(function() e:run{integrator = gd, to = 5, observers = {o}} end,
    "weights of replica 1 are all equal (spread", "(eps = {...}) instead of chi")
  -- Given spread weights, the same observer takes its reference on the retry (the failed
  -- try's buffer was lost then: LeakSanitizer).
  for r = 1, 2 do local w = {} for i = 1, 20 do w[i] = i / 20 end e:set_weights(r, w) end
  e:run{integrator = gd, to = 5, observers = {o}}
  T.eq(o:table("summary"):nrows(), 2)
  local e2 = glass.ensemble{landscape = land, replicas = 2, seed = 1}
  -- eps = 0 too: Q counts |Δw| <= ε, so weights that did not move (Δw = 0
  -- exactly: GD on a flat landscape without weight decay) are all within
  -- ε = 0 and Q is exactly 1 at every lag (a strict |Δw| < ε would give 0).
  local o2 = glass.observer.two_time{tw = {0}, lags = {1, 2}, eps = {0.1, 0}}
  e2:run{integrator = gd, to = 5, observers = {o2}}
  local s2 = rows(o2:table("summary"))
  T.eq(#s2, 4)
  for _, r in ipairs(s2) do
    T.eq(r.Q_mean, 1, "nothing moves: Q = 1 at eps = " .. r.eps)
    T.eq(r.msd_mean, 0)
  end
  e:close(); e2:close()
end)

T.test("flat Langevin: Q, MSD, alpha2, chi4, histogram totals", function()
  T.ok(have_dyn, "needs glass.ensemble, glass.landscape, glass.langevin (lgv_dynamics.c)")
  local N, R, P, lr, temp, eps = 800, 16, 100, 0.01, 1, 0.01
  local D = glass.theory.diffusion{lr = lr, T = temp, P = P}
  local land = glass.landscape.flat{N = N, P = P}
  local ens = glass.ensemble{landscape = land, replicas = R, seed = 3}
  local obs = glass.observer.two_time{tw = {0, 40}, lags = {last = 1000, per_decade = 5},
                                      eps = eps, histogram = {bins = 40, min = -6, max = 0},
                                      per_replica = true}
  local integ = glass.langevin{lr = lr, T = temp}
  -- In two pieces, as glass.drive does: the observer keeps its place.
  ens:run{integrator = integ, to = 300, observers = {obs}}
  ens:run{integrator = integ, to = 1040, observers = {obs}}
  T.eq(obs:next(), nil, "all events handled")
  T.eq(obs:reference_bytes(), 0, "references freed after the last lag")
  local res = obs:results()
  local sum = rows(res.summary)
  T.eq(#sum, 2 * 16)
  for _, r in ipairs(sum) do
    local q = glass.theory.free_q(r.t, {eps = eps, D = D})
    local msd = glass.theory.free_msd(r.t, {D = D})
    T.eq(r.n, R); T.eq(r.n_lost, 0); T.eq(r.eps, eps); T.ok(isnan(r.chi))
    T.near(r.Q_mean, q, 3 * r.Q_sem + 0.002, string.format("Q(tw=%d, t=%d)", r.tw, r.t))
    T.near(r.msd_mean, msd, 3 * r.msd_sem + 0.005 * msd, "MSD")
    T.near(r.alpha2, 0, 3 * r.alpha2_sem + 0.01, "alpha2 (per-replica mean)")
    -- pooled α₂: sd √(8/(3·N·R)) for Gaussian displacements (delta method)
    T.near(r.alpha2_pooled, 0, 3 * math.sqrt(8 / (3 * N * R)) + 0.005, "alpha2_pooled")
  end
  -- χ₄ = N·Var(Q) with the n−1 sample variance, recomputed from the replicas;
  -- alpha2_sem = sd(α₂,r; n − 1)/√n of the per-replica α₂ (the same rule as
  -- Q_sem).  The α₂,r of Gaussian Δw have sd √(8/(3N)) = 0.058 around a mean
  -- near 0, so the engine's one-pass sum of squares cancels nothing: both agree
  -- to rounding, and a relative 1e-12 holds, where the sd itself (no /√n) would
  -- be off by a factor √16 = 4.
  local per = rows(res.replicas)
  local function mean_var(r, field) -- over the replica rows of summary row r
    local xs, m, v = {}, 0, 0
    for _, p in ipairs(per) do if p.tw == r.tw and p.t == r.t then xs[#xs + 1] = p[field] end end
    for _, x in ipairs(xs) do m = m + x end
    m = m / #xs
    for _, x in ipairs(xs) do v = v + (x - m) ^ 2 end
    return m, v / (#xs - 1), #xs
  end
  for _, r in ipairs(sum) do
    local _, v, n = mean_var(r, "Q")
    T.eq(n, R)
    T.near(r.chi4, N * v, 1e-9 * (1 + N * v), "chi4")
    T.near(r.Q_sem, math.sqrt(v / n), 1e-12, "Q_sem")
    local ma, va = mean_var(r, "alpha2")
    T.near(r.alpha2, ma, 1e-12, "alpha2 = mean of the replica rows")
    T.near(r.alpha2_sem, math.sqrt(va / n), 1e-12 * math.sqrt(va / n), "alpha2_sem")
  end
  -- Histogram: nothing dropped; counts add up to N × live replicas.
  local tot = rows(res.histogram_totals)
  T.eq(#tot, #sum)
  local hist = rows(res.histogram)
  for _, h in ipairs(tot) do
    T.eq(h.total, N * h.n); T.eq(h.in_range + h.zeros + h.under + h.over, N * R)
    local s = 0
    for _, b in ipairs(hist) do if b.tw == h.tw and b.t == h.t then s = s + b.count end end
    T.eq(s, h.in_range)
  end
  -- Attaching an observer whose first event has passed is refused.
  local late = glass.observer.two_time{tw = 5, lags = {1}, eps = eps}
  T.raises(function() ens:run{integrator = integ, to = 1100, observers = {late}} end, "step 5")
end)

-- Harmonic well L = (k/2)|w|² from a fixed start w0 (tw = 0): Δw is
-- Gaussian with mean −w0(1−a) and variance s², exactly in the discrete
-- forms a = (1−μk)^t, s² = v_d(1−a²), v_d = (T/(kP))/(1−μk/2).  Same
-- criterion as the flat test.  The continuum Appendix F forms (e^{−kμt})
-- differ by O(μk); printed for information.
T.test("harmonic Langevin from w0: Q and MSD (Appendix F, discrete)", function()
  T.ok(have_dyn, "needs glass.ensemble, glass.landscape, glass.langevin (lgv_dynamics.c)")
  local N, R, P, lr, temp, k, w0, eps = 800, 16, 100, 0.01, 1, 1, 0.3, 0.05
  local land = glass.landscape.harmonic{N = N, k = k, P = P, w0 = w0}
  local ens = glass.ensemble{landscape = land, replicas = R, seed = 5}
  local lags = glass.schedule.log{first = 1, last = 1000, per_decade = 5, zero = true}
  local obs = glass.observer.two_time{tw = 0, lags = lags, eps = eps, per_layer = true}
  local sc = glass.observer.scalar{at = lags}
  ens:run{integrator = glass.langevin{lr = lr, T = temp}, to = 1000, observers = {obs, sc}}
  local p = {lr = lr, T = temp, P = P, k = k, w0 = w0, discrete = true}
  local pc = {lr = lr, T = temp, P = P, k = k, w0 = w0, eps = eps}
  local sum, sc_rows = rows(obs:results().summary), rows(sc:results().summary)
  local layers = rows(obs:table("layers"))
  T.eq(#sum, #lags); T.eq(#sc_rows, #lags); T.eq(#layers, #lags)
  local gap = 0
  for i, r in ipairs(sum) do
    p.eps = eps
    local q = glass.theory.harmonic_q(r.t, p)
    p.eps = nil
    local msd = glass.theory.harmonic_msd(r.t, p)
    T.near(r.Q_mean, q, 3 * (r.Q_sem == r.Q_sem and r.Q_sem or 0) + 0.002, "Q at t=" .. r.t)
    T.near(r.msd_mean, msd, 3 * (r.msd_sem == r.msd_sem and r.msd_sem or 0) + 0.005 * msd, "MSD at t=" .. r.t)
    gap = math.max(gap, math.abs(glass.theory.harmonic_q(r.t, pc) - q))
    -- one group for a null model: the layer row equals the summary row
    T.eq(layers[i].layer, 1); T.eq(layers[i].n_weights, N); T.eq(layers[i].Q_mean, r.Q_mean)
    -- scalar observer on the same steps: loss = (k/2)|w|² = (k/2)·N·w2
    local s = sc_rows[i]
    T.eq(s.step, r.t); T.eq(s.n, R)
    T.near(s.loss_mean, 0.5 * k * N * s.w2_mean, 1e-9 * N, "loss vs w2")
    T.ok(isnan(s.accuracy_mean), "no accuracy on a null model")
  end
  io.stderr:write(string.format("  harmonic: largest |Q continuum - Q discrete| = %.2g\n", gap))
end)

-- τ90 on the flat landscape: Q = erf(ε/√(4Dt)) = 0.9 at τ90 = ε²/(4D·erfinv(0.9)²)
-- = 18.5/T steps here, so τ90 ∝ 1/T exactly.  Measured with dense log lags
-- (20/decade) and interpolation in log t; the statistical error of each τ is
-- δQ/|dQ/dln t| ≈ 0.004/0.17 ≈ 2.5% (N·R = 3200 weights), so the fitted slope
-- over three decades has sd ≈ 0.008; the test asks −1 ± 0.05.
T.test("flat: tau90 scales as 1/T over three decades", function()
  T.ok(have_dyn, "needs glass.ensemble, glass.landscape, glass.langevin (lgv_dynamics.c)")
  T.ok(glass.analysis and glass.analysis.tau90 and glass.analysis.powerlaw_fit, "needs glass.analysis")
  local N, R, P, lr, eps = 400, 8, 100, 0.01, 0.1
  local temps, taus = {1, 0.1, 0.01, 0.001}, {}
  for i, temp in ipairs(temps) do
    local expect = eps ^ 2 / (4 * (lr * temp / P) * 1.1630871536766743 ^ 2)
    local last = math.ceil(2 * expect)
    local ens = glass.ensemble{landscape = glass.landscape.flat{N = N, P = P}, replicas = R, seed = 10 + i}
    local obs = glass.observer.two_time{tw = 0, lags = {last = last, per_decade = 20}, eps = eps}
    ens:run{integrator = glass.langevin{lr = lr, T = temp}, to = last, observers = {obs}}
    local s = obs:results().summary
    local tau = glass.analysis.tau90(s:column("t"), s:column("Q_mean"), {method = "interp"})
    T.ok(tau, "tau90 reached at T=" .. temp)
    T.near(tau / expect, 1, 0.1, "tau90 at T=" .. temp)
    taus[i] = tau
  end
  local fit = glass.analysis.powerlaw_fit(temps, taus)
  io.stderr:write(string.format("  tau90 ~ T^%.4f (se %.4f)\n", fit.exponent, fit.exponent_se))
  T.near(fit.exponent, -1, 0.05, "tau90 exponent")
end)

T.test("obs:empty() rebuilds the options; glass.mpi.gather_observer needs no make", function()
  T.ok(have_dyn, "needs glass.ensemble, glass.landscape, glass.langevin (lgv_dynamics.c)")
  local land = glass.landscape.harmonic{N = 50, k = 1, P = 10, w0 = 0.3}
  local ens = glass.ensemble{landscape = land, replicas = 3, seed = 7}
  local lags = glass.schedule.log{first = 1, last = 100, per_decade = 4}
  local obs = glass.observer.two_time{tw = {0, 10}, lags = lags, chi = {2}}
  local sc = glass.observer.scalar{at = {5, 50}, lambda = 0.01}
  ens:run{integrator = glass.langevin{lr = 0.01, T = 0.1}, to = 110, observers = {obs, sc}}
  for _, o in ipairs({obs, sc}) do
    local e = o:empty()
    T.eq(e:kind(), o:kind())
    local function conf(x) return (tostring(x):gsub("; [^;]*measured.*$", "")) end
    T.eq(conf(e), conf(o))                    -- the same configuration, described alike
    T.eq(e:next(), o == obs and 0 or 5)       -- and nothing measured yet
    local function csv(t)   -- every column, every value to 17 digits
      local out = {}
      for _, name in ipairs(t:columns()) do
        out[#out + 1] = name
        for _, v in ipairs(t:column(name)) do out[#out + 1] = string.format("%.17g", v) end
      end
      return table.concat(out, ",")
    end
    -- One rank: the gathered copy (built from obs's own options) reads the same.
    local g = glass.mpi.gather_observer(o)
    T.eq(csv(g:table("summary")), csv(o:table("summary")))
    T.eq(csv(glass.mpi.allgather_observer(o):table("summary")), csv(o:table("summary")))
  end
  ens:close()
end)

T.done()
