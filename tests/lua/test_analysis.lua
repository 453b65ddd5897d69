-- glass.Table, glass.read_csv, glass.csv_comments, glass.analysis.*, glass.theory.*
local T = dofile("testlib.lua")

local tmpdir = os.tmpname()
os.remove(tmpdir)
assert(os.execute("mkdir -p " .. tmpdir))
local function tmp(name) return tmpdir .. "/" .. name end


-- ---- tables ------------------------------------------------------------------

T.test("table: rows by position, by name and as arguments", function()
  local t = glass.table{columns = {"t", "Q"}}
  T.eq(t:nrows(), 0)
  t:add_row{1, 0.5}
  t:add_row{t = 2, Q = 0.25}
  t:add_row(3, 0.125)
  t:add_row{t = 4}                     -- missing names are NaN
  T.eq(#t, 4)
  T.eq(t:ncols(), 2)
  T.eq(table.concat(t:columns(), ","), "t,Q")
  local q = t:column("Q")
  T.eq(q[1], 0.5); T.eq(q[3], 0.125); T.ok(q[4] ~= q[4], "NaN for the missing value")
  T.eq(t:column(1)[2], 2)
  T.eq(t:row(2).Q, 0.25)
  T.ok(tostring(t):find("glass.Table 4 rows x 2 columns", 1, true))
  T.ok(tostring(t):find("0.125", 1, true))
  -- Long names are printed whole, with a space between columns.
  local w = glass.table{columns = {"loss_sem", "data_loss_mean", "a_very_long_column_name"}}
  w:add_row{1, 2, 3}
  T.ok(tostring(w):find(" loss_sem data_loss_mean a_very_long_column_name\n", 1, true), tostring(w))
  -- Rows and columns beyond those shown are counted, the columns named.
  local names = {}
  for j = 1, 10 do names[j] = "c" .. j end
  local wide = glass.table{columns = names}
  for i = 1, 7 do wide:add_row{i, i, i, i, i, i, i, i, i, i} end
  local text = tostring(wide)
  local want = "\n(2 more rows: tbl:row(i) reads one)\n(2 more columns: c9, c10; "
    .. "tbl:column(name) reads one)"
  T.eq(text:sub(-#want), want)
end)

T.test("table: bad rows and columns are errors naming the problem", function()
  local t = glass.table{columns = {"t", "Q"}}
  T.raises(function() t:add_row{1} end, "1 values for 2 columns")
  T.raises(function() t:add_row{1, 2, 3} end, "3 values for 2 columns")
  T.raises(function() t:add_row{[1] = 1, [3] = 3} end, "value 2 (column", "is missing")
  T.raises(function() t:add_row{t = 1, q = 2} end, "no column 'q'", "t, Q")
  T.raises(function() t:add_row{1, "x"} end, "column 'Q'", "must be a number")
  T.raises(function() t:add_row{1, 2, Q = 3} end, "not both")
  T.raises(function() t:column("tau") end, "no column 'tau'")
  T.raises(function() t:row(1) end, "out of range")
  T.raises(function() glass.table{columns = {"t", "t"}} end, "appears twice")
  T.raises(function() glass.table{columns = {}} end, "at least one column")
  T.raises(function() glass.table{colums = {"t"}} end, "unknown option 'colums'", "columns")
  t:close()
  t:close() -- idempotent
  T.raises(function() t:nrows() end, "closed")
  T.ok(tostring(t):find("closed"))
end)

T.test("table: CSV round trip is exact, NaN empty, comments kept", function()
  local t = glass.table{columns = {"t", "Q"}, comments = {"observer: two_time"}}
  local vals = {{0, 1}, {1e-300, 1 / 3}, {3, 0 / 0}, {1e6, 0.1 + 0.2}, {2 ^ 53 + 1.0, -0.0}}
  for _, r in ipairs(vals) do t:add_row(r) end
  local path = tmp("rt.csv")
  t:write_csv(path, {protocol = "test", params = {T = 1e-6, tw = {1000, 4000}, seed = 7},
                     comments = "extra line"})
  local text = T.read(path)
  T.ok(text:find("^# glassvm " .. glass.version .. "\n# protocol: test\n"), text)
  T.ok(text:find("# parameters: T=1e-06 seed=7 tw=1000,4000\n", 1, true), text)
  T.ok(text:find("# seed: 7\n# extra line\n# observer: two_time\nt,Q\n", 1, true), text)
  T.ok(text:find("\n3,\n", 1, true), "NaN is an empty field")
  local u = glass.read_csv(path)
  T.eq(u:nrows(), #vals)
  local tc, qc = u:column("t"), u:column("Q")
  for i, r in ipairs(vals) do
    T.eq(tc[i], r[1], "t row " .. i)
    if r[2] ~= r[2] then T.ok(qc[i] ~= qc[i]) else T.eq(qc[i], r[2], "Q row " .. i) end
  end
  T.eq(1 / qc[5], -math.huge, "negative zero survives")
  T.eq(u:comments()[2], "protocol: test")
  T.eq(#u:comments(), 6)
end)

T.test("csv_comments: standard lines from a params table", function()
  local c = glass.csv_comments{protocol = "ageing", params = {b = "x", a = 1.5, seed = 3}}
  T.eq(c[1], "glassvm " .. glass.version)
  T.eq(c[2], "protocol: ageing")
  T.eq(c[3], "parameters: a=1.5 b=x seed=3")
  T.eq(c[4], "seed: 3")
  T.raises(function() glass.csv_comments{seed = 1.5} end, "seed", "integer")
  T.raises(function() glass.csv_comments{protcol = "x"} end, "unknown option")
end)

T.test("csv_comments: a glass.params result uses its own summary", function()
  if not glass.params then return end -- the protocol library is optional here
  local P = glass.params{name = "demo", {"T", 1e-6, "temperature"}, {"tw", {1000, 4000}, "waits"}}
  local v = P:parse{"--T=0.5", "--out=/tmp/not-a-parameter"}
  local c = glass.csv_comments{protocol = "demo", params = v}
  T.eq(c[3], "parameters: T=0.5 tw=1000,4000 seed=1")
  T.eq(c[4], "seed: 1")
end)

T.test("csv provenance lines (lua/glass/runinfo.lua): refusals name the caller's line", function()
  local t = glass.table{columns = {"x"}}
  t:add_row{1}
  T.raises(function() glass.csv_comments{seed = "7"} end, "test_analysis.lua:",
    "glass.csv_comments: option 'seed' must be an integer, got string")
  T.raises(function() glass.csv_comments{protocol = 1} end, "test_analysis.lua:", "'protocol' must be a string")
  T.raises(function() t:write_csv(tmp("p.csv"), {protocol = "p", comments = {"a", 5}}) end,
    "test_analysis.lua:", "write_csv: comments[2] must be a string")
  T.raises(function() t:write_csv(tmp("p.csv"), {protocl = "p"}) end, "test_analysis.lua:",
    "write_csv: unknown option 'protocl' (did you mean 'protocol'?); valid options: comments, protocol, params, seed")
  T.raises(function() t:write_csv(tmp("p.csv"), {params = 3}) end, "write_csv: option 'params' must be a table")
  T.raises(function() t:write_csv(tmp("p.csv"), {seed = 1, comments = 3}) end,
    "write_csv: option 'comments' must be a string or an array of strings")
  T.raises(function() t:write_csv(tmp("p.csv"), {comments = 3}) end,
    "write_csv: option 'comments' must be a string or an array of strings")
  T.raises(function() t:write_csv(tmp("no/such/dir/p.csv"), {seed = 1}) end, "test_analysis.lua:", "no/such/dir/p.csv")
  T.raises(function() glass.check_options({a = 1}, "f", {"bbb", "ccc"}) end,
    "f: unknown option 'a'; valid options: bbb, ccc")
  T.raises(function() glass.check_options({bb = 1}, "f", {"bbb", "ccc"}) end, "(did you mean 'bbb'?)")
  glass.check_options({ccc = 1}, "f", {"bbb", "ccc"})
  -- A seed alone: the version line, then the seed; the comments after them.
  t:write_csv(tmp("s.csv"), {seed = 5, comments = {"c1", "c2"}})
  T.eq(T.read(tmp("s.csv")), "# glassvm " .. glass.version .. "\n# seed: 5\n# c1\n# c2\nx\n1\n")
  -- No run information: the comments alone.
  t:write_csv(tmp("c.csv"), {comments = "only"})
  T.eq(T.read(tmp("c.csv")), "# only\nx\n1\n")
end)

T.test("write_csv: unwritable paths fail naming the path, leave nothing", function()
  local t = glass.table{columns = {"x"}}
  t:add_row{1}
  T.raises(function() t:write_csv(tmp("no/such/dir/x.csv")) end, tmp("no/such/dir/x.csv"),
    "does the directory exist")
  T.raises(function() t:write_csv("/proc/glassvm-test.csv") end, "/proc/glassvm-test.csv")
  T.raises(function() t:write_csv(tmp("x.csv"), {coments = {}}) end, "unknown option 'coments'")
end)

T.test("read_csv: bad files fail with file, line and column", function()
  local p = tmp("bad.csv")
  T.write(p, "# c\nt,Q\n1,0.5\n2,oops\n")
  T.raises(function() glass.read_csv(p) end, "bad.csv:4:", "column 2 (Q)", "'oops'")
  T.write(p, "t,Q\n1,0.5,9\n")
  T.raises(function() glass.read_csv(p) end, "bad.csv:2:", "3 fields", "2 columns")
  T.write(p, "# nothing\n")
  T.raises(function() glass.read_csv(p) end, "no header row")
  T.raises(function() glass.read_csv(tmp("absent.csv")) end, "absent.csv")
  -- An overflow is refused; inf written as inf reads back.
  T.write(p, "t,Q\n1,1e400\n")
  T.raises(function() glass.read_csv(p) end, "bad.csv:2:", "'1e400' is beyond a double's range")
  T.write(p, "t,Q\n1,inf\n2,-inf\n")
  local q = glass.read_csv(p):column("Q")
  T.ok(q[1] == math.huge and q[2] == -math.huge)
end)

-- A long table as an observer's summary is: two curves (chi = 10, 30), a text column.
local function long_table()
  local t = glass.table{columns = {"chi", "t", "Q_mean", "status"}, comments = "from a test"}
  t:add_row{chi = 10, t = 1, Q_mean = 0.9, status = "ok"}
  t:add_row{chi = 30, t = 1, Q_mean = 0.8, status = "ok"}
  t:add_row{chi = 10, t = 2, Q_mean = 0.7, status = "late"}
  t:add_row{chi = 30, t = 2, Q_mean = 0.6}                 -- status empty
  t:add_row{chi = 10, t = 4, Q_mean = 0.5, status = "ok"}
  return t
end

T.test("table: filter by values and by a function, texts kept", function()
  local t = long_table()
  local f = t:filter{chi = 10}
  T.eq(f:nrows(), 3)
  T.eq(table.concat(f:column("t"), ","), "1.0,2.0,4.0")
  T.eq(table.concat(f:columns(), ","), "chi,t,Q_mean,status")
  T.eq(f:comments()[1], "from a test")
  T.eq(f:row(2).status, "late")
  T.eq(t:filter{chi = 10, status = "ok"}:nrows(), 2)
  T.eq(t:filter{chi = 20}:nrows(), 0)
  local g = t:filter(function(r, i) return r.Q_mean < 0.75 and i > 1 end)
  T.eq(table.concat(g:column("Q_mean"), ","), "0.7,0.6,0.5")
  T.ok(g:row(2).status ~= g:row(2).status, "an empty text cell stays empty")
  T.eq(t:nrows(), 5, "the source is unchanged")
  T.raises(function() t:filter{tau = 1} end, "no column 'tau'", "chi, t, Q_mean, status")
  T.raises(function() t:filter{chi = {}} end, "column 'chi'", "number or a string")
  -- A value of the wrong kind for its column would match nothing, silently.
  T.raises(function() t:filter{chi = "10"} end, "column 'chi' holds numbers, not texts",
    "filter{chi = 10}")
  local err = T.raises(function() t:filter{chi = "ten"} end, "the text 'ten' matches no row")
  T.ok(not err:find("give the number", 1, true), err)
  T.raises(function() t:filter{status = 1} end, "column 'status' holds texts, not numbers",
    'filter{status = "1"}')
  T.eq(t:filter{status = "none"}:nrows(), 0, "a text no cell holds: no rows, no error")
  T.eq(glass.table{columns = {"a"}}:filter{a = "x"}:nrows(), 0, "an empty table: no error")
  local odd = glass.table{columns = {"Q(t)", "e"}}
  odd:add_row{["Q(t)"] = 0.5}
  T.raises(function() odd:filter{["Q(t)"] = "0.5"} end, 'filter{["Q(t)"] = 0.5}')
  T.eq(odd:filter{e = 1}:nrows(), 0, "a column of empty cells alone: no refusal either way")
  T.eq(odd:filter{e = "x"}:nrows(), 0)
  T.raises(function() t:filter(3) end, "filter: give a function")
  T.raises(function() t:filter(function() error("boom", 0) end) end, "boom")
end)

T.test("table: group_by gives one table per value, in order of appearance", function()
  local t = long_table()
  local groups, keys = t:group_by("chi")
  T.eq(#keys, 2); T.eq(keys[1], 10); T.eq(keys[2], 30)
  T.eq(groups[10]:nrows(), 3); T.eq(groups[30]:nrows(), 2)
  local tt, q = groups[30]:column("t"), groups[30]:column("Q_mean")
  T.eq(tt[2], 2); T.eq(q[1], 0.8); T.eq(q[2], 0.6)
  local by_status, st = t:filter{chi = 10}:group_by("status")
  T.eq(table.concat(st, ","), "ok,late")
  T.eq(by_status.ok:nrows(), 2)
  T.raises(function() t:group_by("status") end, "row 4 has no value in column 'status'")
  T.raises(function() t:group_by("x") end, "no column 'x'")
end)

T.test("table: add_column from a constant, an array or a function", function()
  local t = long_table()
  T.eq(t:add_column("T", 1e-3), t, "returns the table")
  t:add_column("eps", {1, 2, 3, 4, 5})
  t:add_column("Q2", function(r, i) return r.Q_mean * r.Q_mean + i end)
  t:add_column("kind", "a")
  t:add_column("note", function(r) return r.chi == 10 and "ten" or nil end)
  T.eq(table.concat(t:columns(), ","), "chi,t,Q_mean,status,T,eps,Q2,kind,note")
  T.eq(t:row(3).T, 1e-3); T.eq(t:row(4).eps, 4); T.eq(t:row(2).Q2, 0.8 * 0.8 + 2)
  T.eq(t:row(5).kind, "a"); T.eq(t:row(1).note, "ten")
  T.ok(t:row(2).note ~= t:row(2).note, "nil is an empty cell")
  t:add_row{chi = 1, t = 8, eps = 6}
  T.eq(t:nrows(), 6); T.eq(t:row(6).eps, 6)
  local path = tmp("added.csv")
  t:write_csv(path)
  T.ok(T.read(path):find("chi,t,Q_mean,status,T,eps,Q2,kind,note\n10,1,0.9,ok,0.001,1,1.81,a,ten\n",
    1, true), T.read(path))
  T.raises(function() t:add_column("chi", 1) end, "already has a column 'chi'")
  T.raises(function() t:add_column("x", {1, 2}) end, "2 values for a table of 6 rows")
  T.raises(function() t:add_column("x", function(_, i) return i > 3 and "s" or i end) end,
    "mix numbers and strings")
  T.raises(function() t:add_column("x", function() error("boom", 0) end) end, "boom")
  T.eq(t:ncols(), 9, "a failed add_column adds nothing")
end)

T.test("table: add_rows maps columns by name, renames, constants, functions", function()
  local s = long_table()
  local out = glass.table{columns = {"T", "t", "Q", "status", "i"}}
  T.eq(out:add_rows(s, {T = 0.5, Q = "Q_mean", i = function(r, i) return 10 * i + r.t end}), out)
  T.eq(out:nrows(), 5)
  T.eq(out:row(3).T, 0.5); T.eq(out:row(3).Q, 0.7); T.eq(out:row(3).status, "late")
  T.eq(out:row(5).i, 54)
  out:add_rows(s:filter{chi = 30}, {T = 1, Q = "Q_mean", i = 0})
  T.eq(out:nrows(), 7); T.eq(out:row(7).Q, 0.6)
  T.raises(function() out:add_rows(s) end, "source has no column 'T'", "map it")
  T.raises(function() out:add_rows(s, {T = 1, Q = "q", i = 0}) end, "no column 'q'")
  T.raises(function() out:add_rows(s, {T = 1, Q = "Q_mean", i = 0, x = 2}) end, "no column 'x'")
  T.raises(function() out:add_rows(s, {T = 1, Q = "Q_mean", i = function(_, i)
    if i == 4 then error("boom", 0) end return i end}) end, "boom")
  T.eq(out:nrows(), 7, "a failed add_rows adds nothing")
end)

T.test("table: add_rows with a function for each of many columns", function()
  -- Each function stayed on the Lua stack without room made: 200 overflowed it.
  local names, map = {}, {}
  for j = 1, 200 do names[j] = "c" .. j; map["c" .. j] = function(r, i) return j + r.a * i end end
  local dst = glass.table{columns = names}
  local src = glass.table{columns = {"a"}}
  for i = 1, 3 do src:add_row{i} end
  dst:add_rows(src, map)
  T.eq(dst:nrows(), 3); T.eq(dst:row(3).c200, 209); T.eq(dst:row(1).c1, 2)
end)

T.test("table: a function that closes or grows the table being read is refused", function()
  -- C holds the table and buffers sized by its columns and rows across the call: growing
  -- or closing it there overflowed them or read freed memory (ASan).
  local function two_cols(n)
    local t = glass.table{columns = {"a", "b"}}
    for i = 1, n do t:add_row{i, 10 * i} end
    return t
  end
  local t = two_cols(3)
  T.raises(function() t:filter(function(_, i) if i == 1 then t:add_column("c", 7) end return true end) end,
    "filter: the function changed the table it filters (added a column)", "after the call returns")
  t = two_cols(40)
  T.raises(function() t:filter(function(_, i) if i == 1 then t:close(); collectgarbage() end return true end) end,
    "filter: the function changed the table it filters (closed it)")
  t = two_cols(2)
  T.raises(function() t:add_column("x", function(_, i)
    if i == 1 then for k = 1, 2000 do t:add_row{k, k} end end return i end) end,
    "add_column: the function changed the table it adds to (added rows)")
  T.eq(t:ncols(), 2, "nothing added")
  local src = glass.table{columns = {"a"}}
  for i = 1, 40 do src:add_row{i} end
  local dst = glass.table{columns = {"a", "b"}}
  T.raises(function() dst:add_rows(src, {b = function(_, i)
    if i == 1 then src:close(); collectgarbage() end return i end}) end,
    "add_rows: the function changed the source table (closed it)")
  src = two_cols(3)
  T.raises(function() dst:add_rows(src, {b = function(_, i)
    if i == 1 then dst:add_column("c", 0) end return i end}) end,
    "add_rows: the function changed the table it adds to (added a column)")
  dst = glass.table{columns = {"a", "b"}}
  T.raises(function() dst:add_rows(src, {b = function(_, i)
    if i == 2 then dst:add_row{1, 2} end return i end}) end,
    "add_rows: the function changed the table it adds to (added rows)")
  T.eq(dst:nrows(), 1, "only the function's own row")
  -- An __index or __len that does the same never runs: such a table is refused.
  t = two_cols(2)
  T.raises(function() t:add_column("x", setmetatable({}, {__len = function() return 2 end,
    __index = function(_, i) if i == 1 then t:close(); collectgarbage() end return i end})) end,
    "add_column: a list given has a metatable with __index or __len")
  T.raises(function() t:add_row(setmetatable({a = 1, b = 2}, {__len = function()
    t:close(); collectgarbage() return 0 end})) end, "add_row: a list given has a metatable with __index or __len")
  T.raises(function() t:add_row(setmetatable({1, 2}, {__len = function()
    t:add_column("c", 0) return 2 end})) end, "add_row: a list given has a metatable with __index or __len")
  T.eq(t:nrows(), 2)
  T.eq(table.concat(t:columns(), ","), "a,b", "nothing ran")
  -- Reading or changing other tables is fine.
  local other = glass.table{columns = {"a"}}
  T.eq(src:filter(function(r) other:add_row{r.a} return true end):nrows(), 3)
  T.eq(other:nrows(), 3)
end)

-- ---- analysis ------------------------------------------------------------------

-- Q = exp(-t/100) on 10 lags per decade.
local function expcurve()
  local t, q = {}, {}
  for i = 0, 60 do t[#t + 1] = 10 ^ (i / 10); q[#q + 1] = math.exp(-t[#t] / 100) end
  return t, q
end

T.test("tau: first lag below, interpolation, ready-made thresholds", function()
  local t, q = expcurve()
  local exact = 100 * math.log(10 / 9)
  local tf, i = glass.analysis.tau90(t, q)
  T.eq(tf, t[i]); T.ok(q[i] < 0.9 and q[i - 1] >= 0.9)
  local ti = glass.analysis.tau90(t, q, {method = "interp"})
  T.near(ti, exact, 0.01 * exact, "interp tau90 within 1% (log-t interpolation on 10/decade)")
  T.near(glass.analysis.tau_e(t, q, {method = "interp"}), 100, 1, "tau_e")
  T.eq(glass.analysis.tau(t, q, 0.9), tf)
end)

T.test("tau: not reached is nil plus a reason, never a number", function()
  local t, q = {1, 10, 100}, {0.99, 0.95, 0.93}
  local tau, why, kind = glass.analysis.tau90(t, q)
  T.eq(tau, nil)
  T.ok(why:find("not reached: Q(t_max)=0.93 > 0.9", 1, true), why)
  T.eq(kind, "not_reached")
  tau, why, kind = glass.analysis.tau90({1, 2, 4, 8}, {0.95, 0.85, 0.7, 0.6}, {min_t = 4})
  T.eq(tau, nil); T.eq(kind, "below_min_t"); T.ok(why:find("min_t=4", 1, true))
  tau, why, kind = glass.analysis.tau90({1, 2}, {0.5, 0.4}, {method = "interp"})
  T.eq(tau, nil); T.eq(kind, "before_first")
  -- The advice fits the first lag: one step cannot be measured earlier.
  T.ok(why:find("so tau < 1 (within one step: a smaller chi or a lower T resolves it)", 1, true), why)
  why = select(2, glass.analysis.tau90({10, 20}, {0.5, 0.4}))
  T.ok(why:find("so tau < 10 (measure earlier lags)", 1, true), why)
  T.raises(function() glass.analysis.tau90({1, 2}, {1}) end, "t has 2 values but q has 1")
  T.raises(function() glass.analysis.tau90({2, 1}, {1, 0.5}) end, "increase strictly")
  -- The engine's messages under the name called.
  T.raises(function() glass.analysis.tau_e({1, 2}, {1, 0.5}, {min_t = -1}) end,
    "tau_e: min_t = -1 must be finite and >= 0")
  T.raises(function() glass.analysis.tau90({1, 2}, {1, 0.5}, {method = "linear"}) end, "interp")
  T.raises(function() glass.analysis.tau90({1, "a"}, {1, 0.5}) end, "tau90: t[2] must be a number")
end)

T.test("powerlaw_fit: exponent, prefactor, error, refusals", function()
  local t, y = {}, {}
  for i = 0, 30 do t[#t + 1] = 10 ^ (i / 6); y[#y + 1] = 2.5 * t[#t] ^ -0.48 end
  local f = glass.analysis.powerlaw_fit(t, y, {t_min = 10, t_max = 1e4})
  T.near(f.exponent, -0.48, 1e-12); T.near(f.prefactor, 2.5, 1e-10)
  T.eq(f.n, 19); T.ok(f.exponent_se < 1e-10 and f.r2 > 1 - 1e-12)
  T.raises(function() glass.analysis.powerlaw_fit(t, y, {t_min = 10, t_max = 20}) end,
    "only 2 points", "at least 3")
  T.raises(function() glass.analysis.powerlaw_fit({1, 2, 3}, {1, 0, 1}) end, "not positive")
  T.raises(function() glass.analysis.powerlaw_fit(t, y, {tmin = 1}) end, "unknown option 'tmin'")
end)

T.test("rescale and q_inf", function()
  local r = glass.analysis.rescale({1, 10, 100}, 10)
  T.eq(r[1], 0.1); T.eq(r[3], 10)
  T.raises(function() glass.analysis.rescale({1}, 0) end, "tau")
  local m, sd, n = glass.analysis.q_inf({1, 0.5, 0.3, 0.2, 0.4})
  T.eq(m, 0.4); T.eq(sd, 0); T.eq(n, 1)
  m, sd, n = glass.analysis.q_inf({1, 0.5, 0.3, 0.2, 0.4}, {last = 3})
  T.near(m, 0.3, 1e-15); T.near(sd, 0.1, 1e-15); T.eq(n, 3)
  T.raises(function() glass.analysis.q_inf({1}, {last = 0}) end, "last")
end)

-- ---- theory ------------------------------------------------------------------

T.test("theory: free weight", function()
  local th = glass.theory
  local D = th.diffusion{lr = 1e-3, T = 0.1, P = 6e4}
  T.near(D, 1e-4 / 6e4, 1e-25)
  T.eq(th.free_q(0, {D = D, eps = 1e-3}), 1)
  local q = th.free_q({1, 1e4, 1e8}, {lr = 1e-3, T = 0.1, P = 6e4, eps = 1e-3})
  T.eq(#q, 3)
  -- erf(x) for x = eps/sqrt(4 D t) at t = 1e8: series sum, independent of C erf.
  local x = 1e-3 / math.sqrt(4 * D * 1e8)
  local s, term = 0, x
  for n = 0, 60 do s = s + term / (2 * n + 1); term = -term * x * x / (n + 1) end
  T.near(q[3], 2 / math.sqrt(math.pi) * s, 1e-12)
  T.near(th.free_msd(1e4, {D = D}), 2 * D * 1e4, 1e-25)
  T.raises(function() th.free_q(1, {D = D, lr = 1, eps = 1}) end, "not both")
  T.raises(function() th.free_q(-1, {D = D, eps = 1}) end, "must be >= 0")
  T.raises(function() th.free_q({1, -2}, {D = D, eps = 1}) end, "t[2]")
  T.raises(function() th.free_q(1, {D = D}) end, "'eps' is required")
end)

T.test("theory: the free weight's tau and erfinv", function()
  local th = glass.theory
  -- erf(erfinv(y)) = y to rounding (tolerance 4 ulp of y: erf's own error and one rounding).
  local erf = function(x) return th.free_q(1, {D = 0.25, eps = x}) end -- erf(x / sqrt(1))
  for _, y in ipairs({1e-12, 0.1, 0.5, 0.9, 1 / math.exp(1), 0.99, 0.999999, -0.3}) do
    local x = th.erfinv(y)
    T.near(y < 0 and -erf(-x) or erf(x), y, 4 * 2.2e-16 * math.abs(y), "erf(erfinv(" .. y .. "))")
  end
  T.eq(th.erfinv(0), 0); T.eq(th.erfinv(1), math.huge)
  -- The tau90 constant as quench_anneal.lua had it: erfinv(0.9) = 1.16308715367667...
  T.eq(th.erfinv(0.9), 1.1630871536766743)
  -- free_tau solves free_q(tau) = q; the formula eps^2 / (4 D erfinv(q)^2).
  local D, eps = 1e-9, 2e-4
  local tau90 = th.free_tau(0.9, {eps = eps, D = D})
  T.eq(tau90, eps * eps / (4 * D * 1.1630871536766743 * 1.1630871536766743))
  T.near(th.free_q(tau90, {eps = eps, D = D}), 0.9, 1e-15)
  T.near(th.free_q(th.free_tau(1 / math.exp(1), {eps = eps, lr = 1e-3, T = 1e-4, P = 5e3}),
    {eps = eps, lr = 1e-3, T = 1e-4, P = 5e3}), 1 / math.exp(1), 1e-15)
  T.eq(th.free_tau(0.9, {eps = eps, D = 0}), math.huge)
  T.raises(function() th.free_tau(1, {eps = eps, D = D}) end, "must be in (0, 1)")
  T.raises(function() th.free_tau(0.9, {D = D}) end, "'eps' is required")
  T.raises(function() th.erfinv(2) end, "must be in [-1, 1]")
end)

T.test("theory: harmonic well", function()
  local th = glass.theory
  local p = {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2}
  T.near(th.stationary_variance(p), 1 / 6000, 1e-18)
  T.near(th.stationary_variance{T = 0.1, P = 6e4, k = 1e-2, lr = 1, discrete = true},
    (1 / 6000) / (1 - 1e-2 / 2), 1e-18)
  local eps, w0 = 5e-3, 0.02
  local o = {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps, w0 = w0}
  local qi = th.harmonic_q_inf{T = 0.1, P = 6e4, k = 1e-2, eps = eps, w0 = w0}
  -- Eq. 22 (checked term by term in test_gv_theory.c) is the t -> infinity curve.
  T.near(th.harmonic_q(1e9, o), qi, 1e-12)
  T.ok(qi > 0 and qi < 1)
  T.near(th.harmonic_msd_inf{T = 0.1, P = 6e4, k = 1e-2, equilibrium = true}, 2 / 6000, 1e-18)
  T.near(th.harmonic_msd_inf{T = 0.1, P = 6e4, k = 1e-2, w0 = w0}, w0 ^ 2 + 1 / 6000, 1e-18)
  -- An array of starts averages the per-weight curves.
  local qa = th.harmonic_q(1e5, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps, w0 = {0.01, 0.03}})
  local q1 = th.harmonic_q(1e5, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps, w0 = 0.01})
  local q3 = th.harmonic_q(1e5, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps, w0 = 0.03})
  T.near(qa, (q1 + q3) / 2, 1e-15)
  -- Discrete and continuum agree to O(lr k) = 1e-5.
  local qd = th.harmonic_q({10, 1e4, 1e6}, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps,
                                            w0 = w0, discrete = true})
  local qc = th.harmonic_q({10, 1e4, 1e6}, o)
  for i = 1, 3 do T.near(qd[i], qc[i], 1e-4) end
  -- lr*k > 1: the discrete decay (1 - lr k)^t flips sign each step, defined at whole t only.
  local flip = {lr = 1, T = 1, P = 1, k = 1.5, eps = 0.1, w0 = 1, discrete = true}
  T.ok(th.harmonic_q({1, 2}, flip)[2] == th.harmonic_q({1, 2}, flip)[2]) -- whole t: a number
  T.raises(function() th.harmonic_q(1.5, flip) end, "t = 1.5 is not a whole number of steps")
  flip.eps = nil
  T.raises(function() th.harmonic_msd({1, 2.5}, flip) end, "t = 2.5 is not a whole number")
  T.near(th.harmonic_q_inf{T = 0.1, P = 6e4, k = 1e-2, eps = eps, equilibrium = true},
    th.harmonic_q(1e9, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps, equilibrium = true}), 1e-12)
  T.raises(function() th.harmonic_q(1, {lr = 1e-3, T = 0.1, P = 6e4, k = 1e-2, eps = eps}) end,
    "give the start")
  T.raises(function() th.harmonic_q(1, {lr = 1e-3, T = 0.1, P = 6e4, k = 0, eps = eps, w0 = 0}) end,
    "k = 0")
  T.raises(function() th.harmonic_q(1, {T = 0.1, P = 6e4, k = 1, eps = eps, w0 = 0}) end, "'lr'")
  T.raises(function() th.harmonic_msd(1, {lr = 1, T = 0.1, P = 6e4, k = 1, eps = 1, w0 = 0}) end,
    "unknown option 'eps'")
end)

os.execute("rm -rf " .. tmpdir)
T.done()
