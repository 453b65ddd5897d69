-- glass.report and what protocols report with it: independent noise per
-- sweep point (and common random numbers as an option), the units lines,
-- the state observer, the T = 0 drift check, the computed conclusions,
-- error bands in plots.  Null models only: no dataset needed.
local T = dofile("testlib.lua")
local report = glass.report

local function decl(extra)
  local spec = {name = "toy", description = "toy", {"T", {1e-3, 1e-4}, "temperatures"},
                {"replicas", 2, "replicas"}, {"lr", 1e-2, "lr"}, {"lambda", 0.0, "lambda"},
                {"tw", 3, "tw"}, {"tmax", 20, "tmax"}, {"per_decade", 4, "lags"}}
  for _, e in ipairs(report.noise_params()) do spec[#spec + 1] = e end
  for _, e in ipairs(extra or {}) do spec[#spec + 1] = e end
  return glass.params(spec)
end

local function parse(args)
  local ok, v = decl():try_parse(args)
  if not ok then error(v, 0) end
  return v
end

T.test("subseed: pinned, distinct per index, non-negative", function()
  -- Pinned: changing the derivation would change every published sweep.
  T.eq(glass.rng.subseed(1, 0), 4710120982686840201)
  local seen = {}
  for k = 0, 200 do
    local s = glass.rng.subseed(12345, k)
    T.ok(s >= 0, "non-negative")
    T.ok(not seen[s], "distinct")
    seen[s] = true
  end
  T.ok(glass.rng.subseed(2, 1) ~= glass.rng.subseed(1, 1), "depends on the seed")
  T.raises(function() glass.rng.subseed(-1, 0) end, "non-negative")
end)

T.test("clone keeps the seed; clone{seed=} replaces it, weights untouched", function()
  local land = glass.landscape.flat{N = 8, P = 10}
  local ens = glass.ensemble{landscape = land, replicas = 2, seed = 7}
  local a, b = ens:clone(), ens:clone{seed = 99}
  T.eq(a:seed(), 7)
  T.eq(b:seed(), 99)
  T.eq(b:weights(2)[3], ens:weights(2)[3], "same weights")
  T.raises(function() ens:clone{sed = 1} end, "sed")
end)

-- Normalised increments (w(t) - w(0)) / sqrt(T) of replica 1 after `steps`
-- Langevin steps on a flat landscape (the noise itself, exactly).
local function increments(p, k, Tk, steps)
  local land = glass.landscape.flat{N = 1000, P = 100}
  local ens = glass.ensemble{landscape = land, replicas = 1, seed = p.seed}
  local e = ens:clone{seed = report.point_seed(p, k)}
  local w0 = e:weights(1)
  e:run{integrator = glass.langevin{lr = p.lr, T = Tk, lambda = 0}, steps = steps}
  local w, out = e:weights(1), {}
  for i = 1, #w do out[i] = (w[i] - w0[i]) / math.sqrt(Tk) end
  return out
end

local function corr(x, y)
  local n, sx, sy, sxx, syy, sxy = #x, 0, 0, 0, 0, 0
  for i = 1, n do
    sx, sy = sx + x[i], sy + y[i]
    sxx, syy, sxy = sxx + x[i] ^ 2, syy + y[i] ^ 2, sxy + x[i] * y[i]
  end
  return (sxy - sx * sy / n) / math.sqrt((sxx - sx ^ 2 / n) * (syy - sy ^ 2 / n))
end

T.test("noise: independent across temperatures by default, common on request", function()
  local p = parse({})
  T.eq(p.noise, "independent", "the default")
  local a, b = increments(p, 1, 1e-3, 5), increments(p, 2, 1e-4, 5)
  -- Independent N(0, 1) streams over 1000 weights: |corr| has s.d. 1/sqrt(1000)
  -- = 0.032; 0.15 is 4.7 s.d. (a false failure has probability ~3e-6).
  T.ok(math.abs(corr(a, b)) < 0.15, "independent streams are uncorrelated: " .. corr(a, b))
  local pc = parse({"--noise=common"})
  local c, d = increments(pc, 1, 1e-3, 5), increments(pc, 2, 1e-4, 5)
  -- The same stream scaled by sqrt(T): equal to rounding (the update adds
  -- sqrt(2 lr T / P) xi to w, so a few ulps of w survive the division).
  for i = 1, #c do T.near(c[i], d[i], 1e-9 * (1 + math.abs(c[i])), "common noise") end
  T.near(corr(c, d), 1, 1e-12, "common random numbers are fully correlated")
  T.ok(report.noise_comment(p, "--T"):find("independent", 1, true))
  T.ok(report.noise_comment(pc, "--T"):find("common random numbers", 1, true))
end)

T.test("units: D = lr T / P and the paper's equivalents", function()
  local u = report.units({lr = 1e-2}, 5000, 1e-3)
  T.near(u.D, 2e-9, 1e-24, "D = lr T / P")
  T.near(u.T_paper, 1.2e-2, 1e-17, "T P0 / P = 12 T")
  T.near(u.steps_per_step, 10, 1e-12, "one step = lr / lr0 paper steps")
  T.near(u.D_ratio, 120, 1e-9, "120x the paper's diffusion per step at equal T")
  T.near(u.T_same_D, 0.12, 1e-12, "equal D per step at T_paper = 120 T")
  local same = report.units({lr = 1e-3}, 60000, 0.1)
  T.near(same.D_ratio, 1, 1e-15, "the paper's own settings map onto themselves")
  T.near(same.T_paper, 0.1, 1e-15)
  local lines = report.units_comments({lr = 1e-2}, 5000, {1e-3, 0})
  T.ok(lines[1]:find("D = lr*T/P = 2e-06*T", 1, true), lines[1])
  T.ok(lines[1]:find("120 x the paper's per step", 1, true), lines[1])
  T.ok(lines[2]:find("T_paper = 12*T", 1, true) and lines[2]:find("10 paper steps", 1, true),
    lines[2])
  T.ok(lines[3]:find("T = 0.001: D = 2e-09, T_paper = 0.012", 1, true), lines[3])
end)

T.test("state observer through lab.anneal: steps, columns, exact values", function()
  local p = parse({"--lambda=0.5"})
  local land = glass.landscape.flat{N = 50, P = 100}
  local ens = glass.ensemble{landscape = land, replicas = 2, seed = 3}
  ens:run{integrator = glass.gd{lr = p.lr, lambda = 0}, steps = 4}   -- "the quench"
  local t0 = ens:step()
  local _, _, sobs = glass.lab.anneal(nil, ens, p, 1e-3, t0, {chi = {300}}, false,
    {seed = report.point_seed(p, 1), state = true})
  local tbl = report.state_table{"T"}
  local rows = report.add_state(tbl, sobs, {T = 1e-3}, function(s) return s - t0 - p.tw end)
  local lags = glass.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade}:steps()
  T.eq(#rows, 2 + #lags, "after the quench, at t_w, then every lag")
  T.eq(rows[1].step, t0)
  T.eq(rows[1].t, -p.tw)
  T.eq(rows[2].t, 0)
  for i, l in ipairs(lags) do T.eq(rows[i + 2].t, l, "lag " .. i) end
  -- After the quench every replica's weights are ens's: loss = (lambda/2)|w|^2.
  local sum = 0
  for r = 1, 2 do
    local w2 = 0
    for _, x in ipairs(ens:weights(r)) do w2 = w2 + x * x end
    sum = sum + 0.5 * p.lambda * w2
  end
  T.near(rows[1].loss, sum / 2, 1e-12 * sum, "loss after the quench")
  T.eq(rows[1].n, 2)
  local want = {"T", "step", "t", "n", "loss", "loss_sem", "data_loss", "data_loss_sem",
                "accuracy", "accuracy_sem", "unsat", "unsat_sem"}
  T.eq(table.concat(tbl:columns(), ","), table.concat(want, ","), "state.csv columns")
end)

T.test("drift check: the line says what the two tau90 say", function()
  local line, kind = report.drift_line(1e-6, 195.3, 196.6)
  T.eq(kind, "drift")
  T.ok(line:find("195.3 vs 196.6", 1, true), line)
  line, kind = report.drift_line(1e-3, 20, 196.6)
  T.eq(kind, "thermal")
  T.ok(line:find("ratio 0.102", 1, true), line)
  T.eq(select(2, report.drift_line(1e-3, 20, nil)), "thermal")
  T.eq(select(2, report.drift_line(1e-3, nil, 20)), "inconclusive")
  -- Either side of the 10% tolerance.
  T.eq(select(2, report.drift_line(1, 109, 100)), "drift")
  T.eq(select(2, report.drift_line(1, 111, 100)), "thermal")
  local s = report.drift_summary{drift = {1e-6, 1e-8}, thermal = {1e-3}}
  T.ok(s:find("T = 1e-06, 1e-08", 1, true) and s:find("thermal decay at T = 0.001", 1, true), s)
end)

T.test("uot_scan's conclusion is computed from the numbers", function()
  -- The issue's case: every width at the trivial 0.5.
  local v = report.uot_verdict{{x = 0.08, y = 0.5, sem = 0}, {x = 0.5, y = 0.5, sem = 1e-4}}
  T.ok(v:find("inconclusive (every width sits at the trivial loss 0.5", 1, true), v)
  v = report.uot_verdict{{x = 0.02, y = 0.3, sem = 0.01}, {x = 0.1, y = 0.1, sem = 0.01},
                         {x = 1.0, y = 0.001, sem = 0.0005}}
  T.ok(v:find("falls by 300 x; below 1% of the narrowest network's from N/P = 1", 1, true), v)
  v = report.uot_verdict{{x = 0.02, y = 0.3, sem = 0.1}, {x = 1.0, y = 0.2, sem = 0.1}}
  T.ok(v:find("inconclusive (the difference 0.1 is within 2 s.e. = 0.28)", 1, true), v)
  v = report.uot_verdict{{x = 0.02, y = 0.3, sem = 0 / 0}, {x = 1.0, y = 0.2, sem = 0 / 0}}
  T.ok(v:find("inconclusive (one initial condition", 1, true), v)
  v = report.uot_verdict{{x = 0.02, y = 0.3, sem = 0.01}, {x = 1.0, y = 0.2, sem = 0.01}}
  T.ok(v:find("falls by 1.5 x, but never below 1%", 1, true), v)
end)

T.test("ttt_scan's conclusion is computed from the numbers", function()
  -- The issue's case: 0.5 at lambda = 0, 1.30 at lambda = 0.1.
  local v = report.ttt_verdict{{lambda = 0, loss = 0.5, sem = 0}, {lambda = 0.1, loss = 1.30,
                                                                    sem = 0.02}}
  T.ok(v:find("inconclusive (not converged: the loss at lambda = 0.1 is 1.3", 1, true), v)
  v = report.ttt_verdict{{lambda = 0, loss = 0.1, sem = 0.01}, {lambda = 0.02, loss = 0.3,
    sem = 0.01}, {lambda = 0.04, loss = 0.5, sem = 1e-4}, {lambda = 0.06, loss = 0.5001, sem = 0}}
  T.ok(v:find("lambda* in (0.02, 0.04]", 1, true), v)
  T.ok(not v:find("every init", 1, true), "no init counts given: " .. v)
  -- A mean within 2 s.e. of 0.5 with one init below it: both are said.
  local pts = {{lambda = 0.015, loss = 0.334, sem = 0.052, n = 3, n_half = 0},
               {lambda = 0.02, loss = 0.467, sem = 0.038, n = 3, n_half = 2},
               {lambda = 0.035, loss = 0.477, sem = 0.023, n = 3, n_half = 2},
               {lambda = 0.04, loss = 0.5001, sem = 0, n = 3, n_half = 3}}
  v = report.ttt_verdict(pts)
  T.ok(v:find("lambda* in (0.015, 0.02]", 1, true), v)
  T.ok(v:find("every init is at 0.5 only from lambda = 0.04 on (2 of 3 at lambda = 0.02)", 1,
    true), v)
  pts[4].n_half = 2
  v = report.ttt_verdict(pts)
  T.ok(v:find("not every init is at 0.5 even at lambda = 0.04 (2 of 3)", 1, true), v)
  v = report.ttt_verdict{{lambda = 0, loss = 0.1, sem = 0.01}, {lambda = 0.02, loss = 0.3,
                                                                 sem = 0.01}}
  T.ok(v:find("never reaches the trivial 0.5 (0.3 at the largest lambda = 0.02)", 1, true), v)
  v = report.ttt_verdict{{lambda = 0, loss = 0.5, sem = 0}, {lambda = 0.05, loss = 0.5, sem = 0}}
  T.ok(v:find("inconclusive (the loss is the trivial 0.5 at every lambda", 1, true), v)
end)

T.test("ageing's conclusion is computed from the numbers", function()
  T.ok(report.ageing_verdict(100, 50, 10000, 200):find("= 4: tau90 grows with t_w", 1, true))
  T.ok(report.ageing_verdict(100, 50, 10000, 52):find("inconclusive", 1, true))
  T.ok(report.ageing_verdict(100, 50, 10000, 20):find("falls with t_w", 1, true))
  T.ok(report.ageing_verdict(100, nil, 10000, 20):find("inconclusive (tau90 missing", 1, true))
end)

T.test("error bands: filledcurves y -/+ err, only with several replicas", function()
  local curves = glass.plot.curves{file = "o.csv", x = "t", y = "Q", by = "T", values = {1, 2}}
  T.eq(#report.bands({replicas = 1}, curves, "Q_sem"), 0, "no band with one replica")
  local b = report.bands({replicas = 3}, curves, "Q_sem")
  T.eq(#b, 2)
  T.eq(b[1].color, curves[1].color, "the curve's colour")
  local series = glass.plot.join(report.bands({replicas = 1}, curves, "Q_sem"), b, curves)
  T.eq(#series, 4, "an empty list joins as nothing")
  local gp = glass.plot.figure{name = "f", series = series}:script()
  T.ok(gp:find('column("Q") : NaN)-column("Q_sem")', 1, true), "lower edge")
  T.ok(gp:find(": NaN)+column(\"Q_sem\")", 1, true), "upper edge")
  T.ok(gp:find("with filledcurves", 1, true) and gp:find("fs transparent solid", 1, true))
  local lh = glass.plot.figure{name = "g", series = {{file = "a.csv", x = "x", y = "y",
    ylow = "lo", yhigh = "hi"}}}:script()
  T.ok(lh:find(':(column("lo")):(column("hi")) with yerrorlines', 1, true), lh)
end)

T.done()
