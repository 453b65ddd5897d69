-- mpi_ensemble.lua: the script tests/sh/test_mpi.sh runs with glassvm alone
-- and under mpirun with 1, 2 and 3 ranks; every run must write the same bytes.
--
--   glassvm mpi_ensemble.lua DATA.csv OUTDIR MODE
--
-- MODE  data        write the small dataset DATA.csv (run once, without MPI)
--       run         replicas 0..5 from step 0 to END, then the outputs
--       save        to step SAVE, then a checkpoint OUTDIR/ck.gvckpt
--       resume      from OUTDIR/ck.gvckpt to END, then the outputs
--       replace     to SAVE (a checkpoint), read, to END, read, restore the
--                   checkpoint into the used observers (replace = true), read,
--                   to END, then the outputs
--       interrupt   rank 1 (0 alone) sends itself SIGTERM at step >= 40: every
--                   rank stops at one step, the checkpoint is written, exit 0
--       fail        the last rank raises a Lua error after step 40
--       fail_run    the last rank's run fails inside glass.mpi.run
--       close_run   the last rank's ens:run (a replaced method) closes the
--                   ensemble inside glass.mpi.run after step 40
-- Outputs (rank 0): the two-time and scalar observers' tables (tt_*.csv,
-- sc_*.csv), the lost replicas (lost.txt), a sweep over temperatures shared
-- round-robin (sweep.txt), the whole ensemble (ensemble.gvens) and a
-- checkpoint of the end (end.gvckpt).
--
-- Replicas 4 and 5 are made to diverge at step LOSE_AT: with 3 ranks that is
-- every replica of rank 2, which must still run on (partial ensemble).
local glass = require "glass"
local mpi = require "glass.mpi"

local data_path, out, mode = arg[1], arg[2], arg[3]
local R, SEED, LOSE_AT, SAVE, END, CHUNK = 6, 11, 12, 37, 150, 17
local LOST = {4, 5}

if mode == "data" then
  -- 5 features, class 0..9 from a rule, binarised by parity (as test_checkpoint.lua).
  local lines, seed = {"label,x1,x2,x3,x4,x5"}, 7
  local function u()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648 * 2 - 1
  end
  for _ = 1, 256 do
    local x = {u(), u(), u(), u(), u()}
    local c = math.floor((x[1] * x[2] + 0.5 * x[3] + 1.5) * 10 / 3) % 10
    lines[#lines + 1] = string.format("%d,%.6f,%.6f,%.6f,%.6f,%.6f", c, x[1], x[2], x[3], x[4], x[5])
  end
  local f = assert(io.open(data_path, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  return
end

local data = glass.data.csv{path = data_path}
data:binarize("parity")
local land = glass.landscape.network{net = glass.mlp{d = 5, widths = {8, 8}}, data = data}
local first, count = mpi.block(R)
local ens = mpi.distribute(glass.ensemble{landscape = land, replicas = count, seed = SEED,
                                          first_replica = first})
if mode == "twice" then
  -- Marking an ensemble twice is harmless (clones inherit the mark); a block of
  -- glass.lab.ensemble's block would run a fraction of the replicas: refused.
  assert(mpi.distribute(ens) == ens)
  local p = {width = 8, depth = 2, replicas = R, seed = SEED}
  local block = glass.lab.ensemble(p, data)
  local ok, err = pcall(mpi.distribute, block)
  assert(not ok and tostring(err):find("lab.ensemble's block of the replicas for this rank",
    1, true), tostring(err))
  print("twice refused")
  return
end
local tt_opts = {tw = {5, 20}, lags = glass.schedule.log{first = 1, last = 100, per_decade = 5,
                 zero = true}, chi = {1, 3}, eps = {1e-3},
                 histogram = {bins = 12, min = -8, max = 1}, per_layer = true, per_replica = true}
local sc_opts = {at = glass.schedule.linear{first = 0, last = END, every = 10}, lambda = 1e-2,
                 per_replica = true}
local tt, sc = glass.observer.two_time(tt_opts), glass.observer.scalar(sc_opts)
local langevin = glass.langevin{lr = 0.05, T = 1e-3, lambda = 1e-2}
local ck = out .. "/ck.gvckpt"
local last = mpi.size() - 1

local function pid()
  local f = assert(io.open("/proc/self/stat"))
  local id = f:read("n")
  f:close()
  return math.tointeger(id)
end

-- To step `to` in chunks (the results do not depend on them).  Rank 0
-- cuts each chunk short by time (seconds = 1e-9: one block of steps), so
-- the other ranks stop further on and mpi.run brings rank 0 to their step.
local sent = false
local function advance(to)
  while ens:step() < to do
    local goal = math.min(to, ens:step() + CHUNK)
    if mode == "fail_run" and mpi.rank() == last and ens:step() >= 40 then goal = 0 end
    if mode == "close_run" and mpi.rank() == last and ens:step() >= 40 then
      local methods = getmetatable(ens).__index
      local run = methods.run
      methods.run = function(e, o) local r = run(e, o); e:close(); return r end
    end
    mpi.run(ens, {integrator = langevin, to = goal, observers = {tt, sc},
                  seconds = mpi.rank() == 0 and 1e-9 or nil})
    if mode == "fail" and mpi.rank() == last and ens:step() >= 40 then
      error("cannot read no-such-file.bin (a failure on this rank only)")
    end
    if mode == "interrupt" and mpi.rank() == math.min(1, last) and ens:step() >= 40
       and not sent then
      sent = true
      os.execute("kill -TERM " .. pid())
    end
  end
end

-- The replicas of LOST diverge at LOSE_AT, on whichever rank holds them.
local function lose()
  local huge = {}
  for i = 1, ens:nweights() do huge[i] = 1e200 end
  for _, g in ipairs(LOST) do
    if g >= first and g < first + count then ens:set_weights(g - first + 1, huge) end
  end
end

local function save(path)
  mpi.save(path, {ensembles = {main = ens}, observers = {tt = tt, sc = sc},
                  state = {step = ens:step()}})
end

local function outputs()
  local all_tt = mpi.gather_observer(tt, tt_opts)
  local all_sc = mpi.allgather_observer(sc, sc_opts) -- on every rank
  local mine = {}
  for _, x in ipairs(all_sc:table("summary"):column("loss_mean")) do mine[#mine + 1] = ("%a"):format(x) end
  local every = mpi.gather(table.concat(mine, " "))
  mpi.save_ensemble(ens, out .. "/ensemble.gvens")
  save(out .. "/end.gvckpt")
  -- Lost replicas, in global indices (Lua data gathered to rank 0).
  local lost = {}
  for _, l in ipairs(ens:lost()) do
    lost[#lost + 1] = string.format("replica %d lost at step %d: %s", first + l.replica - 1,
      l.step, l.reason)
  end
  local all_lost = mpi.gather(lost)
  -- A sweep of independent points: one small ensemble per temperature, each
  -- run wholly by the rank that owns it.
  local res = {}
  for i, T in mpi.share({1e-4, 1e-3, 1e-2, 3e-2, 0.1}) do
    local e = glass.ensemble{landscape = land, replicas = 1, seed = SEED + i}
    mpi.run(e, {integrator = glass.langevin{lr = 0.05, T = T, lambda = 1e-2}, to = 30}) -- local
    res[i] = {T = T, loss = e:eval(1, 1e-2).loss, rank_count = mpi.size()}
    e:close()
  end
  res = mpi.merge(res)
  local live = mpi.sum(ens:size() - ens:nlost())
  if not mpi.is_root() then return end
  for k, text in ipairs(every) do
    if text ~= every[1] then error("allgather_observer: rank " .. (k - 1) .. " holds other tables") end
  end
  for name, t in pairs(all_tt:results()) do t:write_csv(out .. "/tt_" .. name .. ".csv") end
  for name, t in pairs(all_sc:results()) do t:write_csv(out .. "/sc_" .. name .. ".csv") end
  local f = assert(io.open(out .. "/lost.txt", "w"))
  for _, part in ipairs(all_lost) do
    for _, line in ipairs(part) do f:write(line, "\n") end
  end
  f:write(string.format("%d replicas live at step %d\n", live, ens:step()))
  f:close()
  f = assert(io.open(out .. "/sweep.txt", "w"))
  for i = 1, #res do f:write(string.format("%d %a %a\n", i, res[i].T, res[i].loss)) end
  f:close()
end

if mode == "resume" then
  mpi.restore(ck, {ensembles = {main = ens}, observers = {tt = tt, sc = sc}, replicas = R})
  if mpi.is_root() then io.stderr:write("resumed at step ", ens:step(), "\n") end
end
if ens:step() < LOSE_AT then
  advance(LOSE_AT)
  lose()
end
if mode == "save" then
  advance(SAVE)
  save(ck)
  if mpi.size() == 1 then -- one process: the same bytes as glass.checkpoint's own save
    require("glass.checkpoint").save(out .. "/ck-plain.gvckpt", {ensembles = {main = ens},
      observers = {tt = tt, sc = sc}, state = {step = ens:step()}})
  end
  return
end
if mode == "replace" then
  -- Read at SAVE and at END (each read gathers and keeps what it gathered),
  -- then the observers, used, take the checkpoint of SAVE again (replace):
  -- they read as observers restored fresh, and the run ends as ref's.
  advance(SAVE)
  save(ck)
  local function text(o)
    local t = o:table("summary")
    local parts = {}
    for _, c in ipairs(t:columns()) do
      for _, v in ipairs(t:column(c)) do parts[#parts + 1] = ("%a"):format(v) end
    end
    return table.concat(parts, " ")
  end
  local at_save = text(sc) .. text(tt)
  advance(END)
  local at_end = text(sc) .. text(tt)
  mpi.restore(ck, {ensembles = {main = ens}, observers = {tt = tt, sc = sc}, replicas = R,
                   replace = true})
  local fresh_tt, fresh_sc = glass.observer.two_time(tt_opts), glass.observer.scalar(sc_opts)
  mpi.restore(ck, {observers = {tt = fresh_tt, sc = fresh_sc}, replicas = R})
  local again = text(sc) .. text(tt)
  if again == at_end or again ~= at_save or again ~= text(fresh_sc) .. text(fresh_tt) then
    error("replace: the restored observers read as before the restore (or not as the saved ones)")
  end
end
if mode == "interrupt" then
  local ok, err = pcall(advance, END)
  if ok then error("the run was not interrupted") end
  if not tostring(err):find("interrupted (SIGTERM) at step", 1, true) then error(err, 0) end
  save(ck)
  if mpi.is_root() then io.stderr:write(tostring(err), "; checkpoint written\n") end
  return
end
advance(END)
outputs()
