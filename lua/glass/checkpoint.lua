-- glass.checkpoint: checkpoints seen from Lua.
--
--   local C = require "glass.checkpoint"
--   C.save(path, {ensembles = {main = ens}, observers = {ageing = obs},
--                 state = {phase = "anneal", T = 1e-6, params = saved}})
--   local ck, state = C.resume(path, current_params)   -- nil if no checkpoint
--   local ens = ck:ensemble("main", landscape); ck:restore_observer("ageing", obs)
--
-- It is also glass.checkpoint: one name for one thing.  M.load is the C
-- side's load and M.save its save (a state table encoded first); the C
-- table itself is require("glass.core").checkpoint.
-- The C side (glass.core's checkpoint.save/load, src/lgv_ckpt.c) stores
-- ensembles, observers and one opaque string; this module turns the
-- protocol's state table into that string and back (C.encode/C.decode),
-- compares saved parameters with the current ones (C.differences) and
-- decides whether a run may resume (C.resume).  docs/reliability.md,
-- "Checkpoints and resuming", describes the whole scheme.
--
-- Three files: glass.codec (the state format: encode, decode), this one
-- (save, load, compare, resume) and glass.journal (protocol runs: segments,
-- replay and resuming; its functions are this module's too: C.journal,
-- C.wipe, C.stop_error, ...).
local glass_core = require "glass.core"
local core = glass_core.checkpoint
local fs = require "glass.fs"
local codec = require "glass.codec"

local M = {}

M.FILE = "checkpoint.gvckpt"    -- name of a protocol's checkpoint in its output directory
M.STOP = "STOP"                 -- a file of this name in the output directory asks the run to stop

M.load = core.load
M.FORMAT, M.MAX_DEPTH = codec.FORMAT, codec.MAX_DEPTH
M.encode, M.decode = codec.encode, codec.decode
local float_text, key_less = codec.float_text, codec.key_less

-- ---- saving and loading -------------------------------------------------------

-- C.call_at(level, f, ...) -> f(...), whose refusal is raised again at
-- `level` as error() counts it from the function calling call_at (2: that
-- function's caller, the user's line), as if f had been called there: under
-- pcall f's message has no position of its own (its caller is C); error()
-- puts the position in front of a string, and in front of a glass.Error's
-- message.  For the library's Lua wrappers of C functions (not tail calls:
-- a tail call would drop the wrapper's level).
function M.call_at(level, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then return table.unpack(r, 2, r.n) end
  local err = r[2]
  if type(err) == "string" then error(err, level + 1) end
  if glass_core.is_error(err) and type(err.message) == "string" then
    local _, where = pcall(error, "", level + 2) -- error, pcall, call_at, then its callers
    err.message = where .. err.message
  end
  error(err, 0)
end
local call_at = M.call_at

-- The options of C.save as a copy with a state table encoded; an encoding
-- error names the line `level` up from the caller, as error() counts.
function M.save_options(opts, level)
  if type(opts) ~= "table" then return opts end -- (the C side says what it expects)
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  if type(copy.state) == "table" then copy.state = call_at(level + 1, M.encode, copy.state) end
  return copy
end

-- C.save(path, {ensembles=, observers=, state=table|string, keep_previous=}):
-- as glass.checkpoint.save, with a state table encoded first.
function M.save(path, what)
  call_at(2, core.save, path, M.save_options(what, 2))
end

-- The state table of a loaded checkpoint (nil if it has none).
function M.state(ck)
  local s = ck:state()
  if s == nil then return nil end
  return M.decode(s, ck:path() .. ": state")
end

-- ---- comparing parameters -------------------------------------------------------

local function show(v)
  if type(v) == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    if v == v and v ~= math.huge and v ~= -math.huge then return glass_core.format_number(v) end
    return float_text(v)
  end
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      if i > 8 then parts[#parts + 1] = "..."; break end
      parts[#parts + 1] = show(x)
    end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n > #v then parts[#parts + 1] = "(and " .. (n - #v) .. " named fields)" end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end
M.show = show

-- Equal as data: numbers by value (nan equals nan), tables field by field.
local function same(a, b)
  if type(a) == "number" and type(b) == "number" then
    return a == b or (a ~= a and b ~= b)
  end
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
M.same = same

-- The differences between saved and current parameter tables, as lines
-- "T: checkpoint 1e-06, now 2e-06", sorted by name.  opts.ignore: a list
-- or set of names not to compare (run control: out, threads, quiet, ...).
function M.differences(saved, current, opts)
  opts = opts or {}
  glass_core.check_options(opts, "glass.checkpoint.differences", {"ignore"}, 2)
  local ignore = {}
  for k, v in pairs(opts.ignore or {}) do
    if type(k) == "number" then ignore[v] = true else ignore[k] = v end
  end
  local names, seen = {}, {}
  for k in pairs(saved or {}) do if not seen[k] then seen[k] = true; names[#names + 1] = k end end
  for k in pairs(current or {}) do if not seen[k] then seen[k] = true; names[#names + 1] = k end end
  table.sort(names, key_less)
  local out = {}
  for _, k in ipairs(names) do
    if not ignore[k] then
      local a, b = saved[k], current[k]
      if not same(a, b) then
        if a == nil then out[#out + 1] = string.format("%s: not in the checkpoint, now %s", k, show(b))
        elseif b == nil then out[#out + 1] = string.format("%s: checkpoint %s, now not given", k, show(a))
        else out[#out + 1] = string.format("%s: checkpoint %s, now %s", k, show(a), show(b)) end
      end
    end
  end
  return out
end

-- ---- resuming ---------------------------------------------------------------------

local exists = fs.exists
M.exists = exists

-- C.open(path [, log]) -> ck | nil: the checkpoint at path, or, if path is
-- refused (corrupt, truncated, foreign) and path .. ".prev" (the generation
-- before) loads, that one; log (a function taking a message, if given) is
-- told why.  nil when neither file exists; if neither loads, the error says
-- why each was refused.
function M.open(path, log)
  local prev = path .. ".prev"
  if not exists(path) and not exists(prev) then return nil end
  local ok, ck = false, nil
  -- (A signal while loading is not a damaged file: it stops the run, it does not fall back.)
  if exists(path) then ok, ck = pcall(core.load, path) end
  local intr = not ok and glass_core.interruption(ck)
  if intr then error(intr, 0) end
  if ok then return ck end
  local why = exists(path) and tostring(ck) or (path .. ": missing")
  local ok2, ck2 = false, nil
  if exists(prev) then ok2, ck2 = pcall(core.load, prev) end
  intr = not ok2 and glass_core.interruption(ck2)
  if intr then error(intr, 0) end
  if not ok2 then
    error(string.format("cannot resume: %s%s\nDelete the checkpoint%s to start over, "
      .. "or use another output directory.", why,
      exists(prev) and ("\nthe previous checkpoint is refused too: " .. tostring(ck2)) or "",
      exists(prev) and string.format(" (and %s)", prev) or ""), 0)
  end
  if log then log(string.format("%s\nresuming from the previous checkpoint %s", why, prev)) end
  return ck2
end

local function refuse_differences(ck, diffs, extra)
  error(string.format("refusing to resume from %s: the parameters differ from the checkpoint's:\n  %s\n"
    .. "Rerun with the original parameters to resume, or choose another --out to start a new run%s.",
    ck:path(), table.concat(diffs, "\n  "), extra or ""), 0)
end

-- C.resume(path, params [, opts]) -> ck, state | nil
-- nil when there is no checkpoint (a fresh run).  Otherwise the checkpoint
-- (C.open: falling back to path .. ".prev") and its decoded state, after
-- checking that state.params equals `params` (minus opts.ignore): any
-- difference raises an error listing them all.  opts.log as for C.open.
function M.resume(path, params, opts)
  opts = opts or {}
  glass_core.check_options(opts, "glass.checkpoint.resume", {"ignore", "log"}, 2)
  local ck = M.open(path, opts.log)
  if not ck then return nil end
  local state = M.state(ck) or {}
  local diffs = M.differences(state.params or {}, params or {}, {ignore = opts.ignore})
  if #diffs > 0 then refuse_differences(ck, diffs) end
  return ck, state
end

-- ---- when to checkpoint -----------------------------------------------------------

-- A trigger: t:due(step) is true once `steps` steps or `seconds` wall
-- seconds have passed since the last t:reset(step) (either may be nil or
-- 0 for never), the first time counted from step `start` (default 0).
-- The clock is a function returning seconds (default os.time; protocols
-- pass their progress clock).
function M.trigger(opts)
  opts = opts or {}
  glass_core.check_options(opts, "glass.checkpoint.trigger", {"steps", "seconds", "clock", "start"}, 2)
  local clock = opts.clock or os.time
  local t = {steps = opts.steps or 0, seconds = opts.seconds or 0}
  t.last_step, t.last_time = opts.start or 0, clock()
  function t:due(step)
    if self.steps > 0 and step - self.last_step >= self.steps then return true end
    if self.seconds > 0 and clock() - self.last_time >= self.seconds then return true end
    return false
  end
  function t:reset(step)
    self.last_step, self.last_time = step, clock()
  end
  return t
end

-- True if the run was asked to stop by a STOP file in `dir` (anything of
-- that name: a dangling link, or a file it cannot read, asks as well).
function M.stop_requested(dir)
  return fs.lexists(dir .. "/" .. M.STOP)
end
M.refuse_differences = refuse_differences

require("glass.journal").install(M)   -- C.journal, C.wipe, C.stop_error, ...

return M
