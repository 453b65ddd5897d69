-- glass.checkpoint: checkpoints seen from Lua.
--
--   local C = require "glass.checkpoint"
--   C.save(path, {ensembles = {main = ens}, observers = {ageing = obs},
--                 state = {phase = "anneal", T = 1e-6, params = saved}})
--   local ck, state = C.resume(path, current_params)   -- nil if no checkpoint
--   local ens = ck:ensemble("main", landscape); ck:restore_observer("ageing", obs)
--
-- The C side (glass.core's checkpoint.save/load, src/lgv_ckpt.c) stores
-- ensembles, observers and one opaque string; this module turns the
-- protocol's state table into that string and back (C.encode/C.decode),
-- compares saved parameters with the current ones (C.differences) and
-- decides whether a run may resume (C.resume).  docs/reliability.md,
-- "Checkpoints and resuming", describes the whole scheme.
--
-- The state format is parsed, never executed: a checkpoint cannot run code.
-- Numbers come back exactly (floats as C99 hex, "%a"; integers in decimal;
-- inf and nan by name), strings byte for byte (length-prefixed).
local core = require("glass.core").checkpoint
local fs = require "glass.fs"

local M = {}

M.FILE = "checkpoint.gvckpt"    -- name of a protocol's checkpoint in its output directory
M.STOP = "STOP"                 -- a file of this name in the output directory asks the run to stop
M.FORMAT = "GVS1"               -- first bytes of an encoded state
M.MAX_DEPTH = 64                -- nesting deeper than this is refused both ways

M.load = core.load

-- ---- encoding ---------------------------------------------------------------

-- Order keys deterministically (numbers, then strings, then booleans), so
-- that equal tables give equal bytes.
local KEY_RANK = {number = 1, string = 2, boolean = 3}

local function key_less(a, b)
  local ra, rb = KEY_RANK[type(a)], KEY_RANK[type(b)]
  if ra ~= rb then return ra < rb end
  if ra == 3 then return (not a) and b end
  return a < b
end

local function path_of(path, k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
  return string.format("%s[%s]", path, tostring(k))
end

local function float_text(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%a", x)
end

local function encode_value(v, out, path, depth, open)
  local t = type(v)
  if t == "boolean" then
    out[#out + 1] = v and "T" or "F"
  elseif t == "number" then
    if math.type(v) == "integer" then out[#out + 1] = "i" .. string.format("%d", v) .. ";"
    else out[#out + 1] = "d" .. float_text(v) .. ";" end
  elseif t == "string" then
    out[#out + 1] = "s" .. #v .. ":" .. v
  elseif t == "table" then
    if open[v] then error(path .. " refers back to a table that contains it; only trees can be saved", 0) end
    if depth >= M.MAX_DEPTH then error(path .. " is nested more than " .. M.MAX_DEPTH .. " levels deep", 0) end
    if getmetatable(v) ~= nil then
      error(path .. " has a metatable (an object?); only plain tables can be saved", 0)
    end
    open[v] = true
    local keys = {}
    for k in pairs(v) do
      if not KEY_RANK[type(k)] then
        error(string.format("%s has a %s key; keys must be numbers, strings or booleans", path, type(k)), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys, key_less)
    out[#out + 1] = "{"
    for _, k in ipairs(keys) do
      encode_value(k, out, path, depth + 1, open)
      encode_value(v[k], out, path_of(path, k), depth + 1, open)
    end
    out[#out + 1] = "}"
    open[v] = nil
  else
    error(string.format("%s is a %s; only numbers, strings, booleans and plain tables can be saved",
      path, t), 0)
  end
end

-- A Lua value of plain data as a string (errors name the offending field).
function M.encode(v, name)
  local out = {M.FORMAT}
  local ok, err = pcall(encode_value, v, out, name or "state", 0, {})
  if not ok then error("glass.checkpoint.encode: " .. tostring(err), 2) end
  return table.concat(out)
end

-- ---- decoding ---------------------------------------------------------------

-- Parse s (from M.encode) back; `what` names it in messages.  Raises on
-- anything malformed, saying at which byte.
function M.decode(s, what)
  what = what or "checkpoint state"
  if type(s) ~= "string" then error(what .. ": expected a string, got " .. type(s), 2) end
  local function bad(pos, why)
    error(string.format("%s: corrupt state at byte %d: %s", what, pos, why), 0)
  end
  if s:sub(1, #M.FORMAT) ~= M.FORMAT then
    bad(1, string.format("it does not start with %q (not written by glass.checkpoint.encode)", M.FORMAT))
  end
  local pos = #M.FORMAT + 1
  local value
  local function parse(depth)
    if depth > M.MAX_DEPTH then bad(pos, "nested more than " .. M.MAX_DEPTH .. " levels deep") end
    local tag = s:sub(pos, pos)
    if tag == "" then bad(pos, "it ends in the middle of a value") end
    pos = pos + 1
    if tag == "T" then return true end
    if tag == "F" then return false end
    if tag == "i" then
      local text = s:match("^(-?%d+);", pos)
      local v = text and math.tointeger(tonumber(text))
      if not v then bad(pos, "bad integer") end
      pos = pos + #text + 1
      return v
    end
    if tag == "d" then
      local text = s:match("^([^;]*);", pos)
      local v
      if text == "nan" then v = 0.0 / 0.0
      elseif text == "inf" then v = math.huge
      elseif text == "-inf" then v = -math.huge
      elseif text and text:match("^%-?0x%x+%.?%x*p[%+%-]%d+$") then v = tonumber(text)
      end
      if not v then bad(pos, "bad number") end
      pos = pos + #text + 1
      if math.type(v) == "integer" then v = v + 0.0 end -- (not for floats: -0.0 + 0.0 is 0.0)
      return v
    end
    if tag == "s" then
      local len = s:match("^(%d+):", pos)
      local n = len and math.tointeger(tonumber(len))
      if not n then bad(pos, "bad string length") end
      local start = pos + #len + 1
      if start + n - 1 > #s then bad(pos, "a string runs past the end") end
      pos = start + n
      return s:sub(start, start + n - 1)
    end
    if tag == "{" then
      local t = {}
      while true do
        local c = s:sub(pos, pos)
        if c == "}" then pos = pos + 1; return t end
        if c == "" then bad(pos, "a table is not closed") end
        local kpos = pos
        local k = parse(depth + 1)
        if type(k) == "table" then bad(kpos, "a table used as a key") end
        if k ~= k then bad(kpos, "nan used as a key") end
        if t[k] ~= nil then bad(kpos, "the key " .. tostring(k) .. " appears twice") end
        local v = parse(depth + 1)
        t[k] = v
      end
    end
    bad(pos - 1, string.format("unexpected byte %q", tag))
  end
  value = parse(0)
  if pos ~= #s + 1 then bad(pos, "extra bytes after the value") end
  return value
end

-- ---- saving and loading -------------------------------------------------------

-- C.save(path, {ensembles=, observers=, state=table|string, keep_previous=}):
-- as glass.checkpoint.save, with a state table encoded first.
function M.save(path, what)
  local opts = {}
  for k, v in pairs(what) do opts[k] = v end
  if type(opts.state) == "table" then opts.state = M.encode(opts.state) end
  return core.save(path, opts)
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
    for prec = 15, 17 do
      local s = string.format("%." .. prec .. "g", v)
      if tonumber(s) == v then return s end
    end
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
  if exists(path) then ok, ck = pcall(core.load, path) end
  if ok then return ck end
  local why = exists(path) and tostring(ck) or (path .. ": missing")
  local ok2, ck2 = false, nil
  if exists(prev) then ok2, ck2 = pcall(core.load, prev) end
  if not ok2 then
    error(string.format("cannot resume: %s%s\nDelete the checkpoint (and %s) to start over, "
      .. "or use another output directory.", why,
      exists(prev) and ("\nthe previous checkpoint is refused too: " .. tostring(ck2)) or "", prev), 0)
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
  local ck = M.open(path, opts.log)
  if not ck then return nil end
  local state = M.state(ck) or {}
  local diffs = M.differences(state.params or {}, params or {}, opts)
  if #diffs > 0 then refuse_differences(ck, diffs) end
  return ck, state
end

-- ---- when to checkpoint -----------------------------------------------------------

-- A trigger: t:due(step) is true once `steps` steps or `seconds` wall
-- seconds have passed since the last t:reset(step) (either may be nil or
-- 0 for never).  The clock is a function returning seconds (default
-- os.time; protocols pass their progress clock).
function M.trigger(opts)
  opts = opts or {}
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

-- True if the run was asked to stop by a STOP file in `dir`.
function M.stop_requested(dir)
  return exists(dir .. "/" .. M.STOP)
end

-- ---- protocol runs: segments, replay and resuming -------------------------------
--
-- A protocol is a script with loops, so a run resumes by replaying it: the
-- script runs again from the top (loading data and building objects is
-- deterministic), and every lab.advance call is a numbered segment.  When a
-- segment completes, the ensemble and observers it advanced are saved
-- (DIR/checkpoints/segment-NNNN.gvckpt, and -observers.gvckpt) and the
-- journal (DIR/checkpoint.gvckpt, "the head": parameters, the completed
-- segments, memo results) is rewritten.  On resume a completed segment is
-- not computed: its objects are marked to be restored from its files, and
-- are restored when they are next used (lazily: a watch on the methods of
-- glass.Ensemble and glass.Observer notices the use).  The segment that was
-- running is restored from the head, which also holds its objects when it
-- was saved mid-way (on a schedule, SIGINT/SIGTERM or a STOP file), and
-- continues; from there on the run is live.
--
-- Disk stays bounded: a file is deleted once no replay can need it -- an
-- ensemble's file once a later segment of the same ensemble completed, or
-- the ensemble was closed, without the script reading it in between.
-- Deletions wait until the next head is written, so the previous head
-- (checkpoint.gvckpt.prev, the fallback when the head is corrupt) never
-- refers to a deleted file.  run:memo(label, outputs, fn) records fn's
-- plain-data result, so a replay skips fn entirely (lab.minimise uses it:
-- its ensemble is evaluated, then closed, and its files go).
--
-- Under MPI (docs/cluster.md) every rank replays the same script.  An
-- ensemble spread over the ranks (glass.mpi.distribute) is saved with
-- glass.mpi's collective save, which writes on rank 0 the file one process
-- would write, and each rank restores its own block of replicas from it, so
-- a run resumes on any number of ranks.  Rank 0 alone writes, deletes and
-- checks for the STOP file; it decides when to checkpoint and tells the
-- others, so that all ranks stop or save at the same step.  Sweep points
-- computed by one rank each (glass.lab.sweep, points mode) bypass the
-- journal inside a point; their results are gathered and recorded on
-- every rank as memos (Journal:record), so the head is rank-count free.

M.SEGMENTS = "checkpoints"       -- directory of the per-segment files
M.EXIT_STOP = 75                 -- exit status after a STOP file (EX_TEMPFAIL: rerun to continue)
M.JOURNAL_FORMAT = 1

-- Errors for people: a table whose __tostring is the message, so that
-- glassvm prints it without a Lua traceback.
local Failure = {__tostring = function(f) return f.msg end}
local function fail(msg) error(setmetatable({msg = msg}, Failure), 0) end
M.fail = fail

local shell_quote = fs.shell_quote

-- glass.mpi (loaded lazily: it requires this module).
local function mpi() return require "glass.mpi" end
local function is_root() return mpi().rank() == 0 end
local function many() return mpi().size() > 1 end

local Journal = {}
Journal.__index = Journal

local RAW = {}   -- the method tables of glass.Ensemble and glass.Observer, while watched
local active     -- the journal whose objects the watch serves

-- Methods that change an ensemble outside a segment: inside a run:memo,
-- the objects they change must not outlive the memo (Journal:memo).
local CHANGES = {run = true, set_weights = true, set_step = true}

-- The watch: while a journal is active, the __index of glass.Ensemble and
-- glass.Observer is a function that looks methods up in their tables and
-- first tells the journal: `close` lets the object's files go (if nothing
-- read it since they were written); any other method restores a pending
-- object and marks it read.  The method itself is returned unwrapped, so
-- errors keep naming the caller's line and the method.  ens:run also uses
-- the observers it is given (a thin wrapper); inside a memo, run,
-- set_weights and set_step mark what they change, and a clone of a marked
-- ensemble is marked too.
local function install_watch()
  if RAW.ens or RAW.obs then return end
  local reg = debug.getregistry()
  for key, tname in pairs({ens = "glass.Ensemble", obs = "glass.Observer"}) do
    local mt = reg[tname]
    local methods = type(mt) == "table" and type(mt.__index) == "table" and mt.__index
    if methods then
      RAW[key] = methods
      local run = methods.run
      local run_watched = run and function(self, opts, ...)
        local j = active
        if j and type(opts) == "table" and type(opts.observers) == "table" then
          for _, o in ipairs(opts.observers) do
            j:touch(o)
            j:changing(o, "obs")
          end
        end
        -- Called through pcall, run's errors carry no position: give them
        -- the caller's, as a direct call would.
        local res = table.pack(pcall(run, self, opts, ...))
        if res[1] then return table.unpack(res, 2, res.n) end
        local err = res[2]
        for level = 2, 4 do
          local at = type(err) == "string" and debug.getinfo(level, "Sl")
          if not at then break end
          if at.currentline > 0 then
            err = string.format("%s:%d: %s", at.short_src, at.currentline, err)
            break
          end
        end
        error(err, 0)
      end
      local clone = methods.clone
      local function clone_marked(self, ...)
        local c = clone(self, ...)
        if active then active:changing(c, key) end
        return c
      end
      mt.__index = function(obj, name)
        local f = methods[name]
        local j = active
        if j and f ~= nil then
          if name == "close" then j:closing(obj)
          else
            j:touch(obj)
            if CHANGES[name] then j:changing(obj, key) end
            if name == "run" then return run_watched end
            if name == "clone" and j:changed(obj) then return clone_marked end
          end
        end
        return f
      end
    end
  end
end

-- Put the method tables back (the REPL's completion reads them).
local function remove_watch()
  local reg = debug.getregistry()
  for key, tname in pairs({ens = "glass.Ensemble", obs = "glass.Observer"}) do
    if RAW[key] then reg[tname].__index = RAW[key] end
    RAW[key] = nil
  end
end

local function step_of(ens)
  if RAW.ens and RAW.ens.step then return RAW.ens.step(ens) end
  return ens:step()
end

-- A method of ens called without the watch (which would restore it).
local function raw(ens, name)
  local f = RAW.ens and RAW.ens[name] or ens[name]
  return f(ens)
end

-- This rank's block of a distributed ensemble: {first = its first replica
-- counted from the whole ensemble's, count = its replicas}; nil for an
-- ensemble of this rank's own.  Collective for a distributed one (every
-- rank replays the same segments, so they all get here together).
local function block_of(ens)
  if not (many() and mpi().partial(ens)) then return nil end
  local f = raw(ens, "first_replica")
  return {first = f - mpi().min(f), count = raw(ens, "size")}
end

-- Save `what` (as M.save) at path: with one rank, or for objects of this
-- rank's own, rank 0 writes; a distributed ensemble's block and observers
-- go through glass.mpi's collective save, whose file is the one a single
-- process would write.
local function save_as(path, what, blk)
  if blk then
    local opts = {}
    for k, v in pairs(what) do opts[k] = v end
    if type(opts.state) == "table" then opts.state = M.encode(opts.state) end
    return mpi().checkpoint_save(path, opts)
  end
  if is_root() then return M.save(path, what) end
end

-- Restore objects (what: {ensembles =, observers =}, by section name)
-- from the checkpoint at path: a block's replicas, or all of them.
-- check(state), if given, sees the file's state string (nil if none)
-- before anything is restored.
local function restore_from(path, what, blk, check)
  local ck = (check or not blk) and core.load(path)
  if check then check(ck:state()) end
  if blk then
    if ck then ck:close() end
    return mpi().checkpoint_restore(path, {ensembles = what.ensembles, observers = what.observers,
                                           first = blk.first, count = blk.count})
  end
  for name, ens in pairs(what.ensembles or {}) do ck:restore_ensemble(name, ens) end
  for name, obs in pairs(what.observers or {}) do ck:restore_observer(name, obs) end
  ck:close()
end

local function remove_tree(path)
  os.execute("rm -rf -- " .. shell_quote(path))
end

-- Remove a run's checkpoint files (the head, its previous generation and
-- temporary files, the per-segment files).  units: how many segments the
-- run numbered, to remove their files without a shell (then any other file
-- in the directory makes it fall back to rm -r).
function M.wipe(dir, units)
  local head = dir .. "/" .. M.FILE
  for _, suffix in ipairs({"", ".prev", ".tmp", ".refused"}) do os.remove(head .. suffix) end
  local segdir = dir .. "/" .. M.SEGMENTS
  if units then
    for u = 1, units do
      for _, kind in ipairs({"", "-observers"}) do
        local f = string.format("%s/segment-%04d%s.gvckpt", segdir, u, kind)
        os.remove(f); os.remove(f .. ".tmp")
      end
    end
    if os.remove(segdir) or not exists(segdir .. "/.") then return end
  end
  remove_tree(segdir)
end

-- C.journal{dir=, params=, protocol=, version=, force=, every=, minutes=,
--           clock=, command=} -> journal | nil, message
-- Opens the run's journal: resumes from DIR/checkpoint.gvckpt (or .prev)
-- when there is one and the protocol and parameters match; refuses
-- otherwise (nil and the message), unless force, which discards it.
-- every: checkpoint every that many steps inside a segment (0: never);
-- minutes: and after that much wall time since the last checkpoint.
function M.journal(opts)
  local dir = assert(opts.dir, "C.journal: dir")
  local j = setmetatable({
    dir = dir, head = dir .. "/" .. M.FILE, segdir = dir .. "/" .. M.SEGMENTS,
    params = opts.params or {}, protocol = opts.protocol or "?", version = opts.version or "?",
    every = opts.every or 0, seconds = (opts.minutes or 0) * 60,
    clock = opts.clock or os.time, command = opts.command,
    units = {}, n = 0, objs = setmetatable({}, {__mode = "k"}), need = {},
    decided = {}, prev_decided = {}, memos = {}, messages = {}, replayed = 0,
  }, Journal)
  local fell_back = false
  local function note(m) j.messages[#j.messages + 1] = m end
  local ok, ck = pcall(M.open, j.head, function(m) note(m); fell_back = true end)
  local state
  if ok and ck then
    local sok, st = pcall(M.state, ck)
    if not sok then ok, ck = false, tostring(st)
    elseif type(st) ~= "table" or st.format ~= M.JOURNAL_FORMAT or type(st.units) ~= "table" then
      ok, ck = false, string.format("%s is not a protocol run's checkpoint (no journal in it)",
        ck:path())
    elseif st.protocol ~= j.protocol then
      ok, ck = false, string.format("refusing to resume from %s: it was written by protocol %s, "
        .. "this is %s.\nChoose another --out to start a new run", ck:path(),
        tostring(st.protocol), j.protocol)
    else
      local diffs = M.differences(st.params or {}, j.params)
      if #diffs > 0 then
        ok, ck = pcall(refuse_differences, ck, diffs, " (or add --force to discard the checkpoint)")
      else state = st end
    end
  end
  if not ok then
    local why = tostring(ck)
    if not opts.force then return nil, why end
    note("discarding the checkpoint (--force): " .. why)
    if is_root() then M.wipe(dir) end
  elseif state then
    j.units, j.current, j.resumed = state.units, state.current, true
    if fell_back and exists(j.head) and is_root() then
      -- Set the refused head aside, so that the next checkpoint does not
      -- turn it into the .prev generation.
      os.rename(j.head, j.head .. ".refused")
      note("the refused checkpoint is kept as " .. j.head .. ".refused")
    end
    if j.current then j.ck = ck else ck:close() end
    if state.version ~= j.version then
      note(string.format("note: the checkpoint was written by glassvm %s, this is %s",
        tostring(state.version), j.version))
    end
    if M.stop_requested(dir) and is_root() then
      os.remove(dir .. "/" .. M.STOP)
      note("removed " .. dir .. "/" .. M.STOP .. " (it stopped the previous run)")
    end
  elseif is_root() then
    M.wipe(dir)   -- a fresh run: no stale segment files
  end
  install_watch()
  active = j
  return j
end

-- A line about the resume, for the run's log.
function Journal:summary()
  if not self.resumed then return nil end
  local segments, memos = 0, 0
  for _, u in pairs(self.units) do
    if u.m then memos = memos + 1 elseif not u.noop then segments = segments + 1 end
  end
  local cur = self.current
  return string.format("resuming from %s: %d segment(s) and %d memo(s) done%s", self.head,
    segments, memos, cur and string.format("; segment %d (%s) was saved at step %d of %d",
      cur.unit, cur.s, cur.step, cur.to) or "")
end

function Journal:path(u, kind)
  return string.format("%s/segment-%04d%s.gvckpt", self.segdir, u,
    kind == "obs" and "-observers" or "")
end

function Journal:file_of(rec) return self:path(rec.u, rec.kind) end

function Journal:track(obj, kind)
  local rec = self.objs[obj]
  if not rec then
    rec = {kind = kind, read = false, ref = setmetatable({obj}, {__mode = "v"})}
    self.objs[obj] = rec
  end
  return rec
end

-- Bookkeeping of which files a replay can still need.
function Journal:release_file(f)
  local n = (self.need[f] or 1) - 1
  if n > 0 then self.need[f] = n; return end
  self.need[f] = nil
  self.decided[#self.decided + 1] = f
end

-- rec's current file is superseded or its object closed after the script
-- read it: a replay repeats that read, so the file stays -- unless the read
-- happened inside a memo that then completes (replays skip the memo).
function Journal:keep(rec)
  for i = #self.memos, 1, -1 do
    local s = self.memos[i].snap[rec]
    if not (s and s.u == rec.u and s.read) then
      local kept = self.memos[i].kept
      kept[#kept + 1] = self:file_of(rec)
      return
    end
  end
end

-- obj's state is now that of file (u, kind), section sec.  unread: whether
-- the script left its previous file unread (default: rec.read).  id: what
-- the journal knows of segment u, {s = label, to = target step}, which the
-- file must agree with when it is restored (Journal:materialise).
function Journal:assign(obj, kind, u, sec, unread, pending, blk, id)
  local rec = self:track(obj, kind)
  rec.block, rec.id = blk, id
  if rec.u then
    if unread == nil then unread = not rec.read end
    if unread then self:release_file(self:file_of(rec)) else self:keep(rec) end
  end
  rec.u, rec.sec, rec.read, rec.pending = u, sec, false, pending
  local f = self:file_of(rec)
  self.need[f] = (self.need[f] or 0) + 1
  local top = self.memos[#self.memos]
  if top then top.recs[rec] = true end
  for _, frame in ipairs(self.memos) do frame.changed[rec] = nil end   -- its file holds the change
end

-- Restore a pending object from its file.
-- A failure of the journal itself: the run cannot resume as it is.
function Journal:fail(msg)
  self.broken = true
  fail(msg)
end

-- A segment file records which segment it holds ({unit, s = label, to});
-- a file that disagrees with the journal (copied or moved over another
-- segment's file) is refused before anything is restored from it, and an
-- ensemble must come back at the step its segment ended at.
local function segment_id(u, label, to) return {unit = u, s = label, to = to} end

local function show_id(id)
  return string.format("segment %s (%q, to step %s)", tostring(id.unit), tostring(id.s),
    tostring(id.to))
end

function Journal:materialise(obj, rec)
  local path = self:file_of(rec)
  if rec.kind == "obs" and rec.restored then
    self:fail(string.format("cannot resume: an observer used in segment %d was read before it and "
      .. "restored already; glassvm can restore an observer only into a freshly built one. "
      .. "Start over with another --out (or --force).", rec.u))
  end
  local id = rec.id and segment_id(rec.u, rec.id.s, rec.id.to)
  local refused
  local function check(saved)
    if not (id and saved) then return end   -- (files written before segments had records)
    local ok, st = pcall(M.decode, saved, path .. ": segment record")
    if not ok or type(st) ~= "table" or not same(st, id) then
      refused = string.format("%s holds %s, but the journal expects %s", path,
        ok and type(st) == "table" and show_id(st) or "no valid segment record", show_id(id))
      error(refused, 0)
    end
  end
  local ok, err = pcall(restore_from, path,
    {[rec.kind == "ens" and "ensembles" or "observers"] = {[rec.sec] = obj}}, rec.block, check)
  if ok and id and rec.kind == "ens" and step_of(obj) ~= id.to then
    ok, refused = false, string.format("%s holds an ensemble at step %d, but the journal's %s ended "
      .. "at step %d", path, step_of(obj), show_id(id), id.to)
  end
  if refused then
    self:fail(string.format("cannot resume: %s (was the file replaced?); start over with another "
      .. "--out (or --force)", refused))
  end
  if not ok then
    self:fail(string.format("cannot resume: %s\nThe saved state of segment %d is lost; start over "
      .. "with another --out (or --force).", tostring(err), rec.u))
  end
  rec.pending = false
  if rec.kind == "obs" then rec.restored = true end
end

function Journal:touch(obj)
  local rec = self.objs[obj]
  if not rec then return end
  if rec.pending then self:materialise(obj, rec) end
  rec.read = true
end

-- obj (kind "ens" or "obs") changes outside a segment (Journal:segment's
-- own run does not count).  Inside a memo it is marked in every open memo
-- frame; a segment that later saves it clears the mark (Journal:assign).
function Journal:changing(obj, kind)
  if #self.memos == 0 or (self.live and (self.live.ens == obj or self.live.obs[obj])) then return end
  local rec = self:track(obj, kind)
  for _, frame in ipairs(self.memos) do frame.changed[rec] = true end
end

-- Is obj marked by an open memo (so that its clones are marked too)?
function Journal:changed(obj)
  local rec = self.objs[obj]
  if not rec then return false end
  for _, frame in ipairs(self.memos) do
    if frame.changed[rec] then return true end
  end
  return false
end

function Journal:closing(obj)
  local rec = self.objs[obj]
  if not rec then return end
  if rec.u then
    if rec.read then self:keep(rec) else self:release_file(self:file_of(rec)) end
  end
  rec.closed = true
  self.objs[obj] = nil
end

-- The next unit (segment or memo) and its record if it completed before.
function Journal:unit()
  self.n = self.n + 1
  return self.n, self.units[self.n]
end

-- The replay must meet the same segments in the same order.
function Journal:expect(k, rec, kind, label, to, nobs)
  local function show(r)
    if r.m then return string.format("run:memo %q", r.m) end
    return string.format("segment %q to step %s with %s observer(s)", tostring(r.s),
      tostring(r.to), tostring(r.nobs))
  end
  local now = kind == "m" and {m = label} or {s = label, to = to, nobs = nobs}
  if show(rec) ~= show(now) then
    self:fail(string.format("cannot resume from %s: the protocol does not replay the way it ran: "
      .. "step %d of the run was %s, now it is %s.\nWas the protocol file (or glassvm) changed "
      .. "since? Resume with the original, or start over with another --out (or --force).",
      self.head, k, show(rec), show(now)))
  end
end

function Journal:go_live(k)
  if self.live_from then return end
  self.live_from = k
  if self.resumed and self.log then
    self.log(string.format("resumed: %d segment(s) restored from checkpoints; computing from "
      .. "segment %d on", self.replayed, k))
  end
end

-- Write the head: the journal, and the running segment's objects if one is
-- running.  Then delete the files that neither this head nor the previous
-- one can need.
function Journal:write_head()
  local state = {format = M.JOURNAL_FORMAT, protocol = self.protocol, version = self.version,
                 params = self.params, units = self.units}
  local what = {state = state}
  local L = self.live
  if L then
    local step = step_of(L.ens)
    state.current = {unit = L.unit, s = L.label, to = L.to, nobs = #L.observers, step = step}
    what.ensembles = {ensemble = L.ens}
    local obs = {}
    for i, o in ipairs(L.observers) do obs["o" .. i] = o end
    what.observers = obs
    L.next_step = step + self.every
  end
  save_as(self.head, what, L and L.block)
  if is_root() then
    for _, f in ipairs(self.prev_decided) do os.remove(f) end
  end
  self.prev_decided, self.decided = self.decided, {}
  self.last_save = self.clock()
end

function Journal:ensure_dir()
  if self.dir_ok or not is_root() then return end
  if os.execute("mkdir -p -- " .. shell_quote(self.segdir)) ~= true then
    self:fail("cannot create the checkpoint directory " .. self.segdir)
  end
  self.dir_ok = true
end

-- The command that resumes this run.
function Journal:resume_command()
  return self.command or "the same command (with the same --out)"
end

-- An interruption (SIGINT/SIGTERM) or a STOP file inside a segment: write
-- the head and exit, saying how to resume.  Other errors go on.
-- where: says where the run stopped (default: the running segment's step).
-- err.signal (a table's): the words for a signal whose name is not known
-- (a sweep point's run on one rank only sees "interrupted"); it exits 143.
function Journal:stop(err, where)
  local stop = type(err) == "table" and err.stop
  local signal = type(err) == "table" and err.signal
  local msg = tostring(err)
  if not stop and not signal and not msg:find("interrupted", 1, true) then error(err, 0) end
  local L = self.live
  self:write_head()
  where = where or (L and string.format("at step %d of segment %d (%s)", step_of(L.ens), L.unit,
    L.label) or string.format("after segment %d", self.n))
  local why = stop and string.format("%s/%s was found", self.dir, M.STOP) or signal
    or (msg:find("SIGTERM", 1, true) and "SIGTERM" or "interrupted (SIGINT)")
  local text = string.format("stopped %s: %s.\nThe checkpoint is in %s; to resume, run the "
    .. "same command again:\n  %s", where, why, self.head, self:resume_command())
  if self.tell then self.tell(text)
  elseif is_root() then io.stderr:write("glassvm: ", text, "\n") end
  if many() then io.stderr:flush(); mpi().barrier() end   -- printed before any rank exits
  self.exited = true
  os.exit(stop and M.EXIT_STOP or ((why == "SIGTERM" or signal) and 143 or 130), true)
end

-- Journal:segment(ens, observers, label, to, work): one lab.advance.
-- work(hooks) advances ens to `to` with glass.drive, passing hooks.limit and
-- hooks.after on.  Returns true if the segment was computed now, false if
-- it was restored (or had nothing to do).
function Journal:segment(ens, observers, label, to, work)
  observers = observers or {}
  local k, done = self:unit()
  local blk = block_of(ens)
  if done then
    self:expect(k, done, "s", label, to, #observers)
    if not done.noop then
      local id = {s = label, to = to}
      self:assign(ens, "ens", k, "ensemble", nil, true, blk, id)
      for i, o in ipairs(observers) do self:assign(o, "obs", k, "o" .. i, nil, true, blk, id) end
      self.replayed = self.replayed + 1
      if self.log_only then
        self.log_only(string.format("%s: restored from the checkpoint (segment %d)", label, k))
      end
    end
    return false
  end
  self:go_live(k)
  local erec = self:track(ens, "ens")
  local orecs = {}
  for i, o in ipairs(observers) do orecs[i] = self:track(o, "obs") end
  local cur = self.current
  if cur and cur.unit == k then
    -- The segment that was running: its objects are in the head.
    self:expect(k, cur, "s", label, to, #observers)
    local ok, err = pcall(function()
      local obs = {}
      for i, o in ipairs(observers) do
        if orecs[i].restored then error("observer " .. i .. " was restored before", 0) end
        obs["o" .. i] = o
      end
      if blk then restore_from(self.ck:path(), {ensembles = {ensemble = ens}, observers = obs}, blk)
      else
        self.ck:restore_ensemble("ensemble", ens)
        for name, o in pairs(obs) do self.ck:restore_observer(name, o) end
      end
    end)
    if ok and step_of(ens) ~= cur.step then
      ok, err = false, string.format("its ensemble is at step %d, but the journal says segment %d "
        .. "was saved at step %d", step_of(ens), k, cur.step)
    end
    if not ok then
      self:fail(string.format("cannot resume from %s: %s\nStart over with another --out (or --force).",
        self.ck:path(), tostring(err)))
    end
    erec.pending = false
    for _, r in ipairs(orecs) do r.pending, r.restored = false, true end
    self.current = nil
    self.ck:close()
    self.ck = nil
    if self.log then
      self.log(string.format("%s: continuing from step %d", label, step_of(ens)))
    end
  else
    if erec.pending then self:materialise(ens, erec) end
    for i, o in ipairs(observers) do
      if orecs[i].pending then self:materialise(o, orecs[i]) end
    end
    if to <= step_of(ens) then
      self.units[k] = {s = label, to = to, nobs = #observers, noop = true}
      return false
    end
  end
  -- Whether the script read the objects since their files were written
  -- (the segment's own calls do not count).
  local unread = {[erec] = not erec.read}
  for _, r in ipairs(orecs) do unread[r] = not r.read end
  local live_obs = {}
  for _, o in ipairs(observers) do live_obs[o] = true end
  self.live = {unit = k, ens = ens, observers = observers, obs = live_obs, label = label, to = to,
               next_step = step_of(ens) + self.every, block = blk}
  self.last_save = self.last_save or self.clock()
  local hooks = {
    limit = self.every > 0 and function(c) return math.max(self.live.next_step, c + 1) end or nil,
    after = function(c)
      local stop = is_root() and M.stop_requested(self.dir)
      local due = c < to and ((self.every > 0 and c >= self.live.next_step)
          or (self.seconds > 0 and self.clock() - self.last_save >= self.seconds))
      -- Rank 0's clock and STOP file decide for every rank.
      if many() then stop, due = table.unpack(mpi().bcast({stop, due})) end
      if stop then error(setmetatable({stop = true, msg = "STOP"}, Failure), 0) end
      if due then self:write_head() end
    end,
  }
  local function complete()
    self:ensure_dir()
    local record = segment_id(k, label, to)
    save_as(self:path(k, "ens"), {ensembles = {ensemble = ens}, keep_previous = false,
                                  state = record}, blk)
    if #observers > 0 then
      local obs = {}
      for i, o in ipairs(observers) do obs["o" .. i] = o end
      save_as(self:path(k, "obs"), {observers = obs, keep_previous = false, state = record}, blk)
    end
    self.units[k] = {s = label, to = to, nobs = #observers}
    self.live = nil
    local id = {s = label, to = to}
    self:assign(ens, "ens", k, "ensemble", unread[erec], false, blk, id)
    for i, o in ipairs(observers) do
      self:assign(o, "obs", k, "o" .. i, unread[orecs[i]], false, blk, id)
    end
    self:write_head()
  end
  -- Two pcalls: when the engine stops on SIGINT, glassvm's signal hook
  -- raises "interrupted" again at the next Lua instruction; the outer pcall
  -- catches that one.
  local ok, err = pcall(function()
    local ok2, err2 = pcall(function() work(hooks); complete() end)
    if not ok2 then error(err2, 0) end
  end)
  if not ok then self:stop(err) end
  return true
end

-- Journal:memo(label, outputs, fn) -> fn's result (plain data: numbers,
-- strings, booleans, tables).  The result is saved; a replay returns it
-- without calling fn, and restores the objects listed in `outputs`
-- (ensembles, observers) to their state after fn.  Every object fn
-- advances that outlives it must be listed (checked), and advanced by
-- segments only: one changed outside them (a bare ens:run, set_weights)
-- has no file to restore, so it must not outlive fn (checked).
function Journal:memo(label, outputs, fn)
  outputs = outputs or {}
  local k, done = self:unit()
  if done then
    self:expect(k, done, "m", label)
    for i, obj in ipairs(outputs) do
      local o = done.out[i]
      if o then
        -- An observer keeps the block it was last restored with (segments
        -- inside the memo, skipped now, cannot tell).
        local rec = self.objs[obj]
        local blk = o.kind == "ens" and block_of(obj) or (rec and rec.block)
        if o.kind == "obs" and many() and not blk then
          self:fail(string.format("run:memo %q: cannot restore an observer it lists in its outputs "
            .. "on several MPI ranks; list the ensemble it observes instead", label))
        end
        self:assign(obj, o.kind, o.u, o.sec, nil, true, blk, o.s and {s = o.s, to = o.to})
      end
    end
    self.n = done.next
    if self.log_only then self.log_only(string.format("%s: restored from the checkpoint", label)) end
    return done.result
  end
  local frame = {snap = {}, kept = {}, recs = {}, changed = {}}
  for _, rec in pairs(self.objs) do frame.snap[rec] = {u = rec.u, read = rec.read} end
  self.memos[#self.memos + 1] = frame
  local ok, result = pcall(fn)
  table.remove(self.memos)
  if not ok then error(result, 0) end
  local eok, eerr = pcall(M.encode, result, "result")
  if not eok then self:fail(string.format("run:memo %q: %s", label, tostring(eerr))) end
  local listed, out = {}, {}
  for i, obj in ipairs(outputs) do
    listed[obj] = true
    local rec = self.objs[obj]
    local id = rec and rec.id or {}
    out[i] = rec and rec.u and {kind = rec.kind, u = rec.u, sec = rec.sec, s = id.s, to = id.to}
      or false
  end
  -- Objects fn advanced and did not close: gone (collected), or outputs.
  local function unlisted()
    local bad = {}
    for obj, rec in pairs(self.objs) do
      local s = frame.snap[rec]
      if rec.u and (not s or s.u ~= rec.u) and not listed[obj] then bad[#bad + 1] = rec end
    end
    return bad
  end
  -- Objects fn changed outside any segment (a bare ens:run, set_weights)
  -- that outlive it: a replay skips fn and has no file to restore them from.
  local function changed()
    local bad = {}
    for rec in pairs(frame.changed) do
      if rec.ref[1] ~= nil and not rec.closed then bad[#bad + 1] = rec end
    end
    return bad
  end
  if #unlisted() > 0 or #changed() > 0 then collectgarbage("collect") end
  local bad = unlisted()
  if #bad > 0 then
    self:fail(string.format("run:memo %q advanced %d object(s) (the %s of segment %d, ...) that it "
      .. "neither closes nor lists in its outputs; a replay would not restore them", label, #bad,
      bad[1].kind == "ens" and "ensemble" or "observer", bad[1].u))
  end
  bad = changed()
  if #bad > 0 then
    self:fail(string.format("run:memo %q changed %d %s(s) outside lab.advance (ens:run, "
      .. "set_weights or set_step inside the memo) that outlive it, listed or not; a resumed run "
      .. "skips the memo and could not restore them: advance them with lab.advance(run, ...), or "
      .. "build and close them inside the memo", label, #bad,
      bad[1].kind == "ens" and "ensemble" or "observer"))
  end
  -- A replay skips fn: its reads do not happen, its collected objects need nothing.
  for rec in pairs(frame.recs) do
    if rec.ref[1] == nil and not rec.closed and rec.u then
      rec.closed = true
      self:release_file(self:file_of(rec))
    end
  end
  for _, rec in pairs(self.objs) do
    local s = frame.snap[rec]
    if s and s.u == rec.u then rec.read = s.read else rec.read = false end
  end
  for _, f in ipairs(frame.kept) do self:release_file(f) end
  for u = k + 1, self.n do self.units[u] = nil end
  self.units[k] = {m = label, next = self.n, out = out, result = result}
  self:write_head()
  return result
end

-- Sweep points computed without the journal (glass.lab.sweep under MPI,
-- each point on one rank) are recorded as memos without outputs, so that
-- a replay on any number of ranks, or on one process, skips them.
--
-- Journal:recorded(label) -> true, result when the next unit is a memo
-- of that label that completed (it is consumed, as a replayed memo);
-- false when it did not complete (nothing is consumed).
function Journal:recorded(label)
  local rec = self.units[self.n + 1]
  if not (rec and rec.m) then return false end
  self:expect(self.n + 1, rec, "m", label)
  self.n = rec.next
  if self.log_only then self.log_only(string.format("%s: restored from the checkpoint", label)) end
  return true, rec.result
end

-- Journal:record(label, result): the next unit is a memo of that label,
-- computed elsewhere, with this result.  Units the stopped run left after
-- it (the inner segments of a point it was computing) are dropped.  Every
-- rank records the same (the journal is the same on every rank); the head
-- is written by Journal:write_head, rank 0's.
function Journal:record(label, result)
  local k = self.n + 1
  self:go_live(k)
  self.n = k
  for u in pairs(self.units) do if u > k then self.units[u] = nil end end
  if self.current then
    self.current = nil
    if self.ck then self.ck:close(); self.ck = nil end
  end
  self.units[k] = {m = label, next = k, out = {}, result = result}
end

-- The run finished: its checkpoints are no longer needed.
function Journal:finish()
  if self.current and self.log then
    self.log(string.format("warning: the checkpoint's running segment %d was never reached "
      .. "while replaying", self.current.unit))
  end
  if self.ck then self.ck:close(); self.ck = nil end
  if is_root() then M.wipe(self.dir, self.n) end
  self.finished = true
  if active == self then
    active = nil
    remove_watch()
  end
end

-- Did the run end early with a checkpoint to resume from?
function Journal:resumable()
  return active == self and not self.finished and not self.exited and not self.broken
    and exists(self.head)
end

return M
