-- glass.run: a protocol's output directory and its bookkeeping.
--
--   local run = glass.run(p)          -- p from P:parse(arg)
--   run:log("quench: %d replicas", n)  -- stderr (unless --quiet) and DIR/log.txt
--   local pr = run:progress{phase = "langevin", total = 20000}
--   run:write_csv("overlap", tbl, {"extra comment"})   -- DIR/overlap.csv
--   run:plot{name = "overlap", ...}    -- DIR/overlap.gp now; drawn at finish
--   run:finish()                       -- plots, then DIR/COMPLETE, written last
--
-- A directory that holds COMPLETE is a finished run: glass.run refuses to
-- write into it unless --force is given, so results are never overwritten
-- silently; with --force the run starts over, deleting first what the
-- earlier run wrote (clear_earlier: the files its run.json lists), so that
-- no stale result is left next to the new ones (so does any run that starts
-- afresh where an earlier one wrote, with nothing to resume).  A directory without it
-- (an interrupted run) is reused, and resumed from its checkpoint:
-- run.journal (glass.checkpoint's journal)
-- saves every lab.advance segment and replays completed ones, so the same
-- command continues where the run stopped, or is refused if its
-- parameters differ (docs/reliability.md, "Checkpoints and resuming").
-- Every file is written to a temporary name and renamed.
--
-- One run at a time: the run holds an exclusive lock on DIR/.glassvm.lock
-- (flock, glass.lock_file) from glass.run to run:finish, so a second run
-- on the same directory is refused, naming the holder's process; the kernel
-- drops the lock when the process dies (kill -9 leaves no stale lock).
-- write_csv, write_text and plot take names inside DIR, never the run's own
-- files (M.RESERVED: params.lua, log.txt, the checkpoints, COMPLETE, ...).
--
-- Under MPI (mpirun -n K, docs/cluster.md) every rank runs the protocol;
-- rank 0 alone creates the directory and writes the log, params.lua, CSVs,
-- text, plots and COMPLETE, and the other ranks are quiet.
local params = require "glass.params"
local progress = require "glass.progress"
local plot = require "glass.plot"
local ckpt = require "glass.checkpoint"
local fs = require "glass.fs"
local mpi = require "glass.mpi"
local runinfo = require "glass.runinfo"
local glass_core = require "glass.core"

local M = {}
M.MARKER = "COMPLETE"
M.LOCK = ".glassvm.lock"   -- the lock file in DIR (its content: the holder's PID and host)

-- The run's own files in DIR (and everything under checkpoints/): the
-- write methods refuse these names, so no result overwrites them.
M.RESERVED = {
  [M.MARKER] = "the completion marker", [M.LOCK] = "the run's lock",
  ["params.lua"] = "the run's parameters", ["log.txt"] = "the run's log",
  ["gnuplot.log"] = "gnuplot's messages", [runinfo.NAME] = "the run's metadata",
  [ckpt.FILE] = "the head checkpoint", [ckpt.FILE .. ".prev"] = "the previous checkpoint",
  [ckpt.FILE .. ".refused"] = "a refused checkpoint", [ckpt.STOP] = "the stop request",
  [ckpt.SEGMENTS] = "the checkpoint directory",
}

local Run = {}
Run.__index = Run

local function glass_table() return package.loaded.glass end

local exists, is_dir, write_file = fs.exists, fs.is_dir, fs.write_file
M.exists, M.write_file = exists, write_file

-- Absolute form of a path (for params.lua, which may be re-run from elsewhere).
local absolute = fs.absolute
M.absolute = absolute

-- Print a clean message (no Lua traceback) and stop with status 2: for
-- user errors found before any work is done.  Under MPI, a `collective`
-- error (every rank meets it at the same point) is printed by rank 0 alone,
-- and every rank stops once it is printed; any other names the rank it
-- happened on.  The stop is a glass.Error (exit = 2, printed, refused),
-- which the glassvm command ends with.  glass.run's own refusals come
-- before run.json is written, so an earlier run's run.json stays as it was;
-- a refusal after that marks this run's "failed" (Run:__gc).
local function die(msg, collective)
  local many = mpi.size() > 1
  -- (one string, so one write on the unbuffered stderr: written in pieces, mpirun can
  -- put another rank's line between this rank's prefix and its message)
  if collective and many then
    if mpi.is_root() then io.stderr:write("glassvm: " .. msg .. "\n"); io.stderr:flush() end
    mpi.barrier()
  else
    io.stderr:write("glassvm: " .. (many and string.format("rank %d: ", mpi.rank()) or "")
      .. msg .. "\n")
  end
  error(glass_core.error{message = msg, exit = 2, printed = true, refused = true}, 0)
end
M.die = die

-- An error's message without the "file.lua:line: " its raiser put first (a
-- line of the library, which says nothing to the user the message is for).
function M.without_position(err)
  return (tostring(err):gsub("^[^:\n]-%.lua:%d+: ", ""))
end

-- Under MPI, refuse (on every rank, said once) an ensemble of n replicas
-- that cannot give each of the ranks a block of at least one.
function M.check_replicas(n)
  local size = mpi.size()
  if size > 1 and math.type(n) == "integer" and n < size then
    die(string.format("%d replicas cannot be shared by %d MPI ranks: every rank runs a block of "
      .. "at least one replica. Run on at most %d ranks (mpirun -n %d), or with --replicas=%d "
      .. "or more.", n, size, n, n, size), true)
  end
end


-- Create DIR if needed and take its lock.  Returns the glass.Lock (false
-- when the file system has no locks, with a note for the log), or nil and a
-- one-line refusal.
local function claim(dir)
  if not is_dir(dir) then
    if fs.lexists(dir) then
      return nil, string.format("the output directory %s is a file, not a directory; "
        .. "choose another --out", dir)
    end
    local ok, why = fs.mkdir_p(dir)
    if not ok then
      return nil, string.format("cannot create the output directory %s (%s); choose another --out",
        dir, why:match(": ([^:]+)$"))
    end
  end
  local lock, why, detail = require("glass.core").lock_file(dir .. "/" .. M.LOCK)
  if lock then return lock end
  if why == "busy" then
    local pid, host = detail:match("^(%d+) ?(.*)$")
    local who = pid and ("process " .. pid .. ((host ~= "" and host ~= "?") and (" on " .. host) or ""))
      or "its process has not written its PID yet"
    return nil, string.format("%s is in use by another run (%s); wait for it to end (or stop it), "
      .. "or choose another --out", dir, who)
  elseif why == "unsupported" then
    return false, string.format("note: the file system of %s has no file locks (%s): nothing "
      .. "stops another run from writing into it", dir, detail)
  end
  return nil, string.format("cannot write into the output directory %s (%s); choose another --out",
    dir, detail)
end

-- "a, b, c" for a list of names (the first ten, then how many more).
local function listing(names)
  local shown = table.move(names, 1, math.min(#names, 10), 1, {})
  if #names > 10 then shown[#shown + 1] = string.format("... (%d more)", #names - 10) end
  return table.concat(shown, ", ")
end

-- The refusal for a directory that holds files (other than the lock and a STOP
-- file) but no glassvm run: no run.json, COMPLETE or checkpoint.  nil otherwise.
local function foreign_files(dir)
  for _, name in ipairs({runinfo.NAME, M.MARKER, ckpt.FILE, ckpt.FILE .. ".prev"}) do
    if fs.lexists(dir .. "/" .. name) then return nil end
  end
  local names = {}
  for _, name in ipairs(fs.list(dir) or {}) do
    if name ~= M.LOCK and name ~= ckpt.STOP then names[#names + 1] = name end
  end
  if #names == 0 then return nil end
  table.sort(names)
  return string.format("%s already holds files, and no glassvm run (no %s): %s. A run writes "
    .. "log.txt, params.lua, %s, its CSVs and figures there and would replace files of those "
    .. "names.\nChoose a new or empty directory with --out=DIR, or add --force to write into "
    .. "this one anyway.", dir, runinfo.NAME, listing(names), runinfo.NAME)
end

-- A run that starts over in DIR (not a resume) first deletes what the
-- earlier run there wrote, so that none of its results is taken for this
-- run's: the run's own files (M.RESERVED: params.lua, log.txt, COMPLETE,
-- ...; the journal has deleted the checkpoints) and the files its run.json
-- lists.  Only plain names inside DIR, never the lock, a STOP file or a
-- directory.  Files the earlier run did not write stay, and so does every
-- result when no readable run.json says which files it wrote (a run of an
-- older glassvm).  A directory with neither run.json nor COMPLETE was not
-- written by a run: nothing in it is deleted.  finished: DIR held a
-- finished run.  Returns lines for the log.
local function clear_earlier(dir, finished)
  local f = io.open(dir .. "/" .. runinfo.NAME, "r")
  if not (f or finished) then return {} end   -- no run wrote into DIR: nothing is its
  local names, unread = {}, nil
  for name in pairs(M.RESERVED) do names[#names + 1] = name end
  if f then
    local text = f:read("a") or ""
    f:close()
    local json = require("glass.json")
    local ok, info = pcall(json.decode, text)
    local err = not ok and tostring(info):gsub("^glass%.json%.decode: ", "") or nil
    if not ok then info = nil end
    if type(info) == "table" and type(info.files) == "table" and info.files ~= json.null then
      for _, entry in ipairs(info.files) do
        if type(entry) == "table" then names[#names + 1] = entry.name end
      end
    else
      unread = string.format("%s/%s cannot be read (%s)", dir, runinfo.NAME,
        err or "it lists no files")
    end
  else
    unread = string.format("%s has no %s (an older glassvm?)", dir, runinfo.NAME)
  end
  -- A name inside DIR: no ".", ".." or empty part, and no folder on the way
  -- that is a link (which could lead out of DIR).
  local function inside(name)
    if type(name) ~= "string" or name:find("%c") or ("/" .. name .. "/"):find("/%.?%.?/") then
      return false
    end
    local at = dir
    for part in name:gmatch("([^/]+)/") do
      at = at .. "/" .. part
      if fs.is_link(at) then return false end
    end
    return true
  end
  local removed, failed, seen = 0, {}, {}
  for _, name in ipairs(names) do
    if not seen[name] and inside(name) and name ~= M.LOCK and name ~= ckpt.STOP
        and not is_dir(dir .. "/" .. name) and fs.lexists(dir .. "/" .. name) then
      seen[name] = true
      local ok, err = os.remove(dir .. "/" .. name)
      if ok then removed = removed + 1 else failed[#failed + 1] = err end
    end
  end
  local kept = {}
  for _, name in ipairs(fs.list(dir) or {}) do
    if name ~= M.LOCK and name ~= ckpt.STOP and name ~= ckpt.SEGMENTS and not seen[name] then
      kept[#kept + 1] = name
    end
  end
  table.sort(kept)
  if unread then
    return {#kept > 0 and string.format("warning: starting over, but %s, so the earlier run's "
      .. "results cannot be told from other files: kept %s; delete those of the earlier run "
      .. "yourself", unread, listing(kept)) or nil}
  end
  local lines = {string.format("starting over: deleted the %d file(s) the earlier run in %s wrote "
    .. "(its %s lists them)", removed, dir, runinfo.NAME)}
  if #failed > 0 then
    lines[#lines + 1] = string.format("warning: could not delete %d file(s) of the earlier run: %s",
      #failed, listing(failed))
  end
  if #kept > 0 then
    lines[#lines + 1] = string.format("kept %d file(s) in %s that the earlier run did not write: "
      .. "%s", #kept, dir, listing(kept))
  end
  return lines
end

-- The command line that started this process, to repeat when the run is
-- to be resumed: the output directory added when it was not given, --force
-- left out (it would start over).
local function command_line(dir, given_out)
  local a = _G.arg
  if type(a) ~= "table" then return nil end
  local lo = 0
  while a[lo - 1] ~= nil do lo = lo - 1 end
  local parts = {}
  if mpi.size() > 1 then parts[1] = string.format("mpirun -n %d", mpi.size()) end
  if lo == 0 then parts[#parts + 1] = "glassvm" end
  -- Without --force, which would throw away the checkpoint to be resumed.
  local BOOL = {["true"] = 1, ["false"] = 1, ["1"] = 1, ["0"] = 1, yes = 1, no = 1, on = 1,
                off = 1}
  local i = lo
  while i <= #a do
    local w = tostring(a[i])
    if i >= 1 and w == "--force" then
      if BOOL[tostring(a[i + 1] or ""):lower()] then i = i + 1 end
    elseif not (i >= 1 and w:find("^%-%-force=")) then
      if w == "" or w:find("[^%w%-%+_=/.,:@%%]") then w = fs.shell_quote(w) end
      parts[#parts + 1] = w
    end
    i = i + 1
  end
  if not given_out then parts[#parts + 1] = "--out=" .. fs.shell_quote(dir) end
  return table.concat(parts, " ")
end

-- glass.run(p [, opts]): opts.protocol overrides the protocol path (default arg[0]);
-- opts.sweep: the protocol's work is a glass.lab.sweep, which runs with
-- fewer replicas than MPI ranks (points mode), so that is not refused.
function M.new(p, opts)
  opts = opts or {}
  local meta = getmetatable(p)
  local P = meta and meta.__index and meta.__index.__params
  if not P then error("glass.run: expected the values returned by P:parse(arg)", 2) end
  local g = glass_table()
  local root = mpi.is_root()
  local self = setmetatable({p = p, P = P, name = P.name, files = {}, figures = {},
                             quiet = p.quiet or not root, root = root, t0 = progress.clock()}, Run)
  self.version = g and g.version or "?"
  self.protocol = absolute(opts.protocol or (_G.arg and _G.arg[0]) or (P.name .. ".lua"))
  -- --device: the device new ensembles use, refused before DIR is touched.
  if g and g.device and p.device then
    local ok, err = pcall(g.device, p.device)
    if not ok then
      local intr = glass_core.interruption(err)
      if intr then error(intr, 0) end
      die(string.format("--device=%s: %s; --device=cpu (the default) runs on the CPU",
        p.device, M.without_position(err)), true)
    end
  end

  -- The directory: explicit, or a new timestamped one.
  local dir = p.out
  if dir == nil or dir == "" then
    local base = "results/" .. P.name .. "-" .. os.date("%Y%m%d-%H%M%S")
    dir = base
    local n = 2
    while is_dir(dir) do dir = base .. "-" .. n; n = n + 1 end
  end
  dir = dir:gsub("/+$", "")
  if mpi.size() > 1 then dir = mpi.bcast(dir) end   -- rank 0's timestamp
  self.dir = dir
  if p.replicas ~= nil and not opts.sweep then M.check_replicas(p.replicas) end
  -- Rank 0 creates and locks DIR, then decides (a finished run, the
  -- checkpoint); then the other ranks open the journal it left.
  local lock_note, claimed
  if root then claimed, lock_note = claim(dir) end
  local claim_refused = root and claimed == nil and lock_note
  if mpi.size() > 1 then claim_refused = mpi.bcast(claim_refused or false) end
  if claim_refused then die(claim_refused, true) end
  self.lock = claimed or nil
  local marker = dir .. "/" .. M.MARKER
  local refused = root and exists(marker) and not p.force and string.format(
    "%s holds a finished run (%s exists); refusing to overwrite it.\n"
    .. "Choose another directory with --out=DIR, or add --force to overwrite it.", dir, marker)
  if mpi.size() > 1 then refused = mpi.bcast(refused or false) end
  if refused then die(refused, true) end
  -- A directory that holds files but no glassvm run (no run.json, COMPLETE or
  -- checkpoint): a run would replace those with its outputs' names (log.txt,
  -- params.lua, its CSVs and figures), so it is refused unless --force.
  local foreign = root and not p.force and foreign_files(dir)
  if mpi.size() > 1 then foreign = mpi.bcast(foreign or false) end
  if foreign then die(foreign, true) end
  local finished = root and exists(marker)
  if finished then
    os.remove(marker)
    ckpt.wipe(dir)   -- leftovers of the finished run: start over
  end
  -- The checkpoint: resume, or refuse before anything in DIR changes.
  local saved = {}
  for _, kv in ipairs(P:saved(p)) do saved[kv[1]] = kv[2] end
  local function open_journal()
    return ckpt.journal{dir = dir, params = saved, protocol = P.name,
      version = self.version, force = p.force, every = p.checkpoint_every or 0,
      minutes = p.checkpoint_minutes or 0, clock = progress.clock,
      command = command_line(dir, p.out ~= nil and p.out ~= "")}
  end
  local journal, why
  if root then journal, why = open_journal() end
  local cleared = journal and not journal.resumed and clear_earlier(dir, finished) or {}
  if mpi.size() > 1 then why = mpi.bcast(why or false) end
  if why then die(why, true) end
  if not root then
    journal, why = open_journal()
    if not journal then die(why) end
  end
  -- Every rank has read the checkpoint, and the same one: ranks that see different ones
  -- (an --out not on a file system they share) would part ways at the first collective.
  if mpi.size() > 1 then
    -- What each rank resumes: every saved segment and memo (its key, label and end
    -- step) and the running segment's step, compared with rank 0's.
    local parts, n = {}, 0
    if journal.resumed then
      for k, rec in pairs(journal.units) do
        n = n + 1
        parts[n] = string.format("%s=%s@%s", tostring(k), tostring(rec.s), tostring(rec.to))
      end
      table.sort(parts)
      parts[#parts + 1] = "current@" .. tostring(journal.current and journal.current.step)
    end
    local sig = table.concat(parts, ";")
    if not mpi.all(sig == mpi.bcast(sig)) then
      die(string.format("the ranks do not see the same checkpoint in %s (rank %d: %s): every "
        .. "rank reads it, so --out must be on a file system all nodes share", dir, mpi.rank(),
        journal.resumed and n .. " segment(s) and memo(s)" or "none"))
    end
  end
  self.journal = journal
  if root then
    local log, err = io.open(dir .. "/log.txt", journal.resumed and "a" or "w")
    if not log then die("cannot write " .. tostring(err)) end   -- err names the file
    self.logf, self.log_path = log, dir .. "/log.txt"
    if journal.resumed then log:write("\n") end
  end
  journal.log = function(line) self:log("%s", line) end
  journal.log_only = function(line) self:log_only(line) end
  journal.tell = function(line)
    if not root then return end
    io.stderr:write("glassvm: " .. line .. "\n")
    self:log_only(line)
  end

  if g and g.threads then
    if p.threads and p.threads > 0 then g.threads(p.threads) end
    self.threads = g.threads()
  end

  -- params.lua first: even an interrupted run says what it was.  Its text
  -- depends on the values only (a resumed run writes the same bytes).
  self.params_path = dir .. "/params.lua"
  if root then
    local wok, werr = pcall(write_file, self.params_path,
      P:file_text(p, {version = self.version, protocol = self.protocol, path = "DIR/params.lua"}))
    if not wok then
      local intr = glass_core.interruption(werr)
      if intr then error(intr, 0) end -- a signal: 130/143, not a refusal
      die(tostring(werr))
    end
    -- run.json: what the run is, for notebooks (status "running" until finish).
    self.info = runinfo.new(self)
    runinfo.add_file(self, "params.lua", "the parameters, as Lua: `glassvm DIR/params.lua` re-runs them")
    runinfo.add_file(self, "log.txt", "the log: what was done, when, and the results in words")
  end

  local threads = tostring(self.threads or "?") .. " threads"
  if mpi.enabled then threads = string.format("%d ranks × %s", mpi.size(), threads) end
  if p.device and p.device ~= "cpu" then threads = threads .. ", device " .. p.device end
  self:log("glassvm %s, protocol %s, seed %d, %s, output %s, %s", self.version, P.name,
    p.seed, threads, dir, os.date("%Y-%m-%d %H:%M:%S"))
  if p.preset and p.preset ~= "" then self:log("preset: %s", p.preset) end
  self:log("parameters: %s", P:summary(p))
  for _, note in ipairs(p.__notes or {}) do self:log("note: %s", note) end
  if lock_note then self:log("%s", lock_note) end
  for _, line in ipairs(journal.messages) do self:log("%s", line) end
  for _, line in ipairs(cleared) do self:log("%s", line) end
  if journal.resumed then self:log("%s", journal:summary()) end
  if self.log_error then die(string.format("cannot write %s/log.txt: %s", dir, self.log_error)) end
  M.open_runs[self] = true
  return self
end

-- The runs this process started and has not finished: a script that ends
-- without run:finish() left a run with no COMPLETE, and the glassvm command
-- says so and exits 1 (src/main.c) instead of 0.
-- (Not weak: a run the script no longer reaches would be collected, and
-- then forgotten, before the script ends.)
M.open_runs = {}
function M.unfinished()
  for r in pairs(M.open_runs) do
    if not r.finished then
      runinfo.finish(r, "failed") -- now: under MPI an abort may come before __gc
      return string.format("the script ended without run:finish(): the run in %s has no %s and "
        .. "run.json says \"failed\"; end the protocol with run:finish(lines) after its last "
        .. "write", r.dir, M.MARKER)
    end
  end
end

-- A unit of work whose result (plain data) is saved, so that a resumed run
-- returns it without calling fn; `outputs` lists the ensembles and
-- observers fn advances that outlive it (glass.checkpoint, Journal:memo).
function Run:memo(label, outputs, fn)
  if type(label) ~= "string" or type(fn) ~= "function" then
    error(string.format("run:memo(label, outputs, fn): a label, the objects fn changes and the "
      .. "function; got a %s, a %s and a %s", type(label), type(outputs), type(fn)), 2)
  end
  if not self.journal then return fn() end
  return self.journal:memo(label, outputs, fn)
end

-- A run that stops before finish (an error, a signal outside a segment)
-- says how to resume it, when it left a checkpoint.
function Run:__gc()
  local j = self.journal
  -- The script's error, kept by the glassvm command (src/main.c).
  local err = debug.getregistry()["glassvm.error"]
  self.closing = true
  -- The lines that end the run, on stderr and in log.txt; and the error itself, which the
  -- glassvm command prints on stderr (Journal:stop's stop is in the log already).
  local function say(fmt, ...)
    if not self.root then return end
    local text = string.format(fmt, ...)
    io.stderr:write("glassvm: " .. text .. "\n")
    self:log_only(text)
  end
  local function close_log() if io.type(self.logf) == "file" then self.logf:close() end end
  if err ~= nil and not (j and j.exited) then
    self:log_only("ended by: " .. (M.without_position(err):match("^[^\n]*")))
  end
  -- A signal held while the run completed (Run:finish) arrives after it.
  if self.complete then
    if glass_core.interrupted(err) then
      say("the run in %s had finished (%s written) when the signal came: its results are "
        .. "complete", self.dir, M.MARKER)
    end
    close_log()
    return
  end
  -- A refusal (die, a missing data set) prints what to do itself; a run it
  -- stopped after run.json was written is a failed run (glass.run's own
  -- refusals come before run.json, and leave an earlier run's as it was).
  if glass_core.is_error(err) and err.refused then
    runinfo.finish(self, "failed")
    close_log()
    return
  end
  local stopped = j and j.exited or glass_core.interrupted(err)
  runinfo.finish(self, stopped and "interrupted" or "failed")
  -- No error and no signal: the script ended without run:finish(), which
  -- src/main.c reports (M.unfinished); rerunning it would do the same.
  if self.root and j and j:resumable() and (stopped or err ~= nil) then
    -- After an error the same command meets it again unless its cause is gone.  (A
    -- signal whose error a pcall made a plain one arrives here as the interruption:
    -- glassvm's docall reads the engine's flag.)
    say("the run in %s did not finish; its checkpoint is kept: to resume, run the same "
      .. "command again%s:\n  %s", self.dir,
      stopped and "" or " (after an error: once its cause is fixed; if the cause is a "
        .. "parameter, a resume keeps it: start over with --force or another --out)",
      j:resume_command())
  elseif stopped and not (j and j.exited) then
    -- A signal before the first checkpoint (data loading); Journal:stop
    -- (j.exited) has said how to resume already.
    say("the run in %s stopped before its first checkpoint: nothing to resume; the same "
      .. "command starts it again", self.dir)
  elseif glass_core.is_error(err) == "EIO" then
    -- A file that could not be written (a full disk) before any checkpoint was.
    say("the run in %s failed before its first checkpoint: nothing to resume; once the cause "
      .. "is gone (space on the disk, say), the same command starts it again", self.dir)
  end
  close_log()
end

-- Log a line (string.format arguments) on stderr unless quiet, and in log.txt.
function Run:log(fmt, ...)
  local line = tostring(fmt)
  if select("#", ...) > 0 then
    local ok, text = pcall(string.format, fmt, ...)
    if not ok then -- a nil for %g, say: the caller's line, not this one
      error("run:log: " .. tostring(text), 2)
    end
    line = text
  end
  if not self.quiet then io.stderr:write(line .. "\n") end
  self:log_only(line)
end

-- A line for log.txt alone, time-stamped.  The first failed write is kept
-- in self.log_error (a full disk: glass.run refuses to start).
function Run:log_only(line)
  -- (In __gc the log's file handle may have been collected, and closed, first: the
  -- last lines are appended through a new one.)
  if self.closing and io.type(self.logf) ~= "file" and self.log_path then
    self.logf = io.open(self.log_path, "a")
  end
  if io.type(self.logf) == "file" then
    local ok, err = self.logf:write(string.format("[%8.1fs] %s\n", progress.clock() - self.t0, line))
    if ok then ok, err = self.logf:flush() end
    if not ok then self.log_error = self.log_error or tostring(err) end
  end
end

-- A progress reporter that also writes to the log.
function Run:progress(opts)
  glass_core.check_options(opts, "run:progress", {"phase", "total", "start", "first", "unit", "every"}, 2)
  opts.quiet = self.quiet
  opts.log = self
  return progress.new(opts)
end

function Run:path(name)
  if type(name) ~= "string" then
    error("run:path(name): name is a file name inside the run's directory, got a " .. type(name), 2)
  end
  return self.dir .. "/" .. name
end

-- Check that `name` .. (suffix or "") (for the method `what`) names a new
-- file inside DIR: relative, no "." or ".." component, not one of the run's
-- own files (or a temporary name, which run:finish deletes); and that the
-- run is not finished.  Raises a message at the caller's caller.
function Run:check_name(what, name, suffix)
  local function refuse(fmt, ...) error(string.format("run:%s: " .. fmt, what, ...), 4) end
  if self.finished then
    refuse("the run in %s is finished (run:finish wrote %s); write every file before run:finish()",
      self.dir, M.MARKER)
  end
  if type(name) ~= "string" or name == "" then
    refuse("expected a file name, got %s", name == "" and "an empty string" or type(name))
  end
  name = name .. (suffix or "")
  local shown = string.format("%q", name):gsub("\\\n", "\\n")
  if name:find("[%c]") then refuse("the name %s holds a control character", shown) end
  if name:sub(1, 1) == "/" then
    refuse("%s is an absolute path; give a name inside the output directory %s", shown, self.dir)
  end
  local first
  for part in (name .. "/"):gmatch("([^/]*)/") do
    if part == "" or part == "." or part == ".." then
      refuse("%s is not a plain name inside the output directory %s (no '..', '.' or empty "
        .. "parts)", shown, self.dir)
    end
    first = first or part
  end
  local own = M.RESERVED[name] or (first == ckpt.SEGMENTS and M.RESERVED[first])
  if own then refuse("%s is %s; choose another name", shown, own) end
  if name:find("%.tmp$") or name:find("%.tmp%.%d+$") then
    refuse("%s is a temporary name (run:finish deletes *.tmp files); choose another name", shown)
  end
end

-- Each file of a run is written once: a second write of the same name
-- (a constant name in a loop over T, say) would silently keep only the last.
function Run:claim(what, file)
  self.claimed = self.claimed or {}
  if self.claimed[file] then
    error(string.format("run:%s: %s was already written by this run; give each file its own "
      .. "name (e.g. with the loop's value in it)", what, file), 3)
  end
  self.claimed[file] = true
end

-- Write text as DIR/name (through a temporary file and a rename); rank 0
-- only (every rank returns the path).  holds: what it holds, for run.json.
function Run:write_text(name, text, holds)
  self:check_name("write_text", name)
  if type(text) ~= "string" then
    error(string.format("run:write_text: expected the text (a string) as the second argument, "
      .. "got a %s", type(text)), 2)
  end
  self:claim("write_text", name)
  local path = self:path(name)
  if self.root then write_file(path, text) end
  self.files[#self.files + 1] = name
  runinfo.add_file(self, name, holds)
  return path
end

-- Write a glass.Table as DIR/name.csv.  tbl:write_csv adds the standard
-- comment lines (glassvm version, protocol, parameters, seed: runinfo.lua);
-- extra_comments follow them.  It writes a temporary file and renames it.
function Run:write_csv(name, tbl, extra_comments)
  if type(name) == "string" then name = name:gsub("%.csv$", "") end -- "q.csv" is "q"
  self:check_name("write_csv", name, ".csv")
  if not (type(tbl) == "userdata" or type(tbl) == "table") or type(tbl.write_csv) ~= "function" then
    error(string.format("run:write_csv: expected a glass.Table as the second argument (glass.table"
      .. "{columns = {...}}), got a %s", type(tbl)), 2)
  end
  if type(extra_comments) == "string" then extra_comments = {extra_comments} end
  if extra_comments ~= nil and type(extra_comments) ~= "table" then
    error(string.format("run:write_csv: the comments (third argument) are a string or a list of "
      .. "strings, got a %s", type(extra_comments)), 2)
  end
  self:claim("write_csv", name .. ".csv")
  local path = self:path(name .. ".csv")
  if self.root then
    -- An I/O failure (a folder of name's that does not exist, a full disk) at the caller's line.
    local ok, err = pcall(tbl.write_csv, tbl, path, {protocol = self.name, params = self.p,
                                                     comments = extra_comments})
    if not ok then
      -- A signal stays a signal (the run is then "interrupted" and resumes); an I/O
      -- failure (the engine's EIO) is one line at the caller's line; anything else
      -- (a bug in a table's writer) keeps its traceback.
      local intr = glass_core.interruption(err)
      if intr then error(intr, 0) end
      local status = glass_core.is_error(err)
      if status ~= "EIO" and status ~= "EFORMAT" then -- a bug: the traceback helps
        error("run:write_csv: " .. M.without_position(err), 2)
      end
      local at = debug.getinfo(2, "Sl")
      error(glass_core.error{status = status, message = string.format("%s:%d: run:write_csv: %s",
        at.short_src, at.currentline, M.without_position(err))}, 0)
    end
  end
  self.files[#self.files + 1] = name .. ".csv"
  runinfo.add_file(self, name .. ".csv", table.concat(extra_comments or {}, " "), tbl:columns())
  return path
end

-- A new glass.Table with these column names.
function Run:table(columns)
  return glass_table().table{columns = columns}
end

-- Declare a figure: its .gp script is written now, drawn at finish.
function Run:plot(spec)
  if type(spec) == "table" and type(spec.name) == "string" then
    self:check_name("plot", spec.name, ".gp")
  end
  local fig = plot.figure(spec, 3)
  self:claim("plot", spec.name .. ".gp")
  -- A wrong column of a CSV already written: an error now, not a figure
  -- gnuplot cannot draw at the end of the run.
  local bad = self.root and plot.data_problem(self.dir, spec)
  if bad then error(string.format("run:plot %s: %s", spec.name, bad), 2) end
  self.figure_specs = self.figure_specs or {}
  self.figure_specs[spec.name] = spec
  if self.p.plots == false or not self.root then return fig end
  fig:write(self.dir)
  self.figures[#self.figures + 1] = spec.name
  runinfo.add_file(self, spec.name .. ".gp", "gnuplot script of the figure " .. (spec.title or spec.name)
    .. " (cd DIR && gnuplot " .. spec.name .. ".gp draws it)")
  return fig
end

-- Draw the plots, then write the completion marker last (rank 0; the
-- other ranks only close the journal).
function Run:finish(summary)
  if self.finished then
    error(string.format("run:finish: the run in %s is already finished (run:finish was called "
      .. "before); call it once, after the last write", self.dir), 2)
  end
  -- A signal whose error a pcall made a message of its own (a failed fit, say) left
  -- results that are perhaps not all there: the run stops, to be resumed, not complete.
  local intr = glass_core.interruption()
  if intr then error(intr, 0) end
  self.finished = true
  M.open_runs[self] = nil
  if not self.root then
    if self.journal then self.journal:finish() end
    return progress.clock() - self.t0
  end
  if #self.figures > 0 then
    if plot.available() then
      local drawn = {}
      for _, name in ipairs(self.figures) do
        local bad = plot.data_problem(self.dir, self.figure_specs[name], true)
        local ok, why = false, bad
        -- A protocol's mistake: on stderr even with --quiet (the log line below says it
        -- there otherwise).
        if bad and self.quiet then io.stderr:write(string.format("glassvm: plot %s: %s\n", name, bad)) end
        if not bad then ok, why = plot.render(self.dir, name) end
        if ok then
          drawn[#drawn + 1] = name .. ".png"
          for _, ext in ipairs{".png", ".svg"} do
            runinfo.add_file(self, name .. ext, "the figure drawn by " .. name .. ".gp")
          end
        elseif bad then self:log("plot %s: %s", name, why)
        else
          -- gnuplot failed (a full disk, say): the results stand; on stderr even with
          -- --quiet, since a job script sees exit 0.
          local line = string.format("plot %s: %s; the results (the CSVs) are complete: once "
            .. "the cause is gone, cd %s && gnuplot %s.gp draws it", name, why, self.dir, name)
          if self.quiet then io.stderr:write("glassvm: " .. line .. "\n") end
          self:log("%s", line)
        end
      end
      if fs.exists(self:path("gnuplot.log")) then
        runinfo.add_file(self, "gnuplot.log", "gnuplot's messages while drawing the figures")
      end
      if #drawn > 0 then self:log("plots: %s (PNG and SVG) in %s", table.concat(drawn, ", "), self.dir) end
    else
      self:log("gnuplot is not installed, so no plots were drawn; the scripts are in %s.\n"
        .. "Install it (apt-get install gnuplot-nox), then: cd %s && gnuplot *.gp",
        self.dir, self.dir)
    end
  end
  for _, line in ipairs(summary or {}) do self:log("%s", line) end
  if self.losses then
    self:log("note: replicas were lost (%s): every mean after a loss is over the replicas left "
      .. "(the CSVs' n column counts them), so a curve can mix sets of replicas; lower lr or T if "
      .. "that was not meant", table.concat(self.losses, "; "))
  end
  local dt = progress.clock() - self.t0
  -- Temporary files of writes a kill interrupted (CSVs, earlier runs).
  for _, f in ipairs(fs.list(self.dir) or {}) do
    if f:find("%.tmp$") or f:find("%.tmp%.%d") then os.remove(self:path(f)) end
  end
  -- run.json, COMPLETE, then the checkpoints' removal: a signal in between would leave a
  -- finished run that looks resumable (and its checkpoints on disk), so it is held until
  -- the end and delivered then (the run has finished; __gc says so).
  local deferred = false
  local ok, err = pcall(function()
    glass_core.defer_signals(true)
    deferred = true
    runinfo.add_file(self, M.MARKER, "the completion marker, written last: the run finished")
    runinfo.finish(self, "complete")
    write_file(self:path(M.MARKER), string.format("glassvm %s protocol %s finished %s after "
      .. "%.1f s\n", self.version, self.name, os.date("%Y-%m-%d %H:%M:%S"), dt))
    -- "done" only once COMPLETE is there: a run that could not write it is not done.
    self:log("done in %s; results in %s", progress.duration(dt), self.dir)
    self.complete = true
    -- The results are complete: the checkpoints go.
    if self.journal then self.journal:finish() end
    if self.logf then self.logf:close(); self.logf = nil end
    if self.lock then self.lock:release(); self.lock = nil end -- the directory is free again
  end)
  -- (A signal that came just before the deferral raised inside the pcall; the glassvm
  -- command ends a deferral left open with the chunk.)
  if deferred then glass_core.defer_signals(false) end
  if not ok then
    -- Not complete after all: __gc marks run.json "failed" (or "interrupted").
    if not self.complete and self.info and self.info.status == "complete" then
      self.info.status = "running"
    end
    error(err, 0)
  end
  return dt
end

setmetatable(M, {__call = function(_, p, opts) return M.new(p, opts) end,
  __tostring = function() return "glass.run(p [, opts]): a protocol's run in its output "
    .. "directory, from P:parse(arg)'s values (help(glass.run) quotes its docs)" end})
return M
