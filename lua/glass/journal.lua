-- glass.journal: protocol runs seen from their checkpoints -- segments,
-- replay and resuming (glass.checkpoint installs these functions as its own:
-- C.journal, C.wipe, C.input, C.stop_error, C.fail, C.SEGMENTS, C.EXIT_STOP).
local glass_core = require "glass.core"
local core = glass_core.checkpoint
local fs = require "glass.fs"
local exists = fs.exists

-- This module's own table; what it does not define (C.FILE, C.save, C.open,
-- C.encode, ...) it reads from glass.checkpoint (install).
local M = {}
local same, refuse_differences   -- glass.checkpoint's, set by install

-- ---- protocol runs: segments, replay and resuming -------------------------------
--
-- A protocol is a script with loops, so a run resumes by replaying it: the
-- script runs again from the top (loading data and building objects is
-- deterministic), and every lab.advance call is a numbered segment.  When a
-- segment completes, the ensemble and observers it advanced are saved
-- (DIR/checkpoints/segment-NNNN.gvckpt, and -observers.gvckpt) and the
-- journal (DIR/checkpoint.gvckpt, "the head": parameters, the completed
-- segments, memo results) is rewritten.  On resume a completed segment is
-- not computed: its objects are restored from its files when the replay
-- reaches it, so whatever the script reads afterwards is what it read in
-- the run that computed it.  The segment that was running is restored from
-- the head, which also holds its objects when it was saved mid-way (on a
-- schedule, SIGINT/SIGTERM or a STOP file), and continues; from there on
-- the run is live.
--
-- Segment files stay until the run is COMPLETE, except those inside a
-- completed run:memo(label, outputs, fn): it records fn's plain-data result,
-- so a replay skips fn entirely and needs only the files of its outputs
-- (lab.minimise uses it: its ensemble is evaluated, then closed).  Their
-- deletion waits until the next head is written, so the previous head
-- (checkpoint.gvckpt.prev, the fallback when the head is corrupt) never
-- refers to a deleted file.  A memo checks that a replay can skip fn: what
-- fn advanced is listed or closed, and nothing it changed outside a
-- segment (a bare ens:run, set_weights, ...) outlives it; the bindings
-- report such changes to a recorder (glass.core.checkpoint.record_changes).
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
local function fail(msg) error(glass_core.error{message = msg}, 0) end

-- After a pcall while resuming: a signal stays a signal (it stops the run, which
-- resumes later), never a damaged or refused checkpoint.  (glass.interruption: also
-- a signal that a pcall on the way made a message of its own.)
local function pass_signal(ok, err)
  local intr = not ok and glass_core.interruption(err)
  if intr then error(intr, 0) end
  return ok, err
end
-- The error a STOP file raises inside a segment or a sweep point.
function M.stop_error() return glass_core.error{status = "STOP", stop = true, message = "STOP"} end
M.fail = fail

-- glass.mpi (loaded lazily: it requires this module).
local function mpi() return require "glass.mpi" end
local function is_root() return mpi().rank() == 0 end
local function many() return mpi().size() > 1 end

local Journal = {}
Journal.__index = Journal

local active     -- the journal of the run in progress

local function weak() return setmetatable({}, {__mode = "k"}) end
local function kind_of(obj) return type(obj.kind) == "function" and "obs" or "ens" end

-- A segment's file: its ensemble, or (kind "obs") its observers, named
-- o1, o2, ... in the order lab.advance was given them (named).
local function segment_file(segdir, u, kind)
  return string.format("%s/segment-%04d%s.gvckpt", segdir, u, kind == "obs" and "-observers" or "")
end
local function named(observers)
  local t = {}
  for i, o in ipairs(observers) do t["o" .. i] = o end
  return t
end

-- This rank's block of a distributed ensemble: {first = its first replica
-- counted from the whole ensemble's, count = its replicas}; nil for an
-- ensemble of this rank's own.  Collective for a distributed one (every
-- rank replays the same segments, so they all get here together).
local function block_of(ens)
  if not (many() and mpi().partial(ens)) then return nil end
  local f = ens:first_replica()
  return {first = f - mpi().min(f), count = ens:size()}
end

-- Save `what` (as M.save) at path: with one rank, or for objects of this
-- rank's own, rank 0 writes; a distributed ensemble's block and observers
-- go through glass.mpi's collective save, whose file is the one a single
-- process would write.
local function save_as(path, what, blk)
  if blk then return mpi().save(path, what) end
  if is_root() then return M.save(path, what) end
end

-- Restore objects (what: {ensembles =, observers =}, by section name)
-- from the checkpoint ck (loaded from path): a block's replicas, or all of
-- them.  Observers may have measured (in an earlier segment): what they
-- hold is replaced.  check(state), if given, sees the file's state string
-- (nil if none) before anything is restored.
local function restore_from(path, what, blk, check, ck)
  if check then check(ck:state()) end
  if blk then
    return mpi().checkpoint_restore(path, {ensembles = what.ensembles, observers = what.observers,
                                           first = blk.first, count = blk.count, replace = true})
  end
  for name, ens in pairs(what.ensembles or {}) do ck:restore_ensemble(name, ens) end
  for name, obs in pairs(what.observers or {}) do ck:restore_observer(name, obs, {replace = true}) end
end

-- An error's message without the position of the library's line that
-- raised it (the bindings name their caller, here a line of this file);
-- glass.run is loaded by then (it opens the journal).
local function plain(err) return require("glass.run").without_position(err) end

-- The end of a refusal to resume because the replay meets other segments
-- or objects than the run saved: the checkpoint itself is sound.
local CHANGED = "Was the protocol file (or glassvm) changed since the run stopped? The checkpoint "
  .. "is intact: restore the protocol as it was and run the same command again to resume, or "
  .. "start a new run with another --out."

-- Is name one of the per-segment files (segment_file's names, with the
-- .tmp and .prev of their atomic writes)?
local function segment_name(name)
  local base = name:gsub("%.tmp$", ""):gsub("%.prev$", "")
  return base:match("^segment%-%d%d%d%d+%.gvckpt$") or base:match("^segment%-%d%d%d%d+%-observers%.gvckpt$")
end

-- Remove a run's checkpoint files (the head, its previous generation and
-- temporary files, the per-segment files).  Only names glassvm gives them:
-- other files in DIR/checkpoints (a folder of that name the user had there
-- already) stay, and so does the folder then.
function M.wipe(dir)
  local head = dir .. "/" .. M.FILE
  for _, suffix in ipairs({"", ".prev", ".tmp", ".refused"}) do os.remove(head .. suffix) end
  local segdir = dir .. "/" .. M.SEGMENTS
  if fs.is_link(segdir) or not fs.is_dir(segdir) then return end
  for _, name in ipairs(fs.list(segdir) or {}) do
    if segment_name(name) then os.remove(segdir .. "/" .. name) end
  end
  os.remove(segdir) -- (only when empty: rmdir)
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
    units = {}, n = 0, saved = weak(), memos = {}, inputs = {},
    decided = {}, prev_decided = {}, messages = {}, replayed = 0,
  }, Journal)
  local fell_back = false
  local function note(m) j.messages[#j.messages + 1] = m end
  local ok, ck = pass_signal(pcall(M.open, j.head, function(m) note(m); fell_back = true end))
  local state
  if ok and ck then
    local sok, st = pass_signal(pcall(M.state, ck))
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
  -- A STOP file asked the previous run to stop; left there it would stop this
  -- one at its first chunk (and every later rerun), so a run that resumes or
  -- starts over removes it.
  local function clear_stop()
    if not (M.stop_requested(dir) and is_root()) then return end
    local stop = dir .. "/" .. M.STOP
    local rok, rwhy = os.remove(stop)
    if not rok then
      fail(string.format("%s (a STOP file left in the directory) cannot be removed (%s) and "
        .. "would stop this run at once; remove it, then run the same command again", stop,
        tostring(rwhy)))
    end
    note("removed " .. stop .. " (a STOP file left in the directory: it would stop this run)")
  end
  if not ok then
    local why = tostring(ck)
    if not opts.force then
      -- A checkpoint this run cannot resume is one --force discards: say so.
      if not why:find("--force", 1, true) then
        why = why .. "\n(--force discards the checkpoint and starts the run over in this directory.)"
      end
      return nil, why
    end
    note("discarding the checkpoint (--force): " .. why)
    if is_root() then M.wipe(dir) end
  elseif state then
    j.units, j.current, j.resumed = state.units, state.current, true
    -- (the next head keeps them, also those a replay no longer reads: a memo skipped)
    for name, fps in pairs(type(state.inputs) == "table" and state.inputs or {}) do
      if type(fps) == "table" then j.inputs[name] = table.move(fps, 1, #fps, 1, {}) end
    end
    j.saved_inputs = state.inputs or {}
    j.from = ck:path() -- the head, or its previous generation when the head was refused
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
    local recs = {j.current}
    for _, rec in pairs(j.units) do recs[#recs + 1] = rec end
    for _, rec in ipairs(recs) do
      if rec.s and not rec.dyn then
        note("note: the checkpoint's segments do not record their integrators (an older "
          .. "glassvm): an integrator changed in the protocol since is not noticed")
        break
      end
    end
  elseif is_root() then
    M.wipe(dir)   -- a fresh run: no stale segment files
  end
  clear_stop() -- (M.wipe leaves STOP: it removes the checkpoint files only)
  active = j
  return j
end

-- An input the run reads (a data set, a --from file), named so that the same
-- input has the same name in a rerun ("MNIST train, 500 rows"), by a fingerprint
-- of its content (a CRC), kept in the checkpoint: a resume refuses a fingerprint
-- the interrupted run did not see under that name, since segments restored from
-- the checkpoint and segments recomputed from another input would mix two runs'
-- results.  (A run may read several under one name, subsets of one size: each is
-- kept.)  how: what may have changed it, for the refusal.  A checkpoint of an
-- older glassvm has none: nothing to compare.  No-op outside a protocol run; with
-- several ranks, collective (the ranks agree on the refusal).
function M.input(name, fingerprint, how)
  local j = active
  if not j then return end
  local function has(list)
    for _, fp in ipairs(list) do if fp == fingerprint then return true end end
    return false
  end
  local was = j.saved_inputs and j.saved_inputs[name]
  local differs = type(was) == "table" and not has(was)
  if many() then differs = not mpi().all(not differs) end
  if differs then
    j:fail(string.format("refusing to resume in %s: %s is not the interrupted run's (%s then, "
      .. "%s now%s)%s.\nRestore it and run the same command again to resume, or start over with "
      .. "another --out, or here after removing %s/%s and %s/%s.prev (--force keeps a "
      .. "checkpoint it could resume)", j.dir, name, table.concat(was or {}, " or "), fingerprint,
      many() and " on some rank" or "", how and "; " .. how or "", j.dir, M.FILE, j.dir, M.FILE))
  end
  j.inputs[name] = j.inputs[name] or {}
  if not has(j.inputs[name]) then table.insert(j.inputs[name], fingerprint) end
end

-- A line about the resume, for the run's log.
function Journal:summary()
  if not self.resumed then return nil end
  local segments, memos = 0, 0
  for _, u in pairs(self.units) do
    if u.m then memos = memos + 1 elseif not u.noop then segments = segments + 1 end
  end
  local cur = self.current
  return string.format("resuming from %s: %d segment(s) and %d memo(s) done%s",
    self.from or self.head, segments, memos, cur and string.format("; segment %d (%s) was "
      .. "saved at step %d of %d", cur.unit, cur.s, cur.step, cur.to) or "")
end

function Journal:path(u, kind) return segment_file(self.segdir, u, kind) end

-- A failure of the journal itself: the run cannot resume as it is.
function Journal:fail(msg)
  self.broken = true
  fail(msg)
end

-- obj's state is now that of file (u, kind), section sec (blk: the block
-- of replicas it holds under MPI; id: {s = label, to = target step} of
-- segment u).  Every open memo sees it advanced, and no longer changed
-- outside a segment (its file holds the change).
function Journal:saved_in(obj, kind, u, sec, blk, id)
  self.saved[obj] = {kind = kind, u = u, sec = sec, block = blk, id = id}
  for _, frame in ipairs(self.memos) do
    frame.advanced[obj] = true
    frame.changes[obj] = nil
  end
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

-- Restore obj (kind "ens" or "obs") from file (u, kind), section sec, now.
function Journal:restore(obj, kind, u, sec, blk, id)
  local path = self:path(u, kind)
  local sid = id and segment_id(u, id.s, id.to)
  local lok, ck = pass_signal(pcall(core.load, path))
  if not lok then
    self:fail(string.format("cannot resume: %s\nThe saved state of segment %d is lost (its file "
      .. "is missing or damaged); start a new run with another --out.", plain(ck), u))
  end
  local refused
  local function check(saved)
    if not (sid and saved) then return end   -- (files written before segments had records)
    local ok, st = pass_signal(pcall(M.decode, saved, path .. ": segment record"))
    if not ok or type(st) ~= "table" or not same(st, sid) then
      refused = string.format("%s holds %s, but the journal expects %s", path,
        ok and type(st) == "table" and show_id(st) or "no valid segment record", show_id(sid))
      error(refused, 0)
    end
  end
  local ok, err = pass_signal(pcall(restore_from, path,
    {[kind == "ens" and "ensembles" or "observers"] = {[sec] = obj}}, blk, check, ck))
  ck:close()
  if ok and sid and kind == "ens" and obj:step() ~= sid.to then
    ok, refused = false, string.format("%s holds an ensemble at step %d, but the journal's %s ended "
      .. "at step %d", path, obj:step(), show_id(sid), sid.to)
  end
  if refused then
    self:fail(string.format("cannot resume: %s (was the file replaced?); start a new run with "
      .. "another --out", refused))
  end
  if not ok then
    self:fail(string.format("cannot resume: %s\nThe protocol builds the objects of segment %d%s "
      .. "otherwise than the run that saved them. %s", plain(err), u,
      id and string.format(" (%q)", id.s) or "", CHANGED))
  end
  self:saved_in(obj, kind, u, sec, blk, id)
end

-- The next unit (segment or memo) and its record if it completed before.
function Journal:unit()
  self.n = self.n + 1
  return self.n, self.units[self.n]
end

-- What makes a segment the one the run saved: its label, target step,
-- number of observers and dynamics (dyn: the integrator's description,
-- tostring, whose numbers are exact).  A record written before records
-- held dyn has none, and is not compared on it.
local SEGMENT = {{"s", "label", "%q"}, {"to", "target step", "%s"}, {"nobs", "observers", "%s"},
                 {"dyn", "integrator", "%s"}}

-- The replay must meet the same segments in the same order.
function Journal:expect(k, rec, kind, label, to, nobs, dyn)
  local now = kind == "m" and {m = label} or {s = label, to = to, nobs = nobs, dyn = dyn}
  local what
  if rec.m or now.m then
    local function show(r)
      return r.m and string.format("run:memo %q", r.m) or string.format("segment %q", r.s)
    end
    if rec.m ~= now.m then
      what = string.format("step %d of the run was %s, now it is %s.", k, show(rec), show(now))
    end
  else
    local lines = {}
    for _, f in ipairs(SEGMENT) do
      local key, name, fmt = f[1], f[2], f[3]
      if rec[key] ~= now[key] and not (key == "dyn" and rec.dyn == nil) then
        lines[#lines + 1] = string.format("  %s: checkpoint " .. fmt .. ", now " .. fmt, name,
          tostring(rec[key]), tostring(now[key]))
      end
    end
    if #lines > 0 then
      what = string.format("segment %d (%q) is not the one the run saved:\n%s", k, tostring(rec.s),
        table.concat(lines, "\n"))
    end
  end
  if what then
    self:fail(string.format("cannot resume from %s: the protocol does not replay the way it ran: "
      .. "%s\n%s", self.head, what, CHANGED))
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
-- one can need (those inside a memo completed before the previous head).
function Journal:write_head()
  local state = {format = M.JOURNAL_FORMAT, protocol = self.protocol, version = self.version,
                 params = self.params, units = self.units, inputs = self.inputs}
  local what = {state = state}
  local L = self.live
  if L then
    local step = L.ens:step()
    state.current = {unit = L.unit, s = L.label, to = L.to, nobs = #L.observers, dyn = L.dyn,
                     step = step}
    what.ensembles, what.observers = {ensemble = L.ens}, named(L.observers)
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
  local ok, why = fs.mkdir_p(self.segdir)
  if not ok then self:fail("cannot create the checkpoint directory " .. self.segdir .. " (" .. why .. ")") end
  self.dir_ok = true
end

-- The command that resumes this run.
function Journal:resume_command()
  return self.command or "the same command (with the same --out)"
end

-- An interruption (SIGINT/SIGTERM/SIGHUP: glass.interruption(err), which also
-- reads a signal that came while a checkpoint was encoded, and that a pcall
-- on the way made a message of its own) or a STOP file (err.stop) inside a
-- segment: write the head and stop the run, saying how to resume.  Other
-- errors go on.
-- where: says where the run stopped (default: the running segment's step).
-- err.why (a table's): the words for a stop whose signal is not known (a
-- sweep point's run on one rank only sees that it was interrupted); it
-- ends with 143.
-- The stop is a glass.Error with `exit` (75 after STOP, 130 after SIGINT,
-- 143 after SIGTERM, 129 after SIGHUP), already printed: the glassvm command ends with that
-- status, every rank alike (no os.exit here: the script's own clean-up runs).
function Journal:stop(err, where)
  local t = type(err) == "table"
  local stop, words = t and err.stop, t and err.why
  local intr = not stop and not words and glass_core.interruption(err)
  if not stop and not words and not intr then error(self:in_segment(err), 0) end
  if intr then err = intr end
  local L = self.live
  self:write_head()
  where = where or (L and string.format("at step %d of segment %d (%s)", L.ens:step(), L.unit,
    L.label) or string.format("after segment %d", self.n))
  -- The signal that stopped it (a rank told of another's stop, `words`, ends as on SIGTERM).
  local EXIT = {SIGINT = 130, SIGTERM = 143, SIGHUP = 129}
  local sig = not stop and (words and "SIGTERM" or EXIT[err.signal] and err.signal or "SIGINT")
  local why = stop and string.format("%s/%s was found", self.dir, M.STOP) or words
    or (sig == "SIGINT" and "interrupted (SIGINT)" or sig)
  local text = string.format("stopped %s: %s.\nThe checkpoint is in %s; to resume, run the "
    .. "same command again:\n  %s", where, why, self.head, self:resume_command())
  if self.tell then self.tell(text)
  elseif is_root() then io.stderr:write("glassvm: " .. text .. "\n") end
  if many() then io.stderr:flush(); mpi().barrier() end   -- printed before any rank stops
  self.exited = true
  error(glass_core.error{status = stop and "STOP" or "EINTR", message = text,
    exit = stop and M.EXIT_STOP or EXIT[sig], printed = true, signal = sig or nil}, 0)
end

-- err, a failure inside the running segment: a glass.Error (the engine's: replicas
-- lost, a file not written) with the segment named at the end of its message, so that
-- a sweep's says which point failed ("... (in segment 3 of the run, Langevin
-- T=1e+06)").  A stop already decided (`exit`) and other errors (a script's own, with
-- its traceback; a value a caller may compare) stay as they are.
function Journal:in_segment(err)
  local L = self.live
  if L and glass_core.is_error(err) and err.exit == nil and type(err.message) == "string" then
    err.message = string.format("%s (in segment %d of the run, %s)", err.message, L.unit, L.label)
  end
  return err
end

-- Journal:segment(ens, observers, label, to, work, dyn): one lab.advance.
-- work(hooks) advances ens to `to` with glass.drive, passing hooks.limit and
-- hooks.after on; dyn describes its dynamics (the integrator, as text).
-- Returns true if the segment was computed now, false if it was restored
-- (or had nothing to do).
function Journal:segment(ens, observers, label, to, work, dyn)
  observers = observers or {}
  local k, done = self:unit()
  local blk = block_of(ens)
  local id = {s = label, to = to}
  if done then
    self:expect(k, done, "s", label, to, #observers, dyn)
    if not done.noop then
      self:restore(ens, "ens", k, "ensemble", blk, id)
      for i, o in ipairs(observers) do self:restore(o, "obs", k, "o" .. i, blk, id) end
      self.replayed = self.replayed + 1
      if self.log_only then
        self.log_only(string.format("%s: restored from the checkpoint (segment %d)", label, k))
      end
    end
    return false
  end
  self:go_live(k)
  local cur = self.current
  local from = ens:step() -- the segment's first step (a resumed one's too: before its restore)
  if cur and cur.unit == k then
    -- The segment that was running: its objects are in the head.
    self:expect(k, cur, "s", label, to, #observers, dyn)
    local ok, err = pass_signal(pcall(restore_from, self.ck:path(),
      {ensembles = {ensemble = ens}, observers = named(observers)}, blk, nil, self.ck))
    if ok and ens:step() ~= cur.step then
      ok, err = false, string.format("its ensemble is at step %d, but the journal says segment %d "
        .. "was saved at step %d", ens:step(), k, cur.step)
    end
    if not ok then
      self:fail(string.format("cannot resume from %s: %s\nThe protocol builds the objects of "
        .. "segment %d (%q) otherwise than the run that saved them. %s", self.ck:path(), plain(err),
        k, label, CHANGED))
    end
    self.current = nil
    self.ck:close()
    self.ck = nil
    if self.log then
      self.log(string.format("%s: continuing from step %d", label, ens:step()))
    end
  elseif to <= ens:step() then
    self.units[k] = {s = label, to = to, nobs = #observers, dyn = dyn, noop = true}
    return false
  end
  self.live = {unit = k, ens = ens, observers = observers, label = label, to = to, dyn = dyn,
               next_step = ens:step() + self.every, block = blk}
  self.last_save = self.last_save or self.clock()
  local hooks = {
    from = from,
    limit = self.every > 0 and function(c) return math.max(self.live.next_step, c + 1) end or nil,
    after = function(c)
      local stop = is_root() and M.stop_requested(self.dir)
      local due = c < to and ((self.every > 0 and c >= self.live.next_step)
          or (self.seconds > 0 and self.clock() - self.last_save >= self.seconds))
      -- Rank 0's clock and STOP file decide for every rank.
      if many() then stop, due = table.unpack(mpi().bcast({stop, due})) end
      if stop then error(M.stop_error(), 0) end
      if due then self:write_head() end
    end,
  }
  local function complete()
    self:ensure_dir()
    local record = segment_id(k, label, to)
    save_as(self:path(k, "ens"), {ensembles = {ensemble = ens}, keep_previous = false,
                                  state = record}, blk)
    if #observers > 0 then
      save_as(self:path(k, "obs"), {observers = named(observers), keep_previous = false,
                                    state = record}, blk)
    end
    self.units[k] = {s = label, to = to, nobs = #observers, dyn = dyn}
    self.live = nil
    self:saved_in(ens, "ens", k, "ensemble", blk, id)
    for i, o in ipairs(observers) do self:saved_in(o, "obs", k, "o" .. i, blk, id) end
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

-- The objects of a memo's frame (a set) that are still open, ensembles
-- first, then by the segment that last saved them (a stable first one for
-- the message).
function Journal:open_objects(set, skip)
  local out = {}
  for obj, v in pairs(set) do
    if v and not (skip and skip[obj]) and core.closed(obj) == false then out[#out + 1] = obj end
  end
  local function key(obj)
    local rec = self.saved[obj]
    return (kind_of(obj) == "ens" and 0 or 1e15) + (rec and rec.u or 0)
  end
  table.sort(out, function(a, b) return key(a) < key(b) end)
  return out
end

-- Journal:memo(label, outputs, fn) -> fn's result (plain data: numbers,
-- strings, booleans, tables).  The result is saved; a replay returns it
-- without calling fn, and restores the objects listed in `outputs`
-- (ensembles, observers) to their state after fn.  Every object fn
-- advances must be listed or closed by then (checked), and advanced by
-- segments only: one changed outside them (a bare ens:run, set_weights)
-- has no file to restore, so it must be closed inside fn (checked).
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
        local rec = self.saved[obj]
        local blk = o.kind == "ens" and block_of(obj) or (rec and rec.block)
        if o.kind == "obs" and many() and not blk then
          self:fail(string.format("run:memo %q: cannot restore an observer it lists in its outputs "
            .. "on several MPI ranks; list the ensemble it observes instead", label))
        end
        self:restore(obj, o.kind, o.u, o.sec, blk, o.s and {s = o.s, to = o.to})
      end
    end
    self.n = done.next
    if self.log_only then self.log_only(string.format("%s: restored from the checkpoint", label)) end
    return done.result
  end
  -- Changes the bindings report while fn runs; a copy of an object changed
  -- in an enclosing memo is a change too (the value false marks those).
  local frame = {advanced = weak(), changes = weak()}
  for _, outer in ipairs(self.memos) do
    for obj, v in pairs(outer.changes) do if v then frame.changes[obj] = false end end
  end
  self.memos[#self.memos + 1] = frame
  core.record_changes(frame.changes)
  local ok, result = pcall(fn)
  table.remove(self.memos)
  local top = self.memos[#self.memos]
  core.record_changes(top and top.changes or nil)
  if not ok then error(result, 0) end
  local eok, eerr = pcall(M.encode, result, "result")
  if not eok then self:fail(string.format("run:memo %q: %s", label, tostring(eerr))) end
  local listed, out = {}, {}
  for i, obj in ipairs(outputs) do
    listed[obj] = true
    local rec = self.saved[obj]
    local id = rec and rec.id or {}
    out[i] = rec and {kind = rec.kind, u = rec.u, sec = rec.sec, s = id.s, to = id.to} or false
  end
  -- Objects fn advanced that it neither closed nor listed: a replay skips
  -- fn and would not restore them.
  local bad = self:open_objects(frame.advanced, listed)
  if #bad > 0 then
    -- (Named by the phase that advanced it, as the progress lines and the log call it.)
    local rec = self.saved[bad[1]]
    self:fail(string.format("run:memo %q advanced %d object(s) (the %s advanced in %q, ...) that "
      .. "it neither closes nor lists in its outputs; a replay would not restore them", label,
      #bad, kind_of(bad[1]) == "ens" and "ensemble" or "observer",
      tostring(rec.id and rec.id.s or ("segment " .. tostring(rec.u)))))
  end
  -- Objects fn changed outside any segment (a bare ens:run, set_weights)
  -- and did not close: a replay skips fn and has no file to restore them from.
  bad = self:open_objects(frame.changes)
  if #bad > 0 then
    self:fail(string.format("run:memo %q changed %d %s(s) outside lab.advance (ens:run, "
      .. "set_weights or set_step inside the memo) that outlive it, listed or not; a resumed run "
      .. "skips the memo and could not restore them: advance them with lab.advance(run, ...), or "
      .. "build and close them inside the memo", label, #bad,
      kind_of(bad[1]) == "ens" and "ensemble" or "observer"))
  end
  -- A replay skips fn: of its segments' files it needs its outputs' only.
  local keep = {}
  for _, o in ipairs(out) do if o then keep[self:path(o.u, o.kind)] = true end end
  for u = k + 1, self.n do
    for _, kind in ipairs({"ens", "obs"}) do
      local f = self:path(u, kind)
      if not keep[f] then self.decided[#self.decided + 1] = f end
    end
    self.units[u] = nil
  end
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
  if is_root() then M.wipe(self.dir) end
  self.finished = true
  if active == self then active = nil end
end

-- Did the run end early with a checkpoint to resume from?
function Journal:resumable()
  return active == self and not self.finished and not self.exited and not self.broken
    and exists(self.head)
end

local J = {}

-- install(C): glass.checkpoint (C) gets this module's functions and
-- constants; this module reads C's through M.
function J.install(C)
  for k, v in pairs(M) do C[k] = v end
  setmetatable(M, {__index = C})
  same, refuse_differences = C.same, C.refuse_differences
end

return J
