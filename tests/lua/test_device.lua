-- The device choice from Lua: glass.device, glass.ensemble{device=},
-- ens:device(), --device on every protocol; device "ref" (the GPU algorithm
-- on the CPU) runs observers and checkpoints as "cpu" does.  The GPU itself
-- is tested by tests/test_gv_cuda.c.
local T = dofile("testlib.lua")

-- A build with CUDA refuses "cuda" only for want of a GPU, with another line.
local ok_cuda, err_cuda = pcall(glass.device, "cuda")
local built_with_cuda = ok_cuda or not tostring(err_cuda):find("built without CUDA", 1, true)
glass.device("cpu")

T.test("glass.device: default, set, refused", function()
  T.eq(glass.device(), "cpu")
  T.eq(glass.device("ref"), "ref")
  T.eq(glass.device(), "ref")
  T.eq(glass.device("cpu"), "cpu")
  T.raises(function() glass.device("gpu") end, "device 'gpu' is unknown; devices: cpu")
  if not built_with_cuda then
    local ok, err = pcall(glass.device, "cuda")
    T.ok(not ok)
    T.eq(tostring(err), "glassvm was built without CUDA (cmake -DGV_CUDA=ON)")   -- a glass.Error
  end
  T.eq(glass.device(), "cpu")   -- a refused device changes nothing
end)

T.test("glass.ensemble{device=} and ens:device()", function()
  local land = glass.landscape.harmonic{N = 6, k = 1, P = 100, w0 = 0.5}
  local e = glass.ensemble{landscape = land, replicas = 2, seed = 1}
  T.eq(e:device(), "cpu")
  local r = glass.ensemble{landscape = land, replicas = 2, seed = 1, device = "ref"}
  T.eq(r:device(), "ref")
  T.eq(r:clone():device(), "ref")
  T.raises(function() glass.ensemble{landscape = land, device = "tpu"} end,
    "glass.ensemble: device 'tpu' is unknown")
  if not built_with_cuda then
    T.raises(function() glass.ensemble{landscape = land, device = "cuda"} end,
      "glass.ensemble: glassvm was built without CUDA (cmake -DGV_CUDA=ON)")
  end
  -- The default applies to new ensembles only.
  glass.device("ref")
  T.eq(glass.ensemble{landscape = land}:device(), "ref")
  T.eq(e:device(), "cpu")
  glass.device("cpu")
  T.eq(e:device("ref"), "ref")
  T.raises(function() e:device("x") end, "unknown")
  T.eq(e:device(), "ref")
end)

T.test("device ref: observers see the same weights as on cpu", function()
  -- Null model: ref's arithmetic is the CPU's (bit-identical trajectories),
  -- so a two-time observer's records must be equal, lag by lag; the run is
  -- in two pieces (uploads and downloads around every event).
  local land = glass.landscape.flat{N = 50, P = 200}
  local lv = glass.langevin{lr = 0.01, T = 0.5}
  local res = {}
  for _, dev in ipairs{"cpu", "ref"} do
    local e = glass.ensemble{landscape = land, replicas = 3, seed = 4, device = dev}
    local obs = glass.observer.two_time{tw = {0, 10}, lags = {last = 100, per_decade = 5},
                                        eps = 0.01}
    e:run{integrator = lv, to = 37, observers = {obs}}
    e:run{integrator = lv, to = 110, observers = {obs}}
    local s = obs:results().summary
    res[dev] = {}
    for i = 1, s:nrows() do res[dev][i] = s:row(i) end
  end
  T.ok(#res.cpu > 10)
  T.eq(#res.ref, #res.cpu)
  for i = 1, #res.cpu do
    T.eq(res.ref[i].t, res.cpu[i].t)
    T.eq(res.ref[i].msd_mean, res.cpu[i].msd_mean)
    T.eq(res.ref[i].Q_mean, res.cpu[i].Q_mean)
  end
end)

T.test("--device on every protocol's parameters", function()
  local P = glass.params{name = "toy", {"x", 1, "a number"}}
  local ok, v = P:try_parse({})
  T.ok(ok)
  T.eq(v.device, "cpu")
  ok, v = P:try_parse({"--device=ref"})
  T.ok(ok, tostring(v))
  T.eq(v.device, "ref")
  ok, v = P:try_parse({"--device", "cuda"})
  T.ok(ok, tostring(v))
  T.eq(v.device, "cuda")
  ok, v = P:try_parse({"--device=gpu"})
  T.ok(not ok)
  T.ok(tostring(v):find("device", 1, true), tostring(v))
  -- Saved (and so compared on resume) when not cpu: it changes float32
  -- rounding; cpu, the default, is left out (older outputs keep their bytes).
  local function saved_of(args)
    local _, vals = P:try_parse(args)
    local saved = {}
    for _, kv in ipairs(P:saved(vals)) do saved[kv[1]] = kv[2] end
    return saved
  end
  T.eq(saved_of({"--device=ref"}).device, "ref")
  T.eq(saved_of({"--device=cpu"}).device, nil)
  T.eq(saved_of({}).device, nil)
  T.eq(saved_of({}).x, 1)
end)

T.done()
