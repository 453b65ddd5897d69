-- test_checkpoint.lua: glass.checkpoint (src/lgv_ckpt.c) and the Lua helpers
-- (lua/glass/checkpoint.lua): a run saved mid-way and resumed in fresh
-- objects ends bit for bit where the uninterrupted run ends; bad files and
-- failed writes are refused with clear messages and lose nothing.
local T = dofile("testlib.lua")
local C = require "glass.checkpoint"

-- A scratch directory for this test's files.
local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))
local function file(name) return dir .. "/" .. name end


-- ---- state encoding ------------------------------------------------------------

-- Same value and same representation: integers stay integers, -0.0 keeps its sign.
local function identical(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    if math.type(a) ~= math.type(b) then return false end
    if a ~= a then return b ~= b end
    return a == b and string.format("%a", a) == string.format("%a", b)
  end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not identical(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

T.test("encode/decode: numbers, strings and tables come back exactly", function()
  local v = {
    phase = "anneal", step = 123456789012, T = 1e-6, lr = 0.1, third = 1 / 3,
    tiny = 4.9e-324, neg0 = -0.0, big = 1.7976931348623157e308,
    inf = math.huge, minf = -math.huge, nan = 0 / 0,
    maxi = math.maxinteger, mini = math.mininteger, one = 1.0, yes = true, no = false,
    bytes = "a\0b\255;{}s3:i1;\n\"'", empty = "", list = {1, 2.5, "x", {nested = {deep = {1}}}},
    [1] = "first", [2.5] = "float key", [true] = "bool key",
  }
  local s = C.encode(v)
  T.eq(s:sub(1, 4), "GVS1")
  local back = C.decode(s)
  T.ok(identical(v, back), "round trip")
  T.eq(math.type(back.one), "float")
  T.eq(1 / back.neg0, -math.huge, "-0.0 keeps its sign")
  T.eq(C.encode(back), s, "re-encoding gives the same bytes")
  -- Key order does not depend on insertion order.
  local a, b = {}, {}
  for i = 1, 50 do a["k" .. i] = i end
  for i = 50, 1, -1 do b["k" .. i] = i end
  T.eq(C.encode(a), C.encode(b))
  -- The identical() check itself sees a difference.
  T.ok(not identical({x = 0.0}, {x = -0.0}) and not identical({x = 1}, {x = 1.0}))
end)

T.test("encode refuses what it cannot restore", function()
  T.raises(function() C.encode({f = print}) end, "state.f is a function")
  T.raises(function() C.encode({a = {b = io.stdout}}) end, "state.a.b is a userdata")
  local cyc = {}
  cyc.self = cyc
  T.raises(function() C.encode(cyc) end, "state.self refers back")
  T.raises(function() C.encode(setmetatable({}, {})) end, "has a metatable")
  T.raises(function() C.encode({[{}] = 1}) end, "has a table key")
  local deep = {}
  local t = deep
  for _ = 1, 100 do t.x = {}; t = t.x end
  T.raises(function() C.encode(deep) end, "nested more than")
end)

T.test("decode parses, never runs, and refuses damage", function()
  T.raises(function() C.decode("return os.exit(3)") end, "does not start with \"GVS1\"")
  local s = C.encode({a = 1, b = "hello", c = {1.5, true}})
  -- Every proper prefix is refused (never silently half-read).
  for n = 0, #s - 1 do
    T.raises(function() C.decode(s:sub(1, n)) end, "corrupt state")
  end
  T.raises(function() C.decode(s .. "x") end, "extra bytes")
  T.raises(function() C.decode("GVS1i12x;") end, "bad integer")
  T.raises(function() C.decode("GVS1d1e5;") end, "bad number")
  T.raises(function() C.decode("GVS1s99:abc") end, "runs past the end")
  T.raises(function() C.decode("GVS1{i1;Ti1;F}") end, "appears twice")
  T.raises(function() C.decode("GVS1{{}T}") end, "a table used as a key")
  T.raises(function() C.decode("GVS1" .. string.rep("{i1;", 100)) end, "nested more than")
  -- Random single-byte damage: an error or a value, never a crash.
  local seed = 12345
  for _ = 1, 300 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local k = seed % #s + 1
    local d = s:sub(1, k - 1) .. string.char(seed // 7 % 256) .. s:sub(k + 1)
    pcall(C.decode, d)
  end
end)

T.test("differences name every changed parameter", function()
  local saved = {T = 1e-6, tw = {100, 1000}, width = 30, name = "x", out = "a"}
  local now = {T = 2e-6, tw = {100, 2000}, width = 30, name = "x", out = "b", extra = true}
  local d = C.differences(saved, now, {ignore = {"out"}})
  T.eq(#d, 3)
  T.eq(d[1], "T: checkpoint 1e-06, now 2e-06")
  T.eq(d[2], "extra: not in the checkpoint, now true")
  T.eq(d[3], "tw: checkpoint {100, 1000}, now {100, 2000}")
  T.eq(#C.differences(saved, saved), 0)
  T.eq(#C.differences({x = 0 / 0}, {x = 0 / 0}), 0, "nan equals nan")
  T.eq(#C.differences({x = 0.1}, {x = 0.1 + 1e-18}), 0, "rounds to the same double")
  T.eq(#C.differences({x = 0.1}, {x = 0.10000000000000002}), 1, "one ulp is a difference")
end)

-- ---- bit-for-bit resumption ------------------------------------------------------

-- A small learnable dataset as CSV (no MNIST needed): 5 features, class
-- 0..9 from a rule, binarised by parity.
local function small_data()
  local path = file("data.csv")
  local lines = {"label,x1,x2,x3,x4,x5"}
  local seed = 7
  local function u()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648 * 2 - 1
  end
  for _ = 1, 256 do
    local x = {u(), u(), u(), u(), u()}
    local c = math.floor((x[1] * x[2] + 0.5 * x[3] + 1.5) * 10 / 3) % 10
    lines[#lines + 1] = string.format("%d,%.6f,%.6f,%.6f,%.6f,%.6f", c, x[1], x[2], x[3], x[4], x[5])
  end
  T.write(path, table.concat(lines, "\n") .. "\n")
  local d = glass.data.csv{path = path}
  d:binarize("parity")
  return d
end

local data
local function landscape(kind)
  if kind == "flat" then return glass.landscape.flat{N = 40, P = 50, w0 = 1} end
  data = data or small_data()
  local net = glass.mlp{d = 5, widths = {8, 8}}
  return glass.landscape.network{net = net, data = data}, net
end

local function integrator(kind)
  if kind == "langevin" then return glass.langevin{lr = 0.05, T = 1e-3, lambda = 1e-2} end
  return glass.sgd{lr = 0.05, batch = 32, lambda = 1e-2}
end

local END = 150
local function observers(per_layer)
  local tt = glass.observer.two_time{
    tw = {5, 20}, lags = glass.schedule.log{first = 1, last = 100, per_decade = 5, zero = true},
    chi = {1, 3}, eps = {1e-3}, histogram = {bins = 12, min = -8, max = 1},
    per_layer = per_layer, per_replica = true}
  local sc = glass.observer.scalar{at = {0, 3, 17, 40, 41, 99, END}, lambda = 1e-2, per_replica = true}
  return tt, sc
end

-- Every table an observer can give, as {name = {column = values}}.
local function all_results(obs, names)
  local out = {}
  for _, name in ipairs(names) do
    local t = obs:table(name)
    local cols = {}
    for _, c in ipairs(t:columns()) do cols[c] = t:column(c) end
    out[name] = {nrows = t:nrows(), cols = cols}
  end
  return out
end

local TT_TABLES = {"summary", "replicas", "histogram", "histogram_totals"}
local SC_TABLES = {"summary", "replicas"}

local function results(ens, tt, sc, per_layer)
  local names = {table.unpack(TT_TABLES)}
  if per_layer then names[#names + 1] = "layers" end
  local w = {}
  for r = 1, ens:size() do w[r] = ens:weights(r) end
  return {tt = all_results(tt, names), sc = all_results(sc, SC_TABLES), w = w, step = ens:step(),
          lost = ens:lost()}
end

-- The first difference between two results (bitwise on numbers), or nil.
local function first_difference(a, b, path)
  path = path or "results"
  if type(a) ~= type(b) then return path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) == "number" then
    if string.format("%a", a) ~= string.format("%a", b) and not (a ~= a and b ~= b) then
      return string.format("%s: %.17g vs %.17g", path, a, b)
    end
    return nil
  end
  if type(a) ~= "table" then return a ~= b and (path .. ": " .. tostring(a) .. " vs " .. tostring(b)) or nil end
  for k, v in pairs(a) do
    local d = first_difference(v, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k in pairs(b) do if a[k] == nil then return path .. "." .. tostring(k) .. ": missing" end end
  return nil
end

local function roundtrip(land_kind, integ_kind)
  local per_layer = land_kind == "network"
  local land = landscape(land_kind)
  local it = integrator(integ_kind)
  local path = file("rt-" .. land_kind .. "-" .. integ_kind .. ".gvckpt")
  local SAVE = 37 -- t_w = 5: lags 1..32 measured, 40.. not; t_w = 20: up to 16 of 100
  -- A: run to SAVE, checkpoint, go on to END.
  -- The flat landscape starts every weight at w0: give the replicas
  -- different starts so that they differ.
  local init
  if land_kind == "flat" then
    init = {}
    for r = 1, 4 do
      init[r] = {}
      for i = 1, land:nweights() do init[r][i] = math.sin(r * 100 + i) end
    end
  end
  local ens = glass.ensemble{landscape = land, replicas = 4, seed = 11, first_replica = 3, init = init}
  local tt, sc = observers(per_layer)
  ens:run{integrator = it, to = 12, observers = {tt, sc}}
  if land_kind == "network" then
    -- Replica 2 diverges at step 12: its lost status must survive the checkpoint.
    local huge = {}
    for i = 1, ens:nweights() do huge[i] = 1e200 end
    ens:set_weights(2, huge)
  end
  ens:run{integrator = it, to = SAVE, observers = {tt, sc}}
  T.ok(tt:next() > SAVE and tt:next() < END, "the checkpoint falls between lags")
  C.save(path, {ensembles = {main = ens}, observers = {tt = tt, sc = sc},
                state = {phase = "measure", step = SAVE}})
  ens:run{integrator = it, to = END, observers = {tt, sc}}
  local A = results(ens, tt, sc, per_layer)
  if land_kind == "network" then T.eq(#A.lost, 1, "replica 2 is lost") end
  -- B: fresh objects from the checkpoint, on to END.
  local ck = C.load(path)
  T.eq(C.state(ck).step, SAVE)
  local ens2 = ck:ensemble("main", land)
  T.eq(ens2:step(), SAVE)
  local tt2, sc2 = observers(per_layer)
  ck:restore_observer("tt", tt2)
  ck:restore_observer("sc", sc2)
  ck:close()
  ens2:run{integrator = it, to = END, observers = {tt2, sc2}}
  local B = results(ens2, tt2, sc2, per_layer)
  T.eq(first_difference(A, B), nil, "resumed run differs from the uninterrupted one")
  T.ok(A.tt.summary.nrows > 10 and A.sc.summary.nrows == 7, "tables are not empty")
  -- The comparison can fail: one weight changed by 2^-40 of itself at the
  -- start (the replica lost in A is lost here too) gives other bits.
  local ens3 = glass.ensemble{landscape = land, replicas = 4, seed = 11, first_replica = 3, init = init}
  local w = ens3:weights(1)
  w[1] = w[1] * (1 + 2 ^ -40)
  ens3:set_weights(1, w)
  local tt3, sc3 = observers(per_layer)
  ens3:run{integrator = it, to = 12, observers = {tt3, sc3}}
  if land_kind == "network" then ens3:set_weights(2, ens:weights(2)) end
  ens3:run{integrator = it, to = END, observers = {tt3, sc3}}
  T.ok(first_difference(A, results(ens3, tt3, sc3, per_layer)) ~= nil, "comparison is sensitive")
  os.remove(path)
  os.remove(path .. ".prev")
end

T.test("resume bit for bit: flat landscape, Langevin", function() roundtrip("flat", "langevin") end)
T.test("resume bit for bit: flat landscape, SGD", function() roundtrip("flat", "sgd") end)
T.test("resume bit for bit: network landscape, Langevin", function() roundtrip("network", "langevin") end)
T.test("resume bit for bit: network landscape, SGD", function() roundtrip("network", "sgd") end)

-- ---- refusing what does not fit ------------------------------------------------------

local function saved_example(path)
  local land = glass.landscape.flat{N = 10, P = 5}
  local ens = glass.ensemble{landscape = land, replicas = 2, seed = 5}
  local tt = glass.observer.two_time{tw = {2}, lags = {1, 2, 4}, chi = {1}}
  local sc = glass.observer.scalar{at = {0, 4}}
  ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 3, observers = {tt, sc}}
  C.save(path, {ensembles = {main = ens}, observers = {tt = tt, sc = sc},
                state = {params = {T = 1, seed = 5}}})
  return land, ens
end

T.test("restoring into objects that differ is refused", function()
  local path = file("mismatch.gvckpt")
  local land = saved_example(path)
  local ck = C.load(path)
  T.ok(tostring(ck):find("ensemble 'main', scalar observer 'sc', two-time observer 'tt', blob 'state'", 1, true))
  T.raises(function() ck:ensemble("main", glass.landscape.flat{N = 11, P = 5}) end, "has N = 11")
  T.raises(function() ck:ensemble("main", glass.landscape.harmonic{N = 10, k = 1, P = 5}) end,
    "saved from a flat landscape", "harmonic")
  T.raises(function() ck:ensemble("other", land) end, "no ensemble named 'other'")
  T.raises(function() ck:ensemble("main") end, "argument 2 must be the glass.Landscape")
  local other = glass.ensemble{landscape = land, replicas = 2, seed = 6}
  T.raises(function() ck:restore_ensemble("main", other) end, "seed=5", "seed=6")
  T.raises(function()
    ck:restore_observer("tt", glass.observer.two_time{tw = {2}, lags = {1, 2, 8}, chi = {1}})
  end, "configuration differs", "lags: checkpoint {1, 2, 4}, this observer {1, 2, 8}")
  T.raises(function()
    ck:restore_observer("tt", glass.observer.two_time{tw = {3}, lags = {1, 2, 4}, chi = {1}})
  end, "waiting times tw: checkpoint {2}, this observer {3}")
  T.raises(function()
    ck:restore_observer("tt", glass.observer.two_time{tw = {2}, lags = {1, 2, 4}, chi = {2}})
  end, "cutoffs: checkpoint {chi=1}, this observer {chi=2}")
  T.raises(function()
    ck:restore_observer("tt", glass.observer.two_time{tw = {2}, lags = {1, 2, 4}, chi = {1}, per_layer = true})
  end, "per_layer is false in the checkpoint")
  T.raises(function() ck:restore_observer("sc", glass.observer.scalar{at = {0, 5}}) end,
    "scalar observer configuration differs")
  T.raises(function() ck:restore_observer("sc", glass.observer.scalar{at = {0, 4}, lambda = 1}) end,
    "lambda 0 in the checkpoint, 1 here")
  T.raises(function() ck:restore_observer("nope", glass.observer.scalar{at = {0, 4}}) end,
    "no observer named 'nope'", "two-time observer 'tt'")
  local used = glass.observer.two_time{tw = {2}, lags = {1, 2, 4}, chi = {1}}
  ck:restore_observer("tt", used)
  T.raises(function() ck:restore_observer("tt", used) end, "freshly built observer")
  ck:close()
  T.raises(function() ck:state() end, "closed")
  T.raises(function() C.save(path, {ensembles = {glass.ensemble{landscape = land}}}) end,
    "ensembles must be named")
  T.raises(function() C.save(path, {observers = {x = 1}}) end, "observers.x must be a glass.Observer")
  T.raises(function() C.save(path, {stat = "x"}) end, "unknown", "stat")
  T.raises(function() C.save(path, {}) end, "nothing to save")
end)

T.test("ck:ensemble: a replaced glass.core.ensemble that closes the checkpoint is refused", function()
  -- ck:ensemble held the checkpoint across the Lua call that builds the ensemble (ASan: a
  -- use after free).
  local path = file("closed_during.gvckpt")
  local land = saved_example(path)
  local ck = C.load(path)
  local core = require "glass.core"
  local real = core.ensemble
  core.ensemble = function(o) ck:close(); collectgarbage(); return real(o) end
  local ok, err = pcall(ck.ensemble, ck, "main", land)
  core.ensemble = real
  T.ok(not ok and tostring(err):find("glass.Checkpoint: the checkpoint has been closed", 1, true),
    tostring(err))
end)

-- The replay journal restores an observer every time a completed segment
-- that uses it is replayed, so an observer that has measured may be
-- restored into again: with {replace = true} its state is replaced (the
-- configuration must still match); without, a fresh one is required.
T.test("restoring into a used observer: replace when the configuration matches", function()
  local land = glass.landscape.flat{N = 10, P = 5}
  local lang = glass.langevin{lr = 0.1, T = 1}
  local function build()
    return glass.observer.two_time{tw = {2}, lags = {1, 2, 4, 8}, chi = {1}, histogram = true,
                                   per_replica = true},
           glass.observer.scalar{at = {0, 4, 9}, per_replica = true}
  end
  -- The saved state: 3 replicas at step 5 (mid-way through both schedules).
  local ens = glass.ensemble{landscape = land, replicas = 3, seed = 5}
  local tt, sc = build()
  ens:run{integrator = lang, to = 5, observers = {tt, sc}}
  local path = file("used.gvckpt")
  C.save(path, {ensembles = {main = ens}, observers = {tt = tt, sc = sc}})
  ens:run{integrator = lang, to = 12, observers = {tt, sc}}
  local want = {tt = all_results(tt, TT_TABLES), sc = all_results(sc, SC_TABLES)}
  -- Used observers (another ensemble: 2 replicas, measured to the end, and
  -- one that has only bound) take the saved state and continue from it.
  local other = glass.ensemble{landscape = land, replicas = 2, seed = 9}
  local ut, us = build()
  other:run{integrator = lang, to = 12, observers = {ut, us}}
  local ck = C.load(path)
  T.raises(function() ck:restore_observer("tt", ut) end, "freshly built observer")
  ck:restore_observer("tt", ut, {replace = true})
  ck:restore_observer("sc", us, {replace = true})
  local e2 = ck:ensemble("main", land)
  e2:run{integrator = lang, to = 12, observers = {ut, us}}
  local got = {tt = all_results(ut, TT_TABLES), sc = all_results(us, SC_TABLES)}
  T.eq(first_difference(want, got), nil, "a used observer restored with replace = true")
  -- Into one whose state is replaced by an unbound one (nothing measured yet).
  local early = glass.ensemble{landscape = land, replicas = 3, seed = 5}
  local ft, fs = build()
  local epath = file("unbound.gvckpt")
  C.save(epath, {observers = {tt = ft, sc = fs}})
  local eck = C.load(epath)
  eck:restore_observer("tt", ut, {replace = true})
  eck:restore_observer("sc", us, {replace = true})
  eck:close()
  T.eq(ut:next(), 2, "the two-time observer starts over")
  T.eq(us:next(), 0, "the scalar observer starts over")
  early:run{integrator = lang, to = 12, observers = {ut, us}}
  got = {tt = all_results(ut, TT_TABLES), sc = all_results(us, SC_TABLES)}
  local fresh_t, fresh_s = build()
  local again = glass.ensemble{landscape = land, replicas = 3, seed = 5}
  again:run{integrator = lang, to = 12, observers = {fresh_t, fresh_s}}
  T.eq(first_difference({tt = all_results(fresh_t, TT_TABLES), sc = all_results(fresh_s, SC_TABLES)},
    got), nil, "replaced by a state that has measured nothing")
  -- Another configuration is refused in one line, and nothing changes.
  local before = all_results(ut, TT_TABLES)
  local wrong = glass.observer.two_time{tw = {2}, lags = {1, 2, 4, 16}, chi = {1}, histogram = true}
  local e3 = glass.ensemble{landscape = land, replicas = 2, seed = 3}
  e3:run{integrator = lang, to = 20, observers = {wrong}}
  local err = T.raises(function() ck:restore_observer("tt", wrong, {replace = true}) end,
    "configuration differs", "lags: checkpoint {1, 2, 4, 8}, this observer {1, 2, 4, 16}")
  T.ok(not err:find("\n", 1, true), "one line: " .. err)
  T.raises(function() ck:restore_observer("sc", ut, {replace = true}) end,
    "not a two-time observer's state", "scalar observer")
  T.eq(first_difference(before, all_results(ut, TT_TABLES)), nil, "a refused restore changes nothing")
  T.raises(function() ck:restore_observer("tt", ut, {replac = true}) end, "unknown option 'replac'")
  ck:close()
  for _, o in ipairs({ens, other, e2, e3, early, again}) do o:close() end
end)

-- obs:empty(): the engine rebuilds the configuration from obs's own bytes
-- (no options kept by the binding); filled with obs's state it reads the same.
T.test("an observer rebuilt from its bytes reads as the original", function()
  local land = glass.landscape.flat{N = 10, P = 5}
  local ens = glass.ensemble{landscape = land, replicas = 3, seed = 5}
  local tt, sc = observers(false)
  ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = END, observers = {tt, sc}}
  local path = file("rebuilt.gvckpt")
  C.save(path, {observers = {tt = tt, sc = sc}})
  local ck = C.load(path)
  for name, o in pairs({tt = tt, sc = sc}) do
    local e = o:empty()
    ck:restore_observer(name, e)
    T.eq(tostring(e), tostring(o))   -- (after the restore: a two-time one says how far it got)
    local names = name == "tt" and TT_TABLES or SC_TABLES
    T.eq(first_difference(all_results(o, names), all_results(e, names)), nil, name)
    e:close()
  end
  ck:close()
  ens:close()
end)

T.test("corrupt, truncated and foreign checkpoints are refused", function()
  local path = file("good.gvckpt")
  local land, ens = saved_example(path)
  local good = T.read(path)
  local bad = file("bad.gvckpt")
  -- One flipped byte anywhere after the magic: CRC (or the header's own checks).
  for _, k in ipairs({20, 40, #good // 2, #good - 10, #good}) do
    T.write(bad, good:sub(1, k - 1) .. string.char((good:byte(k) + 1) % 256) .. good:sub(k + 1))
    local err = T.raises(function() C.load(bad) end, bad .. ":")
    T.ok(err:find("CRC mismatch", 1, true) or err:find("header promises", 1, true), err)
  end
  T.write(bad, good:sub(1, #good - 1))
  T.raises(function() C.load(bad) end, "truncated checkpoint", "header promises")
  T.write(bad, good:sub(1, 20))
  T.raises(function() C.load(bad) end, "truncated checkpoint")
  T.write(bad, good .. "\n")
  T.raises(function() C.load(bad) end, "trailing bytes")
  T.write(bad, "")
  T.raises(function() C.load(bad) end, "the file is empty")
  T.write(bad, "tw,t,chi,Q_mean\n1,2,3,4\n")
  T.raises(function() C.load(bad) end, "not a glassvm checkpoint", "\"tw,t,chi,Q_mean\"")
  ens:save(bad)
  T.raises(function() C.load(bad) end, "not a glassvm checkpoint", "ensemble file", "glass.load_ensemble")
  T.write(bad, "GVCKPT\0\0" .. string.char(2, 0, 0, 0) .. good:sub(13))
  T.raises(function() C.load(bad) end, "format version 2")
  T.raises(function() C.load(file("missing.gvckpt")) end, "cannot open")
  T.raises(function() C.load(dir) end, "not a regular file")
  -- And the other way round: a checkpoint is not an ensemble file.
  T.raises(function() glass.load_ensemble(path, land) end, "not a glassvm ensemble file")
end)

T.test("a failed write keeps the previous checkpoint", function()
  local path = file("keep.gvckpt")
  local land, ens = saved_example(path)
  local before = T.read(path)
  ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 10}
  -- The temporary name is taken by a directory: the write cannot start.
  assert(os.execute("mkdir -p '" .. path .. ".tmp'"))
  T.raises(function() C.save(path, {ensembles = {main = ens}}) end,
    "cannot create the temporary file", "previous file, if any, is unchanged")
  assert(os.execute("rmdir '" .. path .. ".tmp'"))
  T.eq(T.read(path), before)
  -- The disk fills up mid-write (/dev/full): the error says so, path is untouched.
  if os.execute("test -w /dev/full") then
    assert(os.execute("ln -s /dev/full '" .. path .. ".tmp'"))
    T.raises(function() C.save(path, {ensembles = {main = ens}}) end, "cannot write", "No space left")
    T.ok(not C.exists(path .. ".tmp"), "the temporary file is removed")
    T.eq(T.read(path), before)
  end
  -- The previous checkpoint still loads and restores.
  local ck = C.load(path)
  T.eq(ck:ensemble("main", land):step(), 3)
  -- A successful write keeps the generation before as .prev.
  C.save(path, {ensembles = {main = ens}})
  T.eq(T.read(path .. ".prev"), before)
  T.eq(C.load(path):ensemble("main", land):step(), 10)
  C.save(path, {ensembles = {main = ens}, keep_previous = false})
  T.eq(T.read(path .. ".prev"), before, "keep_previous=false leaves .prev alone")
end)

T.test("resume: none, same parameters, different parameters, corrupt newest", function()
  local path = file("resume.gvckpt")
  T.eq(C.resume(path, {T = 1}), nil, "no checkpoint: a fresh run")
  saved_example(path)
  local ck, state = C.resume(path, {T = 1, seed = 5, out = "x"}, {ignore = {"out"}})
  T.ok(ck ~= nil and state.params.T == 1)
  T.raises(function() C.resume(path, {T = 2, seed = 6}) end,
    "refusing to resume from " .. path, "T: checkpoint 1, now 2", "seed: checkpoint 5, now 6",
    "choose another --out")
  -- Newest damaged, .prev good: resume from .prev and say why.
  saved_example(path) -- now path.prev exists too
  local good = T.read(path)
  T.write(path, good:sub(1, 100))
  local told
  ck = C.resume(path, {T = 1, seed = 5}, {log = function(m) told = m end})
  T.eq(ck:path(), path .. ".prev")
  T.ok(told and told:find("truncated checkpoint", 1, true) and told:find("previous checkpoint", 1, true), told)
  T.write(path .. ".prev", "junk")
  T.raises(function() C.resume(path, {T = 1, seed = 5}) end, "cannot resume", "truncated",
    "the previous checkpoint is refused too", "Delete the checkpoint (and " .. path .. ".prev)")
  -- Without a .prev the advice names no file that is not there.
  os.remove(path .. ".prev")
  local ok, err = pcall(C.resume, path, {T = 1, seed = 5})
  T.ok(not ok and tostring(err):find("Delete the checkpoint to start over", 1, true), tostring(err))
end)

T.test("trigger and STOP file", function()
  local now = 0
  local tr = C.trigger{steps = 100, seconds = 60, clock = function() return now end}
  T.ok(not tr:due(50))
  T.ok(tr:due(100))
  tr:reset(100)
  now = 59
  T.ok(not tr:due(150))
  now = 60
  T.ok(tr:due(150))
  T.ok(not C.stop_requested(dir))
  T.write(file("STOP"), "")
  T.ok(C.stop_requested(dir))
  os.remove(file("STOP"))
  -- A link that leads nowhere is a STOP too: someone made it to stop the run.
  os.execute(string.format("ln -s /no/such/target '%s'", file("STOP")))
  T.ok(C.stop_requested(dir), "a dangling STOP link")
  os.remove(file("STOP"))
  T.ok(not C.stop_requested(dir))
end)

-- A refusal names the line that called the library (here), not the library's
-- own: fn, a closure written on `line` of this file, must raise a message
-- starting "this file:line:" and holding each of the strings given.
local function refused_at(fn, line, ...)
  local ok, err = pcall(fn)
  T.ok(not ok, "expected an error")
  local msg = tostring(err)
  local want = debug.getinfo(fn, "S").short_src .. ":" .. line .. ":"
  T.ok(msg:sub(1, #want) == want, string.format("expected %q at the start of %q", want, msg))
  for _, s in ipairs{...} do T.ok(msg:find(s, 1, true), string.format("%q not in %q", s, msg)) end
  return err
end

T.test("checkpoint and mpi wrappers: refusals name the caller's line", function()
  local path = file("where.gvckpt")
  local L = function() return debug.getinfo(2, "l").currentline end
  refused_at(function() C.save(path, {bogus = 1}) end, L(), "unknown option 'bogus'")
  refused_at(function() C.save(path, {state = {f = print}}) end, L(), "state.f is a function")
  local bad = dir .. "/no/such/dir/c.gvckpt"
  local err = refused_at(function() C.save(bad, {state = {x = 1}}) end, L(), "cannot create")
  T.eq(glass.is_error(err), "EIO", "a glass.Error keeps its status")
  C.save(path, {state = {x = 1}})
  refused_at(function() glass.mpi.restore(path, {}) end, L(), "give replicas")
  refused_at(function() glass.mpi.restore(path, {first = 0}) end, L(), "'count' is required")
  refused_at(function() glass.mpi.restore(path, {replicas = 0}) end, L(), "positive integer")
  refused_at(function() glass.mpi.save(path, {state = {f = print}}) end, L(), "state.f is a function")
  refused_at(function() glass.mpi.save(path, {bogus = 1}) end, L(), "unknown option 'bogus'")
end)

T.test("checkpoint option tables refuse misspelt keys", function()
  local path = file("where.gvckpt")
  local L = function() return debug.getinfo(2, "l").currentline end
  refused_at(function() C.resume(path, {}, {ignroe = {"out"}}) end, L(), "resume: unknown option 'ignroe'")
  refused_at(function() C.differences({}, {}, {ignroe = {}}) end, L(), "differences: unknown option")
  refused_at(function() C.trigger{stesp = 5} end, L(), "trigger: unknown option 'stesp'", "'steps'")
  refused_at(function() glass.mpi.restore(path, {replcas = 2}) end, L(), "restore: unknown option")
  T.eq(C.trigger{steps = 5, start = 10}:due(14), false, "start: counted from step 10")
end)

-- ---- protocol runs: the journal (replay after a crash at any point) ---------------

-- pcall(fn) with glass.drive raising "crash" after `crash` chunks of work
-- (nil: never), as a kill would stop it: nothing is saved beyond the last
-- checkpoint.  chunk: drive in chunks of that many steps (default:
-- ens:run{seconds=}, which runs these toys to each checkpoint at once).
-- Returns pcall's two results and the chunks run.
local function crashing(crash, fn, chunk)
  local chunks, drive = 0, glass.drive
  glass.drive = function(ens, o)
    o.chunk = o.chunk or chunk
    local after = o.after
    o.after = function(c)
      if after then after(c) end
      chunks = chunks + 1
      if crash and chunks >= crash then error("crash", 0) end
    end
    return drive(ens, o)
  end
  local ok, res = pcall(fn)
  glass.drive = drive
  return ok, res, chunks
end

-- A toy protocol with what the real ones do: a segment, clones advanced in
-- two segments with a read between them, an observer, a memo whose
-- ensemble is used after it.  crash, chunk: as for crashing.  edit: the
-- protocol file edited, {warm_T =} (the first segment's temperature) or
-- {lags =} (the observer's).  Returns ok, the results (a flat list of
-- numbers), the live chunks.
local function toy_protocol(out, crash, variant, chunk, edit)
  edit = edit or {}
  local P = glass.params{name = "toy", {"T", 1e-2, "temperature", min = 0}}
  local ok, p = P:try_parse{"--out=" .. out, "--quiet", "--plots=false", "--checkpoint_every=6"}
  assert(ok, p)
  return crashing(crash, function()
    local run = glass.run(p, {protocol = "/nowhere/toy.lua"})
    local lab = glass.lab
    local land = glass.landscape.harmonic{N = 12, k = 1, P = 20}
    local ens = glass.ensemble{landscape = land, replicas = 3, seed = 4}
    local function langevin(T) return glass.langevin{lr = 0.05, T = T} end
    lab.advance(run, ens, langevin(edit.warm_T or p.T), 50, nil, "warm up")
    local results = {}
    for i, T in ipairs({1e-2, 1e-3}) do
      local e = ens:clone()
      local obs = glass.observer.two_time{tw = {65}, lags = edit.lags or {1, 2, 5, 10, 20, 30},
                                          chi = {10}}
      lab.advance(run, e, langevin(T), 65, nil, (variant or "wait ") .. i)
      results[#results + 1] = e:weights(2)[3]          -- read between two segments
      lab.advance(run, e, langevin(T), 100, {obs}, "measure " .. i)
      local s = obs:table("summary")
      for r = 1, s:nrows() do results[#results + 1] = s:row(r).Q_mean end
      e:close()
    end
    local m = run:memo("polish", {ens}, function()
      lab.advance(run, ens, glass.gd{lr = 0.1}, 70, nil, "gd")
      lab.advance(run, ens, glass.gd{lr = 0.01}, ens:step() + 10, nil, "gd/10")
      return {ens:eval(1).loss, ens:eval(3).loss}
    end)
    results[#results + 1], results[#results + 1] = m[1], m[2]
    lab.advance(run, ens, langevin(p.T), 100, nil, "after the memo")   -- from the memo's state
    for r = 1, 3 do
      for _, w in ipairs(ens:weights(r)) do results[#results + 1] = w end
    end
    ens:close()
    run:finish()
    return results
  end, chunk)
end

-- Run protocol(out, crash, nil, 2) again and again, crash = first +
-- attempt % period 2-step chunks into each attempt, until it completes (at
-- most `limit` attempts); its results must then equal ref bit for bit.
-- after_crash() is called after each crash.  Returns the attempts.
local function until_done(protocol, out, ref, first, period, limit, after_crash)
  local attempts = 0
  repeat
    attempts = attempts + 1
    local rok, res = protocol(out, first + attempts % period, nil, 2)
    if rok then
      T.eq(#res, #ref, "result count")
      for i = 1, #ref do
        T.eq(string.format("%a", res[i]), string.format("%a", ref[i]), "value " .. i)
      end
    else
      T.eq(tostring(res), "crash")
      if after_crash then after_crash() end
    end
  until rok or attempts > limit
  return attempts
end

local function count_files(path)
  local h = io.popen("ls '" .. path .. "' 2>/dev/null | wc -l")
  local n = tonumber(h:read("a"))
  h:close()
  return n
end

T.test("journal: a run crashed after every chunk resumes to the same bits", function()
  local a, b = file("toyA"), file("toyB")
  local ok, ref = toy_protocol(a)
  T.ok(ok, tostring(ref))
  T.ok(not C.exists(a .. "/" .. C.FILE) and count_files(a .. "/" .. C.SEGMENTS) == 0,
    "checkpoints are removed at the end")
  -- Chunks end at checkpoints (every 6 steps) and segment ends; crashing
  -- 3 to 6 chunks into each attempt stops it before, between and after them.
  local most = 0
  -- A resumed segment's progress counts its percentage from the segment's
  -- first step (warm up: 0, wait: 50, measure: 65), its rate from the resume.
  local firsts, resumed, new = {warm = 0, wait = 50, measure = 65}, 0, glass.progress.new
  glass.progress.new = function(opts)
    local want = firsts[opts.phase:match("^%a+")]
    if want then
      T.eq(opts.first, want, opts.phase .. ": first step")
      if opts.start > want then resumed = resumed + 1 end
    end
    return new(opts)
  end
  -- (2-step chunks: 3 to 6 of them pass a checkpoint)
  local attempts = until_done(toy_protocol, b, ref, 3, 4, 200, function()
    most = math.max(most, count_files(b .. "/" .. C.SEGMENTS))
  end)
  glass.progress.new = new
  T.ok(resumed > 5, resumed .. " segments resumed mid-way")
  T.ok(attempts > 10 and attempts < 200, attempts .. " attempts")
  -- Segment files stay until COMPLETE (9 at most: every segment's, ensemble
  -- and observers, less the memo's first, which a replay of the memo skips).
  T.ok(most <= 9, "at most " .. most .. " segment files at a time")
end)

T.test("journal: a protocol that replays differently is refused", function()
  local b = file("toyC")
  T.ok(not toy_protocol(b, 25))   -- after "wait 1" completed
  local ok, err = toy_protocol(b, nil, "waiting ")
  T.ok(not ok)
  T.ok(tostring(err):find("does not replay the way it ran", 1, true)
    and tostring(err):find('"wait 1"', 1, true) and tostring(err):find('"waiting 1"', 1, true),
    tostring(err))
  T.ok(not tostring(err):find("traceback"), "a clean message")
end)

-- A resume must not mix dynamics: a segment's integrator is part of what the
-- replay checks (a changed T in a completed segment was restored silently).
-- The refusal says what changed and what to do, and the checkpoint stays
-- good: undoing the edit resumes to the uninterrupted run's bits.
T.test("journal: an edited integrator or observer is refused, and undoing the edit resumes", function()
  local _, ref = toy_protocol(file("toyRef"))
  local b = file("toyT")
  T.ok(not toy_protocol(b, 25))   -- inside "wait 1"; "warm up" completed at T = 1e-2
  local ok, err = toy_protocol(b, nil, nil, nil, {warm_T = 2e-2})
  T.ok(not ok, "a resume with another temperature in a completed segment must fail")
  err = tostring(err)
  for _, s in ipairs({"does not replay the way it ran", 'segment 1 ("warm up")',
      "integrator: checkpoint langevin lr=0.05 T=0.01 lambda=0, now langevin lr=0.05 T=0.02 lambda=0",
      "The checkpoint is intact: restore the protocol as it was", "another --out"}) do
    T.ok(err:find(s, 1, true), s .. " in: " .. err)
  end
  -- An observer built otherwise than the one a segment file holds (a change
  -- of its lags, say): refused in words, without the library's file and line.
  T.ok(not toy_protocol(file("toyL"), 36))   -- after "measure 1" completed
  ok, err = toy_protocol(file("toyL"), nil, nil, nil, {lags = {1, 2, 5, 10, 20}})
  err = tostring(err)
  T.ok(not ok and err:find("configuration differs", 1, true)
    and err:find("The checkpoint is intact", 1, true), err)
  T.ok(not err:find("%.lua:%d+:") and not err:find("lost", 1, true), "no position, not lost: " .. err)
  for _, dir in ipairs({b, file("toyL")}) do
    local rok, res = toy_protocol(dir)
    T.ok(rok, tostring(res))
    for i = 1, #ref do T.eq(string.format("%a", res[i]), string.format("%a", ref[i]), "value " .. i) end
  end
end)

-- A segment file copied over another's (issue 17): the journal knows each
-- segment's label and target, and every segment file records which segment
-- it holds; a file that disagrees is refused, naming it, never restored.
T.test("journal: a segment file at the wrong step or of another segment is refused", function()
  local segs = C.SEGMENTS
  local function seg(b, u) return string.format("%s/%s/segment-%04d.gvckpt", b, segs, u) end
  -- Stopped inside segment 3: segments 1 ("warm up", to 50) and 2 ("wait 1", to 65) are files.
  local b = file("toyWrong")
  T.ok(not toy_protocol(b, 20))
  T.ok(C.exists(seg(b, 1)) and C.exists(seg(b, 2)), "segments 1 and 2 saved")
  T.write(seg(b, 1), T.read(seg(b, 2)))
  local ok, err = toy_protocol(b)
  T.ok(not ok, "a run resumed from a replaced segment file must fail")
  err = tostring(err)
  for _, s in ipairs({seg(b, 1), 'holds segment 2 ("wait 1", to step 65)',
                      'expects segment 1 ("warm up", to step 50)', "another --out"}) do
    T.ok(err:find(s, 1, true), err)
  end
  T.ok(not err:find("\n", 1, true) and not err:find("traceback", 1, true), "one line: " .. err)
  -- Same target step, another segment (two clones each waited to step 65).
  b = file("toyWrong2")
  T.ok(not toy_protocol(b, 28))
  T.ok(C.exists(seg(b, 4)), "segment 4 saved")
  T.write(seg(b, 2), T.read(seg(b, 4)))
  ok, err = toy_protocol(b)
  T.ok(not ok and tostring(err):find('holds segment 4 ("wait 2", to step 65)', 1, true), tostring(err))
  -- A file whose record agrees but whose ensemble is at another step (the
  -- record of segment 1 on an ensemble advanced past its target).
  b = file("toyWrong3")
  T.ok(not toy_protocol(b, 20))
  local ck = C.load(seg(b, 1))
  local land = glass.landscape.harmonic{N = 12, k = 1, P = 20}
  local e = ck:ensemble("ensemble", land)
  local record = ck:state()
  ck:close()
  e:run{integrator = glass.langevin{lr = 0.05, T = 1e-2}, to = 60}
  glass.checkpoint.save(seg(b, 1), {ensembles = {ensemble = e}, state = record, keep_previous = false})
  ok, err = toy_protocol(b)
  T.ok(not ok and tostring(err):find("holds an ensemble at step 60", 1, true)
    and tostring(err):find('segment 1 ("warm up", to step 50) ended at step 50', 1, true), tostring(err))
  -- Untouched, the same run resumes.
  b = file("toyRight")
  T.ok(not toy_protocol(b, 20))
  T.ok(toy_protocol(b))
end)

T.test("journal: a memo must list what it advances and return plain data", function()
  local P = glass.params{name = "toy2", {"T", 1.0, "temperature"}}
  local _, p = P:try_parse{"--out=" .. file("toyD"), "--quiet"}
  local run = glass.run(p, {protocol = "/nowhere/toy2.lua"})
  local land = glass.landscape.flat{N = 4, P = 5}
  local ens = glass.ensemble{landscape = land, replicas = 2}
  T.raises(function()
    run:memo("m1", {}, function()
      glass.lab.advance(run, ens, glass.langevin{lr = 0.1, T = 1}, 5, nil, "x")
      return 1
    end)
  end, 'run:memo "m1"', '(the ensemble advanced in "x", ...)', "neither closes nor lists")
  T.raises(function() run:memo("m2", {}, function() return {f = print} end) end,
    'run:memo "m2"', "is a function")
  T.eq(run:memo("m3", {ens}, function()
    glass.lab.advance(run, ens, glass.langevin{lr = 0.1, T = 1}, 10, nil, "y")
    return {ens:step()}
  end)[1], 10)
  -- The journal leaves the methods alone: their errors name the caller's line.
  T.eq(type(getmetatable(ens).__index), "table")
  T.raises(function() ens:eval(99) end, "test_checkpoint.lua:", "out of range")
  T.raises(function() ens:run{integrator = 3} end, "test_checkpoint.lua:", "option 'integrator'")
  run:finish()
  T.eq(type(getmetatable(ens).__index), "table", "the methods are the bindings' own")
end)

-- A memo's replay skips fn: an object fn changes outside lab.advance (a
-- bare ens:run, set_weights) and that outlives the memo would come back
-- unchanged, so the resumed run would differ silently (issue 17).
T.test("journal: a memo refuses a bare ens:run on an object that outlives it", function()
  local P = glass.params{name = "toy3", {"T", 1.0, "temperature"}}
  local _, p = P:try_parse{"--out=" .. file("toyE"), "--quiet"}
  local run = glass.run(p, {protocol = "/nowhere/toy3.lua"})
  local land = glass.landscape.flat{N = 4, P = 5}
  local lang = glass.langevin{lr = 0.1, T = 1}
  local ens = glass.ensemble{landscape = land, replicas = 2}
  local obs = glass.observer.scalar{at = glass.schedule.linear{first = 1, last = 50, every = 1}}
  local why = "outside lab.advance"
  T.raises(function()
    run:memo("bare", {}, function() ens:run{integrator = lang, steps = 3}; return 1 end)
  end, 'run:memo "bare"', "changed 1 ensemble(s)", why, "lab.advance(run, ...)")
  -- Listing it does not help: there is no file to restore it from.
  T.raises(function()
    run:memo("listed", {ens}, function() ens:run{integrator = lang, steps = 3}; return 1 end)
  end, 'run:memo "listed"', why)
  T.raises(function()
    run:memo("weights", {}, function() ens:set_weights(1, {1, 2, 3, 4}); return 1 end)
  end, 'run:memo "weights"', why)
  -- An observer measured by a bare run, and a clone of a changed ensemble.
  local e2 = glass.ensemble{landscape = land, replicas = 2, seed = 2}
  T.raises(function()
    run:memo("observed", {}, function()
      local tmp = e2:clone()
      tmp:run{integrator = lang, steps = 3, observers = {obs}}
      tmp:close()
      return 1
    end)
  end, 'run:memo "observed"', "changed 1 observer(s)")
  local kept
  T.raises(function()
    run:memo("cloned", {}, function()
      local tmp = e2:clone()
      tmp:run{integrator = lang, steps = 3}
      kept = tmp:clone()
      tmp:close()
      return 1
    end)
  end, 'run:memo "cloned"', "changed 1 ensemble(s)")
  kept:close()
  -- Nested memos: inside the inner one, a copy of what the outer one changed
  -- is a change too; what the outer one changed and closes is not the inner's.
  T.raises(function()
    run:memo("outer", {}, function()
      local tmp = e2:clone()
      tmp:run{integrator = lang, steps = 3}
      local ok, err = pcall(run.memo, run, "inner", {}, function() kept = tmp:clone(); return 1 end)
      tmp:close()
      if not ok then error(err, 0) end
      return 1
    end)
  end, 'run:memo "inner"', "changed 1 ensemble(s)")
  kept:close()
  T.eq(run:memo("outer2", {}, function()
    local tmp = e2:clone()
    tmp:run{integrator = lang, steps = 3}
    local r = run:memo("inner2", {}, function() return tmp:step() end)
    tmp:close()
    return r
  end), e2:step() + 3)
  -- Allowed: objects built and closed inside, a bare run that a segment
  -- inside the memo then saves, and runs outside any memo.  (A dropped one
  -- must be closed too: whether it was collected is not known for sure.)
  T.raises(function()
    run:memo("dropped", {}, function()
      local a = e2:clone()
      a:run{integrator = lang, steps = 3}
      return 1
    end)
  end, 'run:memo "dropped"', "changed 1 ensemble(s)", "build and close them inside the memo")
  T.eq(run:memo("inside", {}, function()
    local a, b = e2:clone(), e2:clone()
    a:run{integrator = lang, steps = 3}
    b:run{integrator = lang, steps = 3}
    local s = a:step()
    a:close()
    b:close()
    return s
  end), e2:step() + 3)
  T.eq(run:memo("saved", {e2}, function()
    e2:run{integrator = lang, steps = 3}
    glass.lab.advance(run, e2, lang, e2:step() + 2, nil, "after a bare run")
    return e2:step()
  end), 5)
  e2:run{integrator = lang, steps = 1}
  ens:close(); e2:close()
  run:finish()
end)

-- An observer used by two completed segments with a read between them is
-- restored at each (the replay restores a segment's objects when it reaches
-- it): resumed after a crash at any chunk, the run gives the same bits.
local function two_segment_observer(out, crash, _, chunk)
  local P = glass.params{name = "toy4", {"T", 1e-2, "temperature", min = 0}}
  local ok, p = P:try_parse{"--out=" .. out, "--quiet", "--plots=false", "--checkpoint_every=7"}
  assert(ok, p)
  return crashing(crash, function()
    local run = glass.run(p, {protocol = "/nowhere/toy4.lua"})
    local land = glass.landscape.harmonic{N = 12, k = 1, P = 20}
    local ens = glass.ensemble{landscape = land, replicas = 3, seed = 4}
    local lang = glass.langevin{lr = 0.05, T = p.T}
    local sc = glass.observer.scalar{at = {0, 10, 30, 31, 60, 90}}
    local tt = glass.observer.two_time{tw = {20}, lags = {1, 5, 10, 40, 70}, chi = {10}}
    local results = {}
    glass.lab.advance(run, ens, lang, 40, {sc, tt}, "first")
    for _, v in ipairs(sc:table("summary"):column("loss_mean")) do results[#results + 1] = v end
    glass.lab.advance(run, ens, lang, 95, {sc, tt}, "second")
    for _, t in ipairs({sc:table("summary"), tt:table("summary")}) do
      for _, c in ipairs(t:columns()) do
        for _, v in ipairs(t:column(c)) do results[#results + 1] = v end
      end
    end
    ens:close()
    run:finish()
    return results
  end, chunk)
end

T.test("journal: an observer of two segments, read between them, resumes to the same bits", function()
  local ok, ref = two_segment_observer(file("twoA"))
  T.ok(ok, tostring(ref))
  local attempts = until_done(two_segment_observer, file("twoB"), ref, 2, 3, 100)
  T.ok(attempts > 3 and attempts < 100, attempts .. " attempts")
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
