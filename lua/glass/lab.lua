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
local core = require "glass.core"
local stats = require "glass.stats"
local LIMITS = core.limits

local M = {}

-- The training sets of --dataset: their glass.data loader and training rows (what
-- --P=0 means). CIFAR-10 is the paper's appendix set (its binary batches, when a user has
-- them: docs/datasets.md).
M.DATASETS = {
  mnist = {load = "mnist", rows = 60000, title = "MNIST"},
  fashion = {load = "fashion_mnist", rows = 60000, title = "Fashion-MNIST"},
  cifar10 = {load = "cifar10", rows = 50000, title = "CIFAR-10"},
}
-- MNIST's training rows (the paper's P).
M.TRAIN_ROWS = M.DATASETS.mnist.rows
-- Input dimension after the paper's preprocessing (PCA to 10 components).
M.INPUT_DIM = 10

-- Why the protocols that train to a minimum (ttt_scan, uot_scan,
-- phase_diagram) have no --T: their glass.params `absent` entry.
M.NO_T = "it trains each network to a minimum at T = 0 (SGD, then gradient descent); ageing, "
  .. "quench_anneal, ttsp, heterogeneity and chi_sweep take --T"

-- The training rows of p.dataset (default MNIST).
function M.train_rows(p)
  local set = M.DATASETS[p.dataset or "mnist"]
  return set and set.rows or M.TRAIN_ROWS
end

-- Checks across network_params: P within the data set; an epoch needs at least one batch.
local function batch_fits(p)
  if p.batch == nil or p.P == nil then return nil end
  local all = M.train_rows(p)
  if p.P > all then
    return string.format("--P: %d rows requested, the %s training set has %d; use --P <= %d "
      .. "(0: all)", p.P, (M.DATASETS[p.dataset or "mnist"] or {}).title or p.dataset, all, all)
  end
  local rows = p.P > 0 and p.P or all
  if p.batch > rows then
    return string.format("--batch: %d is larger than P = %d training rows (--P%s): an epoch "
      .. "would have no SGD step; use --batch <= %d", p.batch, rows,
      p.P > 0 and "" or "=0, all rows", rows)
  end
end

-- Each step multiplies the weights by 1 - lr*lambda before the data's gradient
-- (the L2 term's part of the update): at lr*lambda >= 1 that factor is 0 or
-- negative, the step overshoots the L2 term's own minimum, and the networks
-- collapse (all weights equal at 1) or flip sign every step.  No protocol means that.
local function decay_stable(p)
  local lambdas = type(p.lambdas) == "table" and p.lambdas or {p.lambda}
  local lrs = {{"--lr", p.lr}, {"--quench_lr", (p.quench_lr or 0) > 0 and p.quench_lr or nil}}
  for _, l in ipairs(lambdas) do
    for _, r in ipairs(lrs) do
      if type(l) == "number" and type(r[2]) == "number" and r[2] * l >= 1 then
        return string.format("%s=%g with lambda %g: lr*lambda = %g >= 1, so each step "
          .. "multiplies the weights by 1 - lr*lambda = %g before the data's gradient (the "
          .. "networks collapse or flip sign); use %s below 1/lambda = %g (lr*lambda << 1 for "
          .. "the dynamics the paper means)", r[1], r[2], l, r[2] * l, 1 - r[2] * l, r[1], 1 / l)
      end
    end
  end
end

local function G() return package.loaded.glass end

-- ---- checks before any data loads -------------------------------------------
-- Checks across parameters (run by P:parse, before glass.run and the data)
-- that what a protocol will ask of the engine is within glass.limits.  They
-- read the parameter names the protocols share: width or widths, depth,
-- replicas, batch or batches, P, quench_epochs, tw, tmax, epochs, polish,
-- per_decade, bins, chis, and from.

local function list(v) return type(v) == "table" and v or {v} end

local function rows(p) return (p.P or 0) > 0 and p.P or M.train_rows(p) end

-- The hidden widths a protocol builds networks of.
local function widths(p)
  if p.widths then return p.widths end
  return {p.width}
end

-- --per_decade, the lag grid's density, as the protocols declare it (the engine's
-- limit shows in --help).
function M.per_decade_param(default)
  return {"per_decade", default, "lags per decade (log-spaced from 1)", min = 1,
          max = LIMITS.per_decade}
end

-- Per-value limits on shared names (one message per name).
local function within_limits(p)
  for _, c in ipairs{{"widths", "width"}, {"replicas", "replicas"}, {"batches", "batch"},
                     {"bins", "bins"}, {"per_decade", "per_decade"}} do
    local name, limit = c[1], LIMITS[c[2]]
    for _, v in ipairs(p[name] ~= nil and list(p[name]) or {}) do
      if v > limit then
        return string.format("--%s: %s is beyond glassvm's limit of %d", name,
          require("glass.params").num2str(v), limit)
      end
    end
  end
  if p.chis and #p.chis > LIMITS.chi then
    return string.format("--chis: %d values, glassvm's observers take at most %d", #p.chis,
      LIMITS.chi)
  end
end

-- The ensemble weights alone must fit in memory (a lower bound of what the
-- run needs: copies and observers' references come on top).
local function fits_memory(p)
  if not (p.replicas and p.depth) or LIMITS.memory <= 0 then return nil end
  for _, w in ipairs(widths(p)) do
    local N = M.nweights(w, p.depth, M.INPUT_DIM)
    local bytes = 8.0 * N * p.replicas
    if bytes > LIMITS.memory then
      return string.format("--width=%d --depth=%d --replicas=%d: %d replicas of N = %.0f weights "
        .. "need %.3g GB of memory for the weights alone; this machine has %.3g GB", w, p.depth,
        p.replicas, p.replicas, N, bytes / 1e9, LIMITS.memory / 1e9)
    end
  end
end

-- The last step the run reaches, as the sum of its phases, and the
-- phases' words for a message.
local function last_step(p, start)
  local epoch = p.batch and rows(p) // p.batch or 0
  local parts, total = {}, start + 0.0
  if start > 0 then parts[#parts + 1] = string.format("--from at step %d", start) end
  local function add(what, steps)
    if steps and steps > 0 then
      parts[#parts + 1] = what
      total = total + steps
    end
  end
  if start == 0 and p.quench_epochs then
    add(string.format("--quench_epochs=%d (%.0f steps)", p.quench_epochs,
      p.quench_epochs * 1.0 * epoch), p.quench_epochs * 1.0 * epoch)
  end
  local tw = p.tw and math.max(table.unpack(list(p.tw))) or nil
  add(tw and "--tw=" .. require("glass.params").text(p.tw), tw)
  add(p.tmax and "--tmax=" .. p.tmax, p.tmax)
  if p.epochs then
    add(string.format("--epochs=%d (%.0f steps)", p.epochs, p.epochs * 1.0 * epoch),
      p.epochs * 1.0 * epoch)
  end
  add(p.polish and string.format("--polish=%d (twice)", p.polish), p.polish and 2 * p.polish)
  return total, table.concat(parts, " + ")
end

-- --from=FILE: the file's header against the parameters (N, replicas), so a
-- mismatch is refused before any data loads.  Returns nil, info or a message.
local function from_file(p)
  if not p.from or p.from == "" then return nil end
  local ok, info = pcall(core.ensemble_info, p.from)
  if not ok then return "--from: " .. tostring(info) end
  for _, w in ipairs(widths(p)) do
    local N, arch = M.nweights(w, p.depth, M.INPUT_DIM)
    -- As the file stores it: at most 119 characters, cut before the layer
    -- that does not fit (gv_mlp_describe).
    if #arch > 119 then arch = arch:sub(1, (arch:sub(1, 120):find("%-[^-]*$") or 121) - 1) end
    local saved = info.architecture -- "" before file version 3: N alone
    if saved ~= "" and arch ~= saved then
      local d, fw, fd = saved:match("^(%d+)%-(%d+)x(%d+)%-1$")
      if not d then d, fw = saved:match("^(%d+)%-(%d+)%-1$"); fd = 1 end
      local hint = not d and "other widths per layer than --width gives"
        or tonumber(d) ~= M.INPUT_DIM and string.format("its networks take %s inputs, the "
          .. "protocols' %d", d, M.INPUT_DIM)
        or string.format("give --%s=%s --depth=%s", p.widths and "widths" or "width", fw, fd)
      return string.format("--from=%s holds %s networks, but width %d and depth %d on %d inputs "
        .. "give %s: %s", p.from, saved, w, p.depth, M.INPUT_DIM, arch, hint)
    end
    if N ~= info.nweights then
      return string.format("--from=%s holds networks of N = %d weights, but width %d and depth %d "
        .. "on %d inputs give N = %d: give the --width and --depth it was saved with", p.from,
        info.nweights, w, p.depth, M.INPUT_DIM, N)
    end
  end
  if p.replicas and info.replicas ~= p.replicas then
    return string.format("--from=%s holds %d replicas, but --replicas=%d: give --replicas=%d",
      p.from, info.replicas, p.replicas, info.replicas)
  end
  if info.first_replica ~= 0 then
    return string.format("--from=%s holds replicas %d.. of a larger ensemble (one MPI rank's "
      .. "block); save the whole ensemble", p.from, info.first_replica)
  end
  return nil, info
end

-- All of the above, in order: one check for glass.params.
local function engine_limits(p)
  local why = within_limits(p) or fits_memory(p)
  if why then return why end
  local info
  why, info = from_file(p)
  if why then return why end
  local last, parts = last_step(p, info and info.step or 0)
  if last > LIMITS.step then
    return string.format("the run would reach step %.4g (%s), beyond glassvm's last step "
      .. "2^48 - 1 = %d: shorten it", last, parts, LIMITS.step)
  end
end

-- Parameters most protocols declare, for reuse in glass.params{...}:
--   glass.params(lab.extend({name = ..., {...}}, lab.network_params{P = 5000}))
-- `over` changes defaults; over.omit lists parameters a protocol does not use;
-- over.lr_of says what --lr drives when not "SGD, GD and Langevin".
function M.network_params(over)
  over = over or {}
  -- A changed default keeps the parameter's type: {lambda = 0} stays a real number
  -- (an integer default would make --lambda=0.01 "not an integer").
  local function d(k, v)
    local o = over[k]
    if o == nil then return v end
    if math.type(v) == "float" and math.type(o) == "integer" then return o + 0.0 end
    return o
  end
  local quenched = true -- (a protocol without a quench minimises from --from's networks)
  for _, name in ipairs(over.omit or {}) do quenched = quenched and name ~= "quench_epochs" end
  local list = {
    {"dataset", d("dataset", "mnist"), "training set, with the paper's preprocessing: mnist, "
     .. "fashion (Fashion-MNIST) or cifar10 (CIFAR-10's binary batches, which glassvm cannot "
     .. "fetch: docs/datasets.md)", choices = {"mnist", "fashion", "cifar10"}},
    {"width", d("width", 30), "hidden width w (6 hidden layers by default)", min = 1,
     max = LIMITS.width},
    {"depth", d("depth", 6), "number of hidden layers", min = 1, max = LIMITS.depth},
    {"lambda", d("lambda", 1e-2), "L2 strength λ of the loss (λ/2)|W|²", min = 0},
    {"P", d("P", 0), "training rows used, a seeded random subset (0: all: 60000 of MNIST, "
     .. "50000 of CIFAR-10)", min = 0,
     max = M.TRAIN_ROWS},
    {"lr", d("lr", 1e-3), "learning rate μ (" .. (over.lr_of or "SGD, GD and Langevin") .. ")",
     gt = 0},
    {"quench_lr", d("quench_lr", 0.0), "learning rate of the quench's SGD only (0: --lr); "
     .. "SGD's batch noise grows with it, so a quench at a larger lr ends higher in its basin",
     min = 0, omit_default = true},
    {"batch", d("batch", 100), over.batch_of or "SGD batch size", min = 1, max = LIMITS.batch},
    {"quench_epochs", d("quench_epochs", 2), "SGD epochs before the measurement (the quench)",
     min = 0},
    {"loss_trace", d("loss_trace", 0), "points per decade of the loss trace through the quench "
     .. "(quench.csv; in the Langevin protocols also the waiting time: extra rows of state.csv "
     .. "before t_w), log-spaced; "
     .. "0: none (the paper's Fig. A2)", min = 0, max = LIMITS.per_decade, omit_default = true},
    {"from", "", "start from this ensemble file (ens:save) instead of random networks"
     .. (quenched and "; the quench is skipped" or ""), file = true, nonempty = true,
     omit_default = true},
    {check = batch_fits},
    {check = decay_stable},
    {check = engine_limits},
  }
  for _, name in ipairs(over.omit or {}) do
    for i = #list, 1, -1 do
      local own = list[i][1]
      if own ~= nil and (own == name
          or (name == "quench_epochs" and (own == "quench_lr" or own == "loss_trace"))) then
        table.remove(list, i)
      end
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

-- The training set p.dataset ("mnist", the default, "fashion" for
-- Fashion-MNIST or "cifar10": M.DATASETS) with the paper's preprocessing
-- (standardise, PCA to 10, parity labels), cached for the process.  p.P > 0 takes a random subset
-- of p.P rows before preprocessing (the subset's seed is p.data_seed or 0,
-- so changing --seed changes the dynamics, not the data).
-- True while this rank computes a sweep point alone (M.sweep, points mode).
local in_point = false

local cache = {}
function M.data(p, run)
  local which = p.dataset or "mnist"
  local key = which .. ":" .. tostring(p.P or 0) .. ":" .. tostring(p.data_seed or 0)
  if cache[key] then return cache[key] end
  local t0 = progress.clock()
  local set = M.DATASETS[which]
  if not set then
    require("glass.run").die(string.format("dataset \"%s\": glassvm knows mnist, fashion and "
      .. "cifar10 (glass.lab.DATASETS)", tostring(which)), true)
  end
  local load = G().data[set.load]
  local ok, data = pcall(load, {P = p.P or 0, seed = p.data_seed or 0, test = false})
  -- Under MPI each rank reads its own files: a rank that could not must not leave the
  -- others waiting in their next collective, so the ranks agree first (the lowest
  -- failed rank is named by the others).
  -- (Collective with several ranks, but not inside a sweep point a rank computes alone.)
  local stopped = not ok and core.interruption(data)
  local failed = mpi.size() > 1 and not in_point
    and mpi.min((ok or stopped) and mpi.size() or mpi.rank()) or nil
  if failed == mpi.size() then failed = nil end
  if not ok then -- missing or bad files: the loader's message, without a Lua traceback
    if stopped then error(stopped, 0) end -- Ctrl-C: an interruption, not bad data
    local run_mod = require("glass.run")
    run_mod.die(run_mod.without_position(data), failed == nil)
  elseif failed then
    require("glass.run").die(string.format("rank %d could not load the dataset %q (its "
      .. "message names the file): every rank reads the data files, so they must be on every "
      .. "node (a shared GLASSVM_DATA)", failed, which), false)
  end
  cache[key] = data
  if run then
    local n, d = data:size()
    run:log("data: %s (P = %d rows, d = %d; %.1fs)", tostring(data), n, d,
      progress.clock() - t0)
  end
  return data
end

-- The fields of a parameter table p that `what` needs (a protocol's come
-- from glass.params; a hand-written one may lack one or misspell it): a
-- missing one is an error at the caller's caller's line (level 3), naming a
-- present key that looks like it.
local function need(p, what, fields)
  if type(p) ~= "table" then
    error(string.format("%s: p (the parameters) must be a table, got %s", what, type(p)), 3)
  end
  for _, f in ipairs(fields) do
    if p[f] == nil then
      -- The key of p closest to f (at most 3 edits and fewer than half of f's letters,
      -- or the same first 5 letters);
      -- ties go to the first in alphabetical order, so the hint is always the same.
      local like, best
      for k in pairs(p) do
        if type(k) == "string" and k ~= f then
          local d = require("glass.params").distance(k, f)
          if ((d <= 3 and d < #f // 2) or k:sub(1, 5) == f:sub(1, 5))
              and (not best or d < best or d == best and k < like) then
            like, best = k, d
          end
        end
      end
      error(string.format("%s: p.%s is missing%s (the parameter tables of glass.lab: "
        .. "docs/writing-protocols.md)", what, f, like and string.format("; p has %s", like)
        or ""), 3)
    end
  end
end

-- The network of p.width × p.depth.
function M.mlp(p, d)
  return G().mlp{d = d or M.INPUT_DIM, width = p.width, depth = p.depth}
end

-- N, the weights of a network of `depth` (default 6) hidden layers of
-- width w on d inputs (default 10), as the engine counts them (before any
-- data or ensemble exists; an ensemble's own is ens:nweights()).
function M.nweights(w, depth, d)
  for i, a in ipairs{{"width", w}, {"depth", depth}, {"input dimension", d}} do
    local v = a[2]
    if (v ~= nil or i == 1) and (math.type(v) ~= "integer" or v < 1) then
      error(string.format("glass.lab.nweights(width [, depth [, d]]): the %s must be a "
        .. "positive integer, got %s", a[1], type(v) == "string" and string.format("%q", v)
        or tostring(v)), 2)
    end
  end
  local net <close> = G().mlp{d = d or M.INPUT_DIM, width = w, depth = depth or 6}
  return net:nweights(), net:describe()
end

-- Put the saved ensemble `path` (--from) into `ens`: the weights of the
-- replicas it holds (replica first_replica + r of the file) and the step.
-- Parameters were checked against the file's header when they were parsed;
-- the data are checked here, once loaded: networks trained on other rows
-- would start far from their minimum.  Another dataset or P is refused
-- (the values' CRC: from_values_note).
function M.start_from(path, ens, land)
  local die = require("glass.run").die
  local info, here = core.ensemble_info(path), land:dataset()
  -- The file keeps a name's first 47 characters.
  if info.data ~= "" and here and (info.data ~= here.name:sub(1, 47) or info.rows ~= here.rows) then
    die(string.format("--from=%s was saved on other data: %s, P = %d rows; this run has %s, "
      .. "P = %d rows: give the --dataset and --P it was trained with", path, info.data,
      info.rows, here.name, here.rows), true)
  end
  local src <close> = G().load_ensemble(path, land)
  if not in_point then -- (what a resume compares: the file's size and its stored CRC)
    local f = assert(io.open(path, "rb"))
    local size = f:seek("end")
    f:seek("end", -4)
    local tail = f:read(4)
    f:close()
    require("glass.checkpoint").input("--from=" .. path, string.format("%d bytes, CRC %s", size,
      (tail:gsub(".", function(c) return string.format("%02x", c:byte()) end))),
      "the file was replaced (a quench saved again under its name?)")
  end
  local lost = src:lost()
  if #lost > 0 then
    die(string.format("--from=%s: replica %d was lost at step %d (%s); start from an ensemble "
      .. "whose replicas are all live", path, lost[1].replica, lost[1].step, lost[1].reason), true)
  end
  local first = ens:first_replica()
  if first + ens:size() > src:size() then
    die(string.format("--from=%s holds %d replicas; this ensemble needs replicas %d..%d", path,
      src:size(), first + 1, first + ens:size()), true)
  end
  for r = 1, ens:size() do ens:set_weights(r, src:weights(first + r)) end
  ens:set_step(src:step())
end

-- An ensemble of `replicas` (default p.replicas) networks on `data`.
-- opts: replicas, first_replica, seed, width (override p.width).  With
-- several MPI ranks it is this rank's block of them (glass.mpi.block),
-- marked distributed, unless opts.distributed == false or it is built
-- for a sweep point this rank computes alone (M.sweep).
function M.ensemble(p, data, opts)
  opts = opts or {}
  -- A misspelt option would be ignored and the default used: refused.
  core.check_options(opts, "glass.lab.ensemble", {"width", "replicas", "first_replica",
                                                  "distributed", "seed"}, 2)
  local needed = {"depth"}
  if opts.width == nil then needed[#needed + 1] = "width" end
  if opts.replicas == nil then needed[#needed + 1] = "replicas" end
  need(p, "glass.lab.ensemble", needed)
  if type(data) ~= "userdata" then
    error(string.format("glass.lab.ensemble(p, data [, opts]): data must be a dataset "
      .. "(lab.data(p, run), say), got %s", type(data)), 2)
  end
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
  local rows = land:dataset()
  if rows and not in_point then -- (what a resume compares)
    require("glass.checkpoint").input(string.format("the data set %s, %d rows", rows.name,
      rows.rows), string.format("CRC %08x", rows.crc), "other data files (GLASSVM_DATA), or "
      .. "another machine whose BLAS rounds the preprocessing otherwise: resume where the run began")
  end
  if p.from and p.from ~= "" then M.start_from(p.from, ens, land) end
  if spread then mpi.lab_block(mpi.distribute(ens)) end
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

-- The replicas ens lost after step `from` in the segment `phase` (computed or
-- restored), kept in run.losses for the run's last lines (Run:finish), which
-- would otherwise say nothing of them.  Collective for a distributed ensemble.
local function note_losses(run, ens, phase, from)
  if not run then return end
  local lost, size = 0, ens:size()
  for _, l in ipairs(ens:lost()) do if l.step > from then lost = lost + 1 end end
  if mpi.partial(ens) then lost, size = table.unpack(mpi.sum({lost, size})) end
  if lost > 0 then
    run.losses = run.losses or {}
    run.losses[#run.losses + 1] = string.format("%d of %d in %s", lost, size, phase)
  end
end

-- Run `ens` with `integ` to step `to`, with observers and a progress line.
-- With a run this is one checkpointed segment (run.journal): saved when it
-- completes and mid-way on the run's schedule, on SIGINT/SIGTERM and on a
-- STOP file; restored instead of computed when the run resumes.
function M.advance(run, ens, integ, to, observers, phase)
  phase = phase or "run"
  if math.tointeger(to) == nil then
    error(string.format("glass.lab.advance(run, ens, integrator, to, observers, phase): to (the "
      .. "step to run to) must be a whole number, got %s", type(to) == "number" and tostring(to)
      or "a " .. type(to)), 2)
  end
  if observers ~= nil and type(observers) ~= "table" then
    error("glass.lab.advance: observers (the fifth argument) must be a list of observers or nil, "
      .. "got a " .. type(observers), 2)
  end
  if type(phase) ~= "string" then
    error("glass.lab.advance: phase (the sixth argument) must be a string, got a " .. type(phase), 2)
  end
  if to < ens:step() then
    error(string.format("glass.lab.advance: to = %d is before the ensemble's step %d; to is the "
      .. "step to run to (t0 + p.tw + p.tmax, say), not a number of steps", to, ens:step()), 2)
  end
  local from = ens:step()
  local function work(hooks)
    local start = ens:step()
    if to <= start then return end
    local pr = run and run:progress{phase = phase, total = to, start = start,
                                    first = hooks and hooks.from}
    G().drive(ens, {integrator = integ, to = to, observers = observers, progress = pr,
                    limit = hooks and hooks.limit, after = hooks and hooks.after})
    if pr then pr:done(to) end
    local lost, size = ens:nlost(), ens:size()
    if mpi.partial(ens) then lost, size = table.unpack(mpi.sum({lost, size})) end
    if lost > 0 and run then
      -- Which, when and why (this process's replicas: all of them but under MPI).
      local which = {}
      if not mpi.partial(ens) then
        for i, l in ipairs(ens:lost()) do
          if i > 3 then which[#which + 1] = "..."; break end
          which[#which + 1] = string.format("replica %d at step %d: %s", l.replica, l.step,
            l.reason)
        end
      end
      run:log("%s: %d of %d replicas lost (non-finite loss or weights)%s; averages exclude "
        .. "them. Lower lr or T if that was not meant", phase, lost, size,
        #which > 0 and " (" .. table.concat(which, "; ") .. ")" or "")
    end
  end
  local journal = run and run.journal
  if journal then
    local dyn = tostring(integ):gsub("^glass%.Integrator ", "")
    local computed = journal:segment(ens, observers, phase, to, work, dyn)
    note_losses(run, ens, phase, from)
    return computed
  end
  work(run and run.point_hooks)
  note_losses(run, ens, phase, from)
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

-- The loss trace's steps (p.loss_trace points per decade, 0 or absent: none):
-- from, then from + each step of glass.schedule.log{last = to - from}.
function M.trace_steps(p, from, to)
  local k = p.loss_trace or 0
  if k <= 0 or to <= from then return {} end
  local out = {from}
  for _, s in ipairs(G().schedule.log{first = 1, last = to - from, per_decade = k}:steps()) do
    out[#out + 1] = from + s
  end
  return out
end

-- The quench: p.quench_epochs epochs of SGD (lr p.quench_lr, or p.lr where that
-- is 0 or absent; batch p.batch, L2 p.lambda) from the random initialisation.
-- Returns the step reached.  With p.loss_trace > 0 and a run, the state
-- (loss, accuracy, unsatisfied rows: glass.report) at the trace's steps goes
-- to the run's quench.csv; observing does not change the trajectory.
-- With --from=FILE the ensemble starts from the file (M.ensemble) and the
-- quench is skipped.
-- The same dataset and rows with other values (the CRC a file records) is
-- said, not refused: the PCA's last bits depend on the machine's BLAS and
-- LAPACK kernels (Fashion-MNIST's differ under two OpenBLAS cores), so a
-- file saved on another machine differs there.  The line, or nil.
local function from_values_note(path, land)
  local info, here = core.ensemble_info(path), land:dataset()
  if info.data_crc == 0 or not here or here.crc == info.data_crc then return nil end
  return string.format("note: --from=%s was saved on the same dataset and rows with other values "
    .. "(data CRC %08x, here %08x): another machine's rounding of the preprocessing (BLAS, "
    .. "LAPACK), or other preprocessing; the run goes on from those networks", path,
    info.data_crc, here.crc)
end

function M.quench(run, ens, p, data)
  need(p, "glass.lab.quench", {"batch", "quench_epochs", "lr", "lambda"})
  if p.from and p.from ~= "" then
    if run then
      run:log("quench skipped: started from %s at step %d", p.from, ens:step())
      local note = from_values_note(p.from, ens:landscape())
      if note then run:log("%s", note) end
    end
    return ens:step()
  end
  local epoch = M.epoch_steps(p, data)
  local lr = (p.quench_lr or 0) > 0 and p.quench_lr or p.lr
  local sgd = G().sgd{lr = lr, batch = p.batch, lambda = p.lambda}
  local from = ens:step()
  local to = from + p.quench_epochs * epoch
  local report = require "glass.report"
  local at = M.trace_steps(p, from, to)
  local trace = #at > 0 and report.state_observer(at, p.lambda) or nil
  M.advance(run, ens, sgd, to, trace and {trace} or nil, string.format("quench: SGD %d epoch%s%s",
    p.quench_epochs, p.quench_epochs == 1 and "" or "s",
    lr ~= p.lr and string.format(" at lr %g", lr) or ""))
  if trace and run then
    local tbl = report.state_table{"epoch"}
    report.add_state(tbl, trace, {epoch = function(r) return (r.step - from) / epoch end},
      function(step) return step - from end)
    run:write_csv("quench", tbl, {string.format("the quench's loss trace: SGD at lr %g, batch "
      .. "%d, %d steps per epoch, %d points per decade of steps (--loss_trace)", lr, p.batch,
      epoch, p.loss_trace), report.STATE_MEANS .. "; t = step - (step at the start of the "
      .. "quench), epoch = t / (steps per epoch)"})
  end
  return to
end

-- Each replica's state now (ens:eval on all rows, L2 strength `lambda`): rows
-- {replica, loss, data_loss, accuracy, unsat, lost} in replica order, gathered over
-- the ranks (every rank gets all); a lost replica's values are NaN.  A replica
-- whose weights are finite but whose loss is not (the outputs overflow float32:
-- the run's own check looks at the loss of the step before the last update) is
-- lost too.
function M.states(ens, lambda)
  local lost = {}
  for _, l in ipairs(ens:lost()) do lost[l.replica] = true end
  local nan = 0 / 0
  local none = {loss = nan, data_loss = nan, accuracy = nan, unsat = nan}
  local rows, off = {}, offset(ens)
  for r = 1, ens:size() do
    local e = lost[r] and none or ens:eval(r, lambda)
    if not (math.abs(e.loss) < math.huge) then e, lost[r] = none, true end
    rows[r] = {replica = off + r, loss = e.loss, data_loss = e.data_loss,
               accuracy = e.accuracy, unsat = e.unsat, lost = lost[r] and 1 or 0}
  end
  return gather_list(ens, rows)
end

-- The log's words on M.states' rows: "" when none is lost, otherwise how many of
-- how many diverged (their values are NaN, left out of every mean).
function M.lost_note(rows)
  local k = 0
  for _, r in ipairs(rows) do k = k + (r.lost == 1 and 1 or 0) end
  if k == 0 then return "" end
  return string.format("; %d of %d init%s lost (non-finite loss: diverged), left out of the "
    .. "means; a lower --lr may help", k, #rows, #rows == 1 and "" or "s")
end

-- Minimisation as for the paper's phase diagram: p.epochs of SGD (batch
-- p.batch, lr p.lr), then p.polish GD steps at lr and p.polish at lr/10, all
-- with L2 strength `lambda`.  Returns M.states' rows after it (one per
-- replica; lost replicas have NaN values).  With a run the rows are a memo:
-- a resumed run gets them without recomputing.
function M.minimise(run, ens, p, data, lambda, label)
  label = label or ""
  need(p, "glass.lab.minimise", {"lr", "batch", "epochs", "polish"})
  if type(lambda) ~= "number" then
    error("glass.lab.minimise(run, ens, p, data, lambda [, label]): lambda (the L2 "
      .. "coefficient) must be a number, got " .. type(lambda), 2)
  end
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
    return M.states(ens, lambda)
  end
  if not run then return minimise() end
  return run:memo(label .. "minimise", {ens}, minimise)
end

-- ---- sweep points ----------------------------------------------------------------

-- A rank's sweep point stops when it finds DIR/STOP (every chunk), as a
-- segment does; a signal makes its ens:run fail with "interrupted".
local function point_hooks(run)
  return {after = function()
    if checkpoint.stop_requested(run.dir) then error(checkpoint.stop_error(), 0) end
  end}
end

-- fn() -> true, result | false, {stop = true} | {signal = true} | {err = message}.
-- Two pcalls, as in Journal:segment (a signal hook may raise again).  A
-- stop already decided (a glass.Error with `exit`) goes on.
local function attempt(fn)
  local ok, res
  local ok1, err1 = pcall(function() ok, res = pcall(fn) end)
  if not ok1 then ok, res = false, err1 end
  if ok then return true, res end
  if type(res) == "table" and res.stop then return false, {stop = true} end
  if core.interruption(res) then return false, {signal = true} end
  if core.is_error(res) and res.exit then error(res, 0) end
  return false, {err = tostring(res)}
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
      if mpi.is_root() then io.stderr:write("glassvm: " .. err .. "\n"); io.stderr:flush() end
      mpi.barrier()
      error(core.error{message = err, exit = 1, printed = true}, 0)
    end
    if (stop or signal) and journal and i <= n then
      journal:stop(stop and checkpoint.stop_error()
        or {why = "interrupted by a signal (SIGINT or SIGTERM)"},
        string.format("after %d of %d sweep points", i - 1, n))
    end
  end
end

-- Mean, s.e. and geometric mean of a list; the pooled non-Gaussian parameter
-- with its jackknife error (lua/glass/stats.lua).
M.stats, M.pooled_alpha2 = stats.stats, stats.pooled_alpha2

-- The steps of a two-time observer's `tw` or `lags` option, as a sorted list:
-- a number, an array, a glass.Schedule or (lags only) log options {last = ...}.
local function option_steps(g, v, allow_log)
  if allow_log and type(v) == "table" and v[1] == nil then return g.schedule.log(v):steps() end
  return g.schedule.union{v}:steps()
end

-- The caller's tw must not lie before t0 + p.tw: the observer is attached
-- only after the waiting phase (the copy, w0 and a same-basin ensemble are
-- all taken at t0 + p.tw), so an earlier t_w could not be measured.  Refused
-- here, at the caller's line, rather than by the engine once the ensemble
-- has run past it.
local function check_tws(tws, t0, p)
  local first, start = tws[1], t0 + p.tw
  if first >= start then return end
  local fix = first >= t0 and string.format("lower p.tw to %d (a copy of p: "
    .. "setmetatable({tw = %d}, {__index = p}))", first - t0, first - t0)
    or string.format("waiting times are absolute steps: add t0 = %d", t0)
  error(string.format("glass.lab.anneal: obs_opts.tw has t_w = %d, before t0 + p.tw = %d, "
    .. "where the measurement starts; %s", first, start, fix), 3)
end

-- Langevin at temperature T on a copy of `ens`: the copy waits from t0 to
-- t0 + p.tw, then a two-time observer built from obs_opts measures.  Its tw
-- defaults to {t0 + p.tw} and its lags to p.per_decade log-spaced lags up to
-- p.tmax; given ones are kept (a t_w before t0 + p.tw is refused), and the
-- run goes on until their last measurement (the last t_w + the last lag),
-- so a lag asked for is never silently left out.  Returns the observer and
-- the copy's weights at t0 + p.tw (a list per replica) when want_w0 is set.
-- The copy is closed.  Under MPI both hold every rank's replicas, on every rank.
-- opts.seed: the copy's seed for its noise (default: the ensemble's, the
-- same stream at every T; glass.report.point_seed gives each T its own);
-- opts.state: also return a scalar observer (glass.report.state_observer)
-- fired at t0 (after the quench), at t0 + p.tw and at t0 + p.tw + every lag
-- of the p.per_decade schedule up to p.tmax (not the caller's lags: the
-- shipped protocols' state.csv stays what it was);
-- opts.same_basin = K: the measurement runs on a same-basin ensemble built
-- at t_w (K noise replicas started from each replica's weights at t_w:
-- ens:same_basin).  With opts.state too, the state is then a list of two
-- observers (glass.report.add_state takes it): one on the source ensemble
-- (after the quench and at t_w, one row per network) and one on the
-- same-basin ensemble (every lag after t_w, its B x K replicas).
function M.anneal(run, ens, p, T, t0, obs_opts, want_w0, opts)
  opts = opts or {}
  core.check_options(opts, "glass.lab.anneal", {"seed", "state", "same_basin"}, 2)
  need(p, "glass.lab.anneal", {"lr", "lambda", "tw"})
  if type(obs_opts) ~= "table" then
    error("glass.lab.anneal(run, ens, p, T, t0, obs_opts, ...): obs_opts must be the "
      .. "two-time observer's options ({chi = {300}}, say), got " .. type(obs_opts), 2)
  end
  -- p.tmax and p.per_decade only make the default lags (which the state
  -- observer always uses): a caller who gives lags need not have them.
  if obs_opts.lags == nil or opts.state then need(p, "glass.lab.anneal", {"tmax", "per_decade"}) end
  local g = G()
  local lags = p.per_decade and p.tmax
    and g.schedule.log{first = 1, last = p.tmax, per_decade = p.per_decade}
  local o = {tw = {t0 + p.tw}, lags = lags}
  for k, v in pairs(obs_opts) do o[k] = v end
  -- Built before anything runs: a bad option stops the call at once.
  local obs = g.observer.two_time(o)
  local tws, olags = option_steps(g, o.tw), option_steps(g, o.lags, true)
  check_tws(tws, t0, p)
  local last = tws[#tws] + olags[#olags]
  local e = opts.seed and ens:clone{seed = opts.seed} or ens:clone()
  local langevin = g.langevin{lr = p.lr, T = T, lambda = p.lambda}
  local phase = string.format("Langevin T=%g", T)
  local report = opts.state and require "glass.report"
  local state, source
  if opts.state then
    local steps = opts.same_basin and {t0, t0 + p.tw}
      or report.state_steps(t0, {t0 + p.tw}, lags)
    for _, s in ipairs(M.trace_steps(p, t0, t0 + p.tw)) do steps[#steps + 1] = s end
    state = report.state_observer(steps, p.lambda)
    last = math.max(last, t0 + p.tw + lags:at(#lags))
  end
  M.advance(run, e, langevin, t0 + p.tw, state and {state} or nil, phase .. " (waiting)")
  if opts.same_basin then
    if state then -- the source's rows, then the copies' from the first lag on
      source = mpi.allgather_observer(state, nil, e)
      local after = {}
      for _, l in ipairs(lags:steps()) do after[#after + 1] = t0 + p.tw + l end
      state = report.state_observer(after, p.lambda)
    end
    local sb = e:same_basin{K = opts.same_basin}
    e:close()
    e = sb
  end
  local w0
  if want_w0 then
    w0 = {}
    for r = 1, e:size() do w0[r] = e:weights(r) end
    w0 = gather_list(e, w0)
  end
  M.advance(run, e, langevin, last, {obs, state}, phase)
  e:close()
  if source then state = {source, state} end
  return obs, w0, state
end

-- What glass.analysis.tau did for `method`, in words, for a tau.csv comment
-- (docs/analysis.md, "τ at a threshold").
function M.tau_text(method)
  if method == "first" then
    return "the first measured lag with Q below 0.9 and 1/e (method first, the paper's: "
      .. "quantised to the lag grid)"
  end
  if method == "interp" then
    return "the lag where Q crosses 0.9 and 1/e, interpolated linearly in log t between the "
      .. "last lag above and the first lag below (method interp)"
  end
  if method == "of_mean" then
    return "the first saved lag where the replica-mean Q is below 0.9 and 1/e (method of_mean)"
  end
  return string.format("per replica the first saved lag with Q below 0.9 and 1/e, none if "
    .. "that is the first lag or below 4 steps, then the mean over %s (method %s%s)",
    method == "per_replica" and "replicas, none if any replica has none"
    or "the replicas that have one", method, method == "per_replica" and ", the authors'" or "")
end

-- Columns of a glass.Table as Lua arrays: lab.columns(tbl, "t", "Q_mean").
-- A missing column is an error at the caller's line.
function M.columns(tbl, ...)
  if tbl == nil then error("glass.lab.columns(tbl, name, ...): tbl is nil (a glass.Table)", 2) end
  local out = {}
  for i, name in ipairs({...}) do
    local ok, col = pcall(tbl.column, tbl, name)
    if not ok then error("glass.lab.columns: " .. tostring(col):gsub("^column: ", ""), 2) end
    out[i] = col
  end
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
