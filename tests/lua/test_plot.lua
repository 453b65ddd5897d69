-- test_plot.lua: glass.plot's helpers refuse what cannot be a figure, and
-- the scripts they write label what they draw.
local T = dofile("testlib.lua")
local plot = glass.plot

T.test("colors(n): n palette fractions from 0 to 1", function()
  T.eq(#plot.colors(0), 0)
  T.eq(plot.colors(1)[1], 0)
  local c = plot.colors(5)
  T.eq(#c, 5); T.eq(c[1], 0); T.eq(c[3], 0.5); T.eq(c[5], 1)
  T.eq(#plot.colors(3.0), 3)
end)

T.test("colors(n) refuses huge, NaN, negative and fractional counts (no endless loop)", function()
  for _, n in ipairs{1e308, math.huge, 0 / 0, -1, 2.5, plot.MAX_COLORS + 1} do
    T.raises(function() plot.colors(n) end, "glass.plot.colors: n must be a whole number")
  end
  T.raises(function() plot.colors("3") end, "not 3")
  T.raises(function() plot.colors() end, "not nil")
end)

T.test("a log colour bar falls back to plain numbers over less than a decade", function()
  local spec = {name = "pd", cblabel = "loss", logcb = true,
                series = {{file = "g.csv", x = "a", y = "b", z = "c", style = "points"}}}
  local s = plot.figure(spec):script("pngcairo")
  T.ok(s:find("set logscale cb\nset format cb '10^{%L}'", 1, true), "log colour bar")
  -- The range is measured (into a table, drawing nothing) before the first picture.
  local probe = s:find("set table $range\nplot \"g.csv\"", 1, true)
  local check = s:find("if (floor(log10(GPVAL_CB_MAX)) - ceil(log10(GPVAL_CB_MIN)) < 1) "
    .. "{ unset logscale cb; set format cb '%g' }", 1, true)
  local png = s:find("set terminal pngcairo", 1, true)
  T.ok(probe and check and png and probe < check and check < png, "range probe, then the check, then the PNG")
  T.ok(s:find("set output \"pd.png\".suffix\nreplot", 1, true), "the PNG is the probed plot")
  -- Without logcb the script is as before: one plot, then the SVG replot.
  spec.logcb = nil
  T.ok(not plot.figure(spec):script():find("GPVAL_CB", 1, true), "no probe without logcb")
end)

T.test("where {min = a} selects rows at or above a; yfloor lifts values below it", function()
  local s = plot.figure{name = "f", series = {
    {file = "g.csv", x = "a", y = "b", where = {c = {min = 0.499}}, style = "points"},
    {file = "g.csv", x = "a", y = "b", where = {b = 0}, yfloor = 1e-16, style = "points"}}}
    :script("pngcairo")
  T.ok(s:find('((column("c") >= 0.499) ? column("b") : NaN)', 1, true), "the min condition")
  T.ok(s:find('((column("b") == 0) ? (column("b") < 9.9999999999999998e-17 ? '
    .. '9.9999999999999998e-17 : column("b")) : NaN)', 1, true), "zeros drawn at the floor")
end)

T.test("where on a text column compares the cell as text", function()
  local s = plot.figure{name = "f", series = {
    {file = "g.csv", x = "a", y = "b", where = {part = "within", T = 1e-3}}}}:script("pngcairo")
  T.ok(s:find('((abs(column("T")/0.001 - 1) < 1e-9 && strcol("part") eq "within") ? '
    .. 'column("b") : NaN)', 1, true), s)
  T.raises(function() plot.figure{name = "f", series = {{file = "g.csv", x = "a", y = "b",
    where = {part = true}}}} end, "glass.plot.figure f: series 1: where.part must be a number, "
    .. "a text cell or {min =, max =}, got boolean", "test_plot.lua:")
end)

T.test("a tau interval open beyond the lags is drawn to the first or last lag", function()
  local sr = glass.report.tau_bars({replicas = 3, tmax = 3000}, {file = "tau.csv", x = "tw",
                                                                 y = "tau90"})
  T.eq(sr.yclip[1], 1); T.eq(sr.yclip[2], 3000)
  local s = plot.figure{name = "f", series = {sr}}:script("pngcairo")
  T.ok(s:find('(column("tau90_hi") > 3000.0 ? 3000.0 : column("tau90_hi") < 1.0 ? 1.0 : '
    .. 'column("tau90_hi"))', 1, true), s)
  T.ok(s:find('(column("tau90_lo") > 3000.0 ? 3000.0 :', 1, true), s)
end)

T.test("xadd shifts x before xmul scales it (steps from another origin)", function()
  local s = plot.figure{name = "f", series = {
    {file = "g.csv", x = "step", xadd = -50000, xmul = 10, y = "loss"}}}:script("pngcairo")
  T.ok(s:find('((column("step")+-50000.0)*10.0)', 1, true), "x + a, then times c")
end)


T.test("series must be a non-empty list of series, refused at the caller's line", function()
  -- Each used to make a script plotting nothing ("plot NaN"): gnuplot failed at the
  -- run's end, blaming the data, and the run still succeeded.
  local one = {file = "m.csv", x = "t", y = "msd", title = "one"}
  T.raises(function() plot.figure{name = "single", series = one} end, "test_plot.lua:",
    "glass.plot.figure single: series is one series, not a list of them: wrap it in braces",
    "series = {report.tau_bars(...)}")
  T.raises(function() plot.figure{name = "empty", series = {}} end, "test_plot.lua:",
    "glass.plot.figure empty: series is empty: nothing to draw",
    "glass.plot.join(report.bands(p, s, \"Q_sem\"), s)")
  T.raises(function() plot.figure{name = "none"} end, "test_plot.lua:",
    "glass.plot.figure none: series must be a list of series", "got none")
  T.raises(function() plot.figure{name = "str", series = "m.csv"} end, "got string")
  T.raises(function() plot.figure{name = "nested", series = {one, {one, one}}} end,
    "series 2 is itself a list of series: join the lists, series = glass.plot.join(a, b, ...)")
  T.raises(function() plot.figure{name = "bool", series = {one, false}} end,
    "series 2 is a boolean, not a series table")
  T.raises(function() plot.figure{name = "nofile", series = {{x = "t", y = "msd"}}} end,
    "series 1 has neither file = (a CSV's columns) nor fn = (an expression in x)")
  T.raises(function() plot.figure{name = "typo", series = {{fiel = "m.csv", x = "t", y = "Q"}}} end,
    "series 1: unknown option 'fiel' (did you mean 'file'?)")
  -- A list of one series, or a function, is fine.
  T.ok(plot.figure{name = "ok", series = {one}}:script():find('plot "m.csv"', 1, true))
  T.ok(plot.figure{name = "fn", series = {{fn = "0.9"}}}:script():find("plot 0.9 with", 1, true))
end)

T.done()
