-- test_mlp.lua: glass.mlp (glass.MLP) and glass.rng from Lua.
local T = dofile("testlib.lua")

T.test("constructor forms and shape", function()
  local a = glass.mlp{ d = 10, width = 30, depth = 6 }
  local b = glass.mlp{ d = 10, widths = { 30, 30, 30, 30, 30, 30 } }
  T.eq(a:nweights(), 10 * 30 + 5 * 900 + 30)
  T.eq(b:nweights(), a:nweights())
  T.eq(tostring(a), "glass.MLP 10-30x6-1, 4830 weights")
  T.eq(a:d(), 10)
  local c = glass.mlp{ d = 3, widths = { 5, 4 } }
  T.eq(c:describe(), "3-5-4-1")
  local L = c:layers()
  T.eq(#L, 3)
  T.eq(L[1].first, 1); T.eq(L[1].last, 15); T.eq(L[1].out, 5); T.eq(L[1]["in"], 3)
  T.eq(L[2].first, 16); T.eq(L[2].last, 35); T.eq(L[2].offset, 15)
  T.eq(L[3].first, 36); T.eq(L[3].last, 39); T.eq(L[3].out, 1)
  c:close(); c:close() -- idempotent
  T.eq(tostring(c), "glass.MLP (closed)")
  T.raises(function() c:nweights() end, "closed")
end)

T.test("constructor errors name the field", function()
  T.raises(function() glass.mlp{ d = 10, widht = 30, depth = 2 } end, "unknown option 'widht'", "width")
  T.raises(function() glass.mlp{ d = 10, widths = { 30, 0 } } end, "widths[2]")
  T.raises(function() glass.mlp{ d = 0, width = 3, depth = 1 } end, "'d'")
  T.raises(function() glass.mlp{ width = 3, depth = 1 } end, "'d' is required")
  T.raises(function() glass.mlp{ d = 3 } end, "widths")
  T.raises(function() glass.mlp{ d = 3, widths = { 2 }, width = 2, depth = 1 } end, "not both")
  T.raises(function() glass.mlp{ d = 3, width = 0, depth = 1 } end, "'width'")
end)

T.test("init: PyTorch bounds, reproducible per (seed, replica)", function()
  local net = glass.mlp{ d = 10, widths = { 40, 20 } }
  local w = net:init(7)
  T.eq(#w, net:nweights())
  for _, layer in ipairs(net:layers()) do
    local b = 1 / math.sqrt(layer["in"])
    for k = layer.first, layer.last do T.ok(math.abs(w[k]) < b, "bound") end
  end
  local w2, w3 = net:init(7, 0), net:init(7, 1)
  T.eq(w2[100], w[100]); T.ok(w3[100] ~= w[100], "replicas differ")
  T.raises(function() net:init() end, "seed")
  T.raises(function() net:init(1, -1) end, "replica")
end)

-- The hand-computed network of test_gv_mlp.c.
local net = glass.mlp{ d = 2, widths = { 2 } }
local w = { 1, -1, 0.5, 2, 1, -2 }
local data = { X = { { 1, 0.5 }, { -1, 1 }, { 2, 2 } }, y = { 1, -1, 1 } }

T.test("eval on a hand-computed network", function()
  local r = net:eval(w, data, 0.1, { gradient = true })
  T.near(r.data_loss, (0.5 * 3.5 ^ 2 + 0.5 * 11 ^ 2) / 3, 1e-12)
  T.near(r.loss, r.data_loss + 0.05 * 11.25, 1e-12)
  T.near(r.accuracy, 1 / 3, 1e-15); T.near(r.unsat, 2 / 3, 1e-15); T.eq(r.n, 3)
  local g = { -3.5 / 3, -1.75 / 3, 51 / 3, 47.5 / 3, -1.75 / 3, -60.25 / 3 }
  for k = 1, 6 do T.near(r.gradient[k], g[k] + 0.1 * w[k], 1e-6, "gradient " .. k) end
  T.eq(net:eval(w, data).gradient, nil)
  local f = net:forward(w, { X = data.X })
  T.eq(f[1], -2.5); T.eq(f[2], -3); T.eq(f[3], -10)
  -- a minibatch: rows 1 and 3 only (both unsatisfied)
  local m = net:eval(w, data, 0, { rows = { 3, 1 } })
  T.near(m.data_loss, (0.5 * 3.5 ^ 2 + 0.5 * 11 ^ 2) / 2, 1e-12)
end)

T.test("eval errors", function()
  T.raises(function() net:eval({ 1, 2 }, data) end, "2 entries", "6 weights")
  T.raises(function() net:eval(w, { X = { { 1, 2, 3 } }, y = { 1 } }) end, "3 features", "d = 2")
  T.raises(function() net:eval(w, { X = data.X }) end, "labels")
  T.raises(function() net:eval(w, { X = data.X, y = { 1, 0, 1 } }) end, "y[2]")
  T.raises(function() net:eval(w, data, -1) end, "lambda")
  T.raises(function() net:eval(w, data, 0, { grad = true }) end, "unknown option 'grad'")
  T.raises(function() net:eval(w, data, 0, { rows = { 4 } }) end, "rows[1]")
  -- A row whose __len claims 2^62 values (P * d * 4 bytes wrapped to 0: ASan saw a write
  -- past them) is refused, as every table with an __index or __len.
  local huge = setmetatable({ 1, 2 }, { __len = function() return 1 << 62 end })
  T.raises(function() net:forward(w, { X = { huge } }) end,
    "MLP:forward: a list given has a metatable with __index or __len")
  -- Values past float32's range would become inf, as the CSV and IDX loaders refuse them.
  T.raises(function() net:forward(w, { X = { { 1, 1e39 } } }) end,
    "X[1][2] = 1e+39 is not a finite float32 value")
  T.raises(function() net:forward(w, { X = { { 0 / 0, 1 } } }) end, "X[1][1]")
end)

T.test("eval and forward: a metamethod that would close the network or the data", function()
  -- A table's __len or __index would run Lua while the binding reads it, and could close
  -- the network or the dataset under it: such tables are refused, nothing runs.
  local FIX = os.getenv("GV_TEST_DATA") or "../data"
  local n3 = glass.mlp{ d = 3, widths = { 2 } }
  local w3 = n3:init(1)
  local ds = glass.data.csv{ path = FIX .. "/tiny.csv" }
  local closing_w = setmetatable({ table.unpack(w3) }, { __len = function() ds:close(); return #w3 end })
  T.raises(function() n3:forward(closing_w, ds) end, "has a metatable with __index or __len")
  -- A data table's __len that would close the network.
  local closing_X = setmetatable({ { 1, 2, 3 } }, { __len = function() n3:close(); return 1 end })
  T.raises(function() n3:forward(w3, { X = closing_X }) end, "has a metatable with __index or __len")
  local n4 = glass.mlp{ d = 2, widths = { 2 } }
  local opts = setmetatable({}, { __index = function() n4:close() end })
  T.raises(function() n4:eval(w, data, 0, opts) end, "has a metatable with __index or __len")
  local n5 = glass.mlp{ d = 2, widths = { 2 } }
  T.raises(function() n5:eval(w, data, 0, { rows = setmetatable({ 1 }, { __len = function() n5:close(); return 1 end }) }) end,
    "has a metatable with __index or __len")
  T.eq(#n3:forward(w3, ds), select(1, ds:size()), "the network and the data are open: nothing ran")
end)

T.test("gradient matches finite differences (d=4, 6x3 ReLU)", function()
  local n2 = glass.mlp{ d = 4, width = 3, depth = 2 }
  local X, y = {}, {}
  local z = glass.rng.normal{ seed = 3, n = 4 * 30 }
  for i = 1, 30 do
    X[i] = { z[4 * i - 3], z[4 * i - 2], z[4 * i - 1], z[4 * i] }
    y[i] = (i % 2 == 0) and 1 or -1
  end
  local d2 = { X = X, y = y }
  local w2 = n2:init(5)
  local r = n2:eval(w2, d2, 0.01, { gradient = true })
  -- float32 activations: loss rounding ~1e-7, h = 1e-3 -> FD noise ~1e-4;
  -- tolerance 3e-3 (see test_gv_mlp.c for the argument).
  local h = 1e-3
  for _, k in ipairs({ 1, 7, 13, 20, n2:nweights() }) do
    local wp, wm = { table.unpack(w2) }, { table.unpack(w2) }
    wp[k] = wp[k] + h; wm[k] = wm[k] - h
    local fd = (n2:eval(wp, d2, 0.01).loss - n2:eval(wm, d2, 0.01).loss) / (2 * h)
    T.near(r.gradient[k], fd, 3e-3, "coordinate " .. k)
  end
end)

T.test("glass.rng streams", function()
  local a = glass.rng.normal{ seed = 1, replica = 2, step = 3, n = 10 }
  local b = glass.rng.normal{ seed = 1, replica = 2, step = 3, start = 4, n = 3 }
  T.eq(b[1], a[5]); T.eq(b[3], a[7])      -- chunking invariance
  local c = glass.rng.normal{ seed = 1, replica = 3, step = 3, n = 10 }
  T.ok(c[1] ~= a[1], "replicas differ")
  local u = glass.rng.uniform{ seed = 9, purpose = "noise", n = 1000 }
  local s = 0
  for i = 1, #u do T.ok(u[i] >= 0 and u[i] < 1); s = s + u[i] end
  -- mean of 1000 uniforms: SE = 0.0091; 5 SE
  T.near(s / #u, 0.5, 0.046)
  local p = glass.rng.permutation{ seed = 1, n = 50 }
  local seen = {}
  for i = 1, 50 do T.ok(p[i] >= 1 and p[i] <= 50 and not seen[p[i]]); seen[p[i]] = true end
  -- init weights come from purpose "init": weight k = b (2u - 1)
  local n1 = glass.mlp{ d = 4, widths = { 3 } }
  local w1 = n1:init(11, 2)
  local u1 = glass.rng.uniform{ seed = 11, replica = 2, purpose = "init", n = 1 }
  T.near(w1[1], (2 * u1[1] - 1) / 2, 1e-15)
  T.raises(function() glass.rng.normal{ n = 3 } end, "'seed' is required")
  T.raises(function() glass.rng.normal{ seed = 1, n = 3, purpose = "nosie" } end, "unknown purpose")
  -- Purpose 7 is the bootstrap's: resample b of set 1 is floor(5 u) + 1 of
  -- stream (seed, replica 0, "bootstrap", step b - 1), so it can be redrawn.
  local draws = {}
  glass.analysis.bootstrap{ n = 5, B = 2, seed = 3, stat = function(idx)
    draws[#draws + 1] = table.concat(idx, ",") return 0 end }
  for b = 1, 2 do
    local u = glass.rng.uniform{ seed = 3, purpose = "bootstrap", step = b - 1, n = 5 }
    T.eq(table.concat(glass.rng.uniform{ seed = 3, purpose = 7, step = b - 1, n = 5 }, ","),
         table.concat(u, ","), "purpose bootstrap is 7")
    local idx = {}
    for i = 1, 5 do idx[i] = math.floor(u[i] * 5) + 1 end
    T.eq(draws[b + 1], table.concat(idx, ","), "bootstrap resample " .. b)   -- draws[1]: the estimate
  end
  T.raises(function() glass.rng.normal{ seed = 1, n = -1 } end, "'n'")
  T.raises(function() glass.rng.permutation{ seed = 1, n = 3, start = 2 } end, "unknown option 'start'")
end)

T.done()
