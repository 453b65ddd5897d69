-- glass.lab: the bench steps the paper's protocols share, so that each
-- protocol file reads as its experiment.  Every function takes the parsed
-- parameters `p` and uses the fields named in its comment.
--
--   local train = glass.lab.data(p)              -- MNIST, paper preprocessing, p.P rows
--   local ens   = glass.lab.ensemble(p, train, {lambda = p.lambda})
--   glass.lab.quench(run, ens, p)                -- SGD into a basin
--   glass.lab.advance(run, ens, integ, to, obs, "phase")
--
-- With a run, every lab.advance is a checkpointed segment and lab.minimise a
-- memo (run:memo): a resumed run restores them instead of computing
-- (glass.checkpoint, "protocol runs").
--
-- Under MPI (mpirun -n K, docs/cluster.md) lab.ensemble gives each rank a
-- block of the replicas and every step below runs on every rank with its
-- block; results that leave the lab (minimise's rows, anneal's observer and
-- weights, mean_loss) are gathered, so every rank holds those of the whole
-- ensemble, exactly as one process computes them.  lab.sweep runs the
-- independent points of a sweep; with more ranks than replicas it gives
-- each rank whole points instead ("points mode").
local progress = require "glass.progress"
local checkpoint = require "glass.checkpoint"
local mpi = require "glass.mpi"

local M = {}

-- Training rows of MNIST and Fashion-MNIST (what --P=0 means).
M.TRAIN_ROWS = 60000

-- Checks across network_params: an epoch needs at least one batch.
local function batch_fits(p)
  if p.batch == nil or p.P == nil then return nil end
  local rows = p.P > 0 and p.P or M.TRAIN_ROWS
  if p.batch > rows then
    return string.format("--batch: %d is larger than P = %d training rows (--P%s): an epoch "
      .. "would have no SGD step; use --batch <= %d", p.batch, rows,
      p.P > 0 and "" or "=0, all rows", rows)
  end
end

local function G() return package.loaded.glass end

-- Parameters most protocols declare, for reuse in glass.params{...}:
--   glass.params(lab.extend({name = ..., {...}}, lab.network_params{P = 5000}))
-- `over` changes defaults; over.omit lists parameters a protocol does not use.
function M.network_params(over)
  over = over or {}
  local function d(k, v) if over[k] ~= nil then return over[k] end return v end
  local list = {
    {"dataset", d("dataset", "mnist"), "training set, with the paper's preprocessing",
     choices = {"mnist", "fashion"}},
    {"width", d("width", 30), "hidden width w (6 hidden layers by default)", min = 1},
    {"depth", d("depth", 6), "number of hidden layers", min = 1},
    {"lambda", d("lambda", 1e-2), "L2 strength λ of the loss (λ/2)|W|²", min = 0},
    {"P", d("P", 0), "training rows used, a seeded random subset (0: all 60000)", min = 0},
    {"lr", d("lr", 1e-3), "learning rate μ (SGD, GD and Langevin)", gt = 0},
    {"batch", d("batch", 100), "SGD batch size", min = 1},
    {"quench_epochs", d("quench_epochs", 2), "SGD epochs before the measurement (the quench)",
     min = 0},
    {check = batch_fits},
  }
  for _, name in ipairs(over.omit or {}) do
    for i = #list, 1, -1 do
      if list[i][1] ~= nil and list[i][1] == name then table.remove(list, i) end
    end
  end
  return list
end

-- Append declaration lists to a spec table (in order).
function M.extend(spec, ...)
  for _, list in ipairs({...}) do
    for _, e in ipairs(list) do spec[#spec + 1] = e end
  end
  return spec
end

-- The training set p.dataset ("mnist", the default, or "fashion" for
-- Fashion-MNIST) with the paper's preprocessing (standardise, PCA to 10,
-- parity labels), cached for the process.  p.P > 0 takes a random subset
-- of p.P rows before preprocessing (the subset's seed is p.data_seed or 0,
-- so changing --seed changes the dynamics, not the data).
local cache = {}
function M.data(p, run)
  local which = p.dataset or "mnist"
  local key = which .. ":" .. tostring(p.P or 0) .. ":" .. tostring(p.data_seed or 0)
  if cache[key] then return cache[key] end
  local t0 = progress.clock()
  local load = which == "fashion" and G().data.fashion_mnist or G().data.mnist
  local data = load{P = p.P or 0, seed = p.data_seed or 0, test = false}
  cache[key] = data
  if run then
    local n, d = data:size()
    run:log("data: %s (P = %d rows, d = %d; %.1fs)", tostring(data), n, d,
      progress.clock() - t0)
  end
  return data
end

-- The network of p.width × p.depth.
function M.mlp(p, d)
  return G().mlp{d = d or 10, width = p.width, depth = p.depth}
end

-- N for width w and depth L at input d = 10 (no biases).
function M.nweights(w, depth, d)
  depth, d = depth or 6, d or 10
  return d * w + (depth - 1) * w * w + w
end

-- True while this rank computes a sweep point alone (M.sweep, points mode).
local in_point = false

-- An ensemble of `replicas` (default p.replicas) networks on `data`.
-- opts: replicas, first_replica, seed, width (override p.width).  With
-- several MPI ranks it is this rank's block of them (glass.mpi.block),
-- marked distributed, unless opts.distributed == false or it is built
-- for a sweep point this rank computes alone (M.sweep).
function M.ensemble(p, data, opts)
  opts = opts or {}
  local q = setmetatable({width = opts.width or p.width}, {__index = p})
  local net = M.mlp(q, select(2, data:size()))
  local land = G().landscape.network{net = net, data = data}
  local replicas, first = opts.replicas or p.replicas, opts.first_replica or 0
  local spread = opts.distributed ~= false and mpi.size() > 1 and not in_point
  if spread then
    require("glass.run").check_replicas(replicas)
    local off, count = mpi.block(replicas)
    replicas, first = count, first + off
  end
  local ens = G().ensemble{landscape = land, replicas = replicas, seed = opts.seed or p.seed,
                           first_replica = first}
  if spread then mpi.distribute(ens) end
  return ens, net
end

-- Replica r (from 1) of this rank's block is replica offset(ens) + r of
-- the whole ensemble (0 with one rank).  Collective for a distributed ensemble.
local function offset(ens)
  if not mpi.partial(ens) then return 0 end
  local f = ens:first_replica()
  return f - mpi.min(f)
end

-- Every rank's list, joined in rank order (so in replica order), on every
-- rank; the list itself for an ensemble that is not distributed.
local function gather_list(ens, list)
  if not mpi.partial(ens) then return list end
  local out = {}
  for _, part in ipairs(mpi.allgather(list)) do table.move(part, 1, #part, #out + 1, out) end
  return out
end

-- Run `ens` with `integ` to step `to`, with observers and a progress line.
-- With a run this is one checkpointed segment (run.journal): saved when it
-- completes and mid-way on the run's schedule, on SIGINT/SIGTERM and on a
-- STOP file; restored instead of computed when the run resumes.
function M.advance(run, ens, integ, to, observers, phase)
  phase = phase or "run"
  local function work(hooks)
    local start = ens:step()
    if to <= start then return end
    local pr = run and run:progress{phase = phase, total = to, start = start}
    G().drive(ens, {integrator = integ, to = to, observers = observers, progress = pr,
                    limit = hooks and hooks.limit, after = hooks and hooks.after})
    if pr then pr:done(to) end
    local lost, size = ens:nlost(), ens:size()
    if mpi.partial(ens) then lost, size = table.unpack(mpi.sum({lost, size})) end
    if lost > 0 and run then
      run:log("%s: %d of %d replicas lost (non-finite loss or weights); averages exclude them",
        phase, lost, size)
    end
  end
  local journal = run and run.journal
  if journal then return journal:segment(ens, observers, phase, to, work) end
  work(run and run.point_hooks)
end

-- SGD steps in one epoch of `data` at batch p.batch (last partial batch
-- dropped); refuses a batch larger than the data.
function M.epoch_steps(p, data)
  local rows = (data:size())
  local steps = rows // p.batch
  if steps == 0 then
    checkpoint.fail(string.format("--batch: %d is larger than P = %d training rows: an epoch "
      .. "would have no SGD step; use --batch <= %d", p.batch, rows, rows))
  end
  return steps
end

-- The quench: p.quench_epochs epochs of SGD (lr p.lr, batch p.batch, L2
-- p.lambda) from the random initialisation.  Returns the step reached.
function M.quench(run, ens, p, data)
  local steps = p.quench_epochs * M.epoch_steps(p, data)
  local sgd = G().sgd{lr = p.lr, batch = p.batch, lambda = p.lambda}
  local to = ens:step() + steps
  M.advance(run, ens, sgd, to, nil, string.format("quench: SGD %d epochs", p.quench_epochs))
  return to
end

-- Minimisation as for the paper's phase diagram: p.epochs of SGD (batch
-- p.batch, lr p.lr), then p.polish GD steps at lr and p.polish at lr/10, all
-- with L2 strength `lambda`.  Returns one row per replica {replica, loss,
-- data_loss, accuracy, lost}; lost replicas have NaN values.  With a run
-- the rows are a memo: a resumed run gets them without recomputing.
function M.minimise(run, ens, p, data, lambda, label)
  label = label or ""
  local function minimise()
    local sgd = G().sgd{lr = p.lr, batch = p.batch, lambda = lambda}
    local steps = p.epochs * M.epoch_steps(p, data)
    M.advance(run, ens, sgd, ens:step() + steps, nil, label .. "SGD")
    if p.polish > 0 then
      M.advance(run, ens, G().gd{lr = p.lr, lambda = lambda}, ens:step() + p.polish, nil,
        label .. "GD polish")
      M.advance(run, ens, G().gd{lr = p.lr / 10, lambda = lambda}, ens:step() + p.polish, nil,
        label .. "GD polish lr/10")
    end
    local lost = {}
    for _, l in ipairs(ens:lost()) do lost[l.replica] = true end
    local rows, off = {}, offset(ens)
    for r = 1, ens:size() do
      local e = lost[r] and {loss = 0 / 0, data_loss = 0 / 0, accuracy = 0 / 0} or ens:eval(r, lambda)
      rows[r] = {replica = off + r, loss = e.loss, data_loss = e.data_loss,
                 accuracy = e.accuracy, lost = lost[r] and 1 or 0}
    end
    return gather_list(ens, rows)
  end
  if not run then return minimise() end
  return run:memo(label .. "minimise", {ens}, minimise)
end

-- ---- sweep points ----------------------------------------------------------------

-- A rank's sweep point stops when it finds DIR/STOP (every chunk), as a
-- segment does; a signal makes its ens:run fail with "interrupted".
local function point_hooks(run)
  return {after = function()
    if checkpoint.stop_requested(run.dir) then error({stop = true}, 0) end
  end}
end

-- fn() -> true, result | false, {stop = true} | {signal = true} | {err = message}.
-- Two pcalls, as in Journal:segment (a signal hook may raise again).
local function attempt(fn)
  local ok, res
  local ok1, err1 = pcall(function() ok, res = pcall(fn) end)
  if not ok1 then ok, res = false, err1 end
  if ok then return true, res end
  if type(res) == "table" and res.stop then return false, {stop = true} end
  local msg = tostring(res)
  if msg:find("interrupted", 1, true) then return false, {signal = true} end
  return false, {err = msg}
end

-- Is the sweep spread over the ranks point by point?  With several ranks
-- and fewer replicas than ranks (replica blocks cannot use them all).
function M.points_mode(p)
  local size = mpi.size()
  return size > 1 and math.type(p.replicas) == "integer" and p.replicas < size
end

-- lab.sweep(run, points, compute, record): the independent points of a
-- sweep (a grid of widths and λ, a list of λ).  compute(pt, run, i) ->
-- the point's result (plain data: numbers, strings, booleans, tables) --
-- it builds its ensemble with lab.ensemble and closes it, and passes the
-- run it is given to lab.minimise/lab.advance; record(pt, result, i) is
-- then called on every rank, in point order, to build tables and log.
-- Each point's result is a memo (label pt.label, or "point i"): a resumed
-- run skips the points that completed.
--
-- On one process, or under MPI in replica mode (replicas >= ranks), the
-- points run in order, each on every rank with its block of replicas,
-- their segments checkpointed as usual.  In points mode (M.points_mode:
-- more ranks than replicas) they are dealt round-robin in rounds of one
-- point per rank; each rank computes its point alone (all replicas, an
-- ensemble of its own), the results are gathered to every rank at the end
-- of the round, recorded in the journal (one memo per point, as one
-- process records them, so the run resumes on any number of ranks) and
-- passed to record in order.  A point inside a round that was stopped (a
-- STOP file, SIGINT/SIGTERM) is computed again from its start on resume;
-- the decision to stop is taken together at the end of the round.
function M.sweep(run, points, compute, record)
  local function label(i) return points[i].label or ("point " .. i) end
  if not M.points_mode(run.p) then
    for i, pt in ipairs(points) do
      local result = run:memo(label(i) .. "sweep point", {},
        function() return compute(pt, run, i) end)
      record(pt, result, i)
    end
    return
  end
  local journal, n, size = run.journal, #points, mpi.size()
  local i = 1   -- the first point not recorded
  while i <= n and journal do
    local done, result = journal:recorded(label(i) .. "sweep point")
    if not done then break end
    record(points[i], result, i)
    i = i + 1
  end
  -- A run of this rank's own: no journal inside a point, STOP checked per chunk.
  local prun = setmetatable({journal = false, point_hooks = point_hooks(run)},
                            {__index = run})
  while i <= n do
    local j = i + mpi.rank()   -- this rank's point in the round
    local status
    if j <= n then
      in_point = true
      local ok, res = attempt(function() return compute(points[j], prun, j) end)
      in_point = false
      status = ok and {ok = true, result = res} or res
    else
      status = {ok = true}
    end
    if mpi.is_root() and checkpoint.stop_requested(run.dir) then status.stop = true end
    local all = mpi.allgather(status)
    local last = math.min(n, i + size - 1)
    local first_bad
    for k = i, last do
      local st = all[k - i + 1]
      if not st.ok then first_bad = first_bad or k end
      if not first_bad then
        if journal then journal:record(label(k) .. "sweep point", st.result) end
        record(points[k], st.result, k)
      end
    end
    local stop, signal, err
    for r, st in ipairs(all) do
      stop, signal = stop or st.stop, signal or st.signal
      if st.err and not err then
        err = string.format("rank %d, sweep point %d (%s): %s", r - 1, i + r - 1,
          (label(i + r - 1):gsub("[:%s]+$", "")), st.err)
      end
    end
    i = first_bad or last + 1
    if journal and (i > last or err or stop or signal) then journal:write_head() end
    if err then
      if mpi.is_root() then io.stderr:write("glassvm: ", err, "\n"); io.stderr:flush() end
      mpi.barrier()
      os.exit(1, true)
    end
    if (stop or signal) and journal and i <= n then
      journal:stop(stop and setmetatable({stop = true}, {__tostring = function() return "STOP" end})
        or {signal = "interrupted by a signal (SIGINT or SIGTERM)"},
        string.format("after %d of %d sweep points", i - 1, n))
    end
  end
end

-- Mean, standard error and geometric mean of the finite values of a list.
function M.stats(xs)
  local n, sum, sum2, lsum, npos = 0, 0, 0, 0, 0
  for _, x in ipairs(xs) do
    if x == x and x ~= math.huge and x ~= -math.huge then
      n, sum, sum2 = n + 1, sum + x, sum2 + x * x
      if x > 0 then lsum, npos = lsum + math.log(x), npos + 1 end
    end
  end
  if n == 0 then return {n = 0, mean = 0 / 0, sem = 0 / 0, geomean = 0 / 0} end
  local mean = sum / n
  local var = n > 1 and math.max(0, (sum2 - n * mean * mean) / (n - 1)) or 0 / 0
  return {n = n, mean = mean, sem = math.sqrt(var / n),
          geomean = npos == n and math.exp(lsum / n) or 0 / 0}
end

-- Langevin at temperature T on a copy of `ens`, measuring from t0 + tw to
-- t0 + tw + tmax with a two-time observer built from obs_opts (tw and lags
-- are filled in).  Returns the observer and the copy's weights at t_w
-- (a list per replica) when want_w0 is set.  The copy is closed.  Under
-- MPI both hold every rank's replicas, on every rank.  With same_basin = K
-- the measurement runs on a same-basin ensemble built at t_w (K noise
-- replicas started from each replica's weights at t_w: ens:same_basin).
function M.anneal(run, ens, p, T, t0, obs_opts, want_w0, same_basin)
  local g = G()
  local e = ens:clone()
  local langevin = g.langevin{lr = p.lr, T = T, lambda = p.lambda}
  local phase = string.format("Langevin T=%g", T)
  M.advance(run, e, langevin, t0 + p.tw, nil, phase .. " (waiting)")
  if same_basin then
    local sb = e:same_basin{K = same_basin}
    e:close()
    e = sb
  end
  local w0
  if want_w0 then
    w0 = {}
    for r = 1, e:size() do w0[r] = e:weights(r) end
    w0 = gather_list(e, w0)
  end
  local o = {tw = {t0 + p.tw},
             lags = g.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade}}
  for k, v in pairs(obs_opts or {}) do o[k] = v end
  local obs = g.observer.two_time(o)
  M.advance(run, e, langevin, t0 + p.tw + p.tmax, {obs}, phase)
  obs = mpi.allgather_observer(obs, o, e)
  e:close()
  return obs, w0
end

-- Columns of a glass.Table as Lua arrays: lab.columns(tbl, "t", "Q_mean").
function M.columns(tbl, ...)
  local out = {}
  for i, name in ipairs({...}) do out[i] = tbl:column(name) end
  return table.unpack(out)
end

-- Mean loss over the live replicas (full batch), summed in replica order
-- on every rank (a reduction over ranks would not be bit for bit the same).
function M.mean_loss(ens, lambda)
  local losses = {}
  for r = 1, ens:size() do losses[r] = ens:eval(r, lambda).loss end
  local sum, n = 0, 0
  for _, l in ipairs(gather_list(ens, losses)) do
    if l == l then sum, n = sum + l, n + 1 end
  end
  return n > 0 and sum / n or 0 / 0
end

return M
