-- glass.protocol: the glue protocols share, and the hook that puts the
-- Lua-side library into the `glass` table (called from glass/init.lua).
--
--   glass.params{...}      parameters (glass/params.lua)
--   glass.run(p)           output directory, log, CSVs, plots (glass/run.lua)
--   glass.progress{...}    progress reports (glass/progress.lua)
--   glass.plot             gnuplot figures (glass/plot.lua)
--   glass.drive(ens, {integrator=, to= | steps=, observers=, progress=, limit=, after=})
--                          ens:run{seconds=} in chunks of ~0.5 s of work, reporting progress
--   glass.mpi              ranks, partitions, reductions (glass/mpi.lua, docs/cluster.md)
--   glass.json             a JSON writer (glass/json.lua; run.json, docs/file-formats.md)
local params = require "glass.params"
local progress = require "glass.progress"
local plot = require "glass.plot"
local run = require "glass.run"
local lab = require "glass.lab"
local mpi = require "glass.mpi"
local json = require "glass.json"
local core = require "glass.core"

local M = {}

-- Wall seconds one chunk of ens:run should take: long enough that Lua is
-- called rarely, short enough for a lively progress line and a prompt ^C.
-- The engine stops there itself (ens:run{seconds=}); its blocks adapt to
-- the speed.
M.CHUNK_SECONDS = 0.5

-- Advance `ens` to opts.to (or by opts.steps) with opts.integrator and
-- opts.observers, in chunks of about M.CHUNK_SECONDS of work each
-- (ens:run{seconds=}; opts.chunk: chunks of that many steps instead).
-- Observers see exactly the steps of one uninterrupted ens:run: chunking
-- only adds return points, never skips an event.  Returns the wall time.
-- opts.limit(step) -> a step no chunk may pass (a checkpoint is due there);
-- opts.after(step) is called after every chunk (checkpoints, STOP files).
-- With several MPI ranks each chunk is mpi.run: collective for a
-- distributed ensemble, every rank ending it at the same step.
function M.drive(ens, opts)
  if ens == nil or type(opts) ~= "table" then
    error(string.format("glass.drive(ens, {integrator=, to= | steps=, ...}): got a %s and a %s",
      type(ens), type(opts)), 2)
  end
  core.check_options(opts, "glass.drive", {"integrator", "to", "steps", "observers", "chunk",
    "progress", "limit", "after"}, 2)
  local cur = ens:step()
  if (opts.to == nil) == (opts.steps == nil) then
    error("glass.drive: give to= (the step to run to) or steps= (how many), one of the two", 2)
  end
  local target = opts.to or cur + opts.steps
  if math.tointeger(target) == nil then
    error(string.format("glass.drive: %s = %s must be a whole number of steps",
      opts.to and "to" or "steps", tostring(opts.to or opts.steps)), 2)
  end
  if target < cur then
    error(string.format("glass.drive: %s = %s would end at step %s, before the ensemble's step %d "
      .. "(to= is a step, not a number of steps: t0 + tw + tmax, say)",
      opts.to and "to" or "steps", tostring(opts.to or opts.steps), tostring(target), cur), 2)
  end
  local pr = opts.progress
  local t0 = progress.clock()
  local run = mpi.size() > 1 and mpi.run or ens.run
  while cur < target do
    local goal = opts.chunk and math.min(target, cur + opts.chunk) or target
    if opts.limit then goal = math.max(cur + 1, math.min(goal, opts.limit(cur))) end
    run(ens, {integrator = opts.integrator, to = goal, observers = opts.observers,
              seconds = not opts.chunk and M.CHUNK_SECONDS or nil})
    cur = ens:step()
    if pr then pr:update(cur) end
    if opts.after then opts.after(cur) end
  end
  if pr then pr:update(cur) end
  return progress.clock() - t0
end

-- Put the library into `glass`.
function M.install(glass)
  glass.params = params
  glass.protocol_params = params.protocol_params
  glass.run = run
  glass.progress = progress
  glass.plot = plot
  glass.drive = M.drive
  glass.protocol = M
  glass.lab = lab
  glass.report = require "glass.report"
  glass.mpi = mpi
  glass.json = json
  return glass
end

return M
