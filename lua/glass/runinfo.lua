-- glass.runinfo: DIR/run.json, the machine-readable description of a run
-- (docs/file-formats.md, "run.json").  glass.run keeps it: written when the
-- run starts (status "running"), rewritten after every file the run writes
-- and at the end ("complete", or "interrupted" / "failed" when the run
-- stops on an error), always through a temporary file and a rename.  A
-- notebook reads it with json.load / pandas instead of parsing CSV comments.
-- Also the provenance lines every CSV file of a run begins with (glassvm
-- version, protocol, parameters, seed): M.csv_comments, which is
-- glass.csv_comments and what tbl:write_csv{protocol=, params=, seed=} writes.
local core = require "glass.core"
local json = require "glass.json"
local fs = require "glass.fs"
local mpi = require "glass.mpi"

local M = {}
M.NAME = "run.json"
M.FORMAT = "glassvm-run 1"

-- The first capture of pattern in the file at path, or nil.
local function grep_file(path, pattern)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a") or ""
  f:close()
  return text:match(pattern)
end

local function machine()
  local host = grep_file("/proc/sys/kernel/hostname", "^%s*(.-)%s*$") or os.getenv("HOSTNAME")
  local cpu = grep_file("/proc/cpuinfo", "\nmodel name%s*:%s*([^\n]-)%s*\n")
    or grep_file("/proc/cpuinfo", "^model name%s*:%s*([^\n]-)%s*\n")
  return {hostname = host ~= "" and host or json.null, cpu_model = cpu or json.null}
end

local function utc() return os.date("!%Y-%m-%dT%H:%M:%SZ") end

-- A parameter value as JSON: lists stay lists even when empty.
local function value(v)
  if type(v) ~= "table" then return v end
  local copy = {}
  for i, x in ipairs(v) do copy[i] = x end
  return json.array(copy)
end

-- The description of a new run (rank 0's glass.run object `run`).
function M.new(run)
  local p, P = run.p, run.P
  local g = package.loaded.glass or {}
  local build = g.build or {}
  -- Every parameter, those left out of params.lua and the CSV comments at their default
  -- (omit_default: added after runs existed, which resume unchanged) too; not the run's
  -- mechanics (--out, --threads, ...: threads has its own field).
  local params = {}
  local not_saved = require("glass.params").NOT_SAVED
  for _, d in ipairs(P.list) do
    if not not_saved[d.name] and p[d.name] ~= nil then
      params[d.name] = {value = value(p[d.name]), type = d.type, help = d.help or json.null}
    end
  end
  return {
    format = M.FORMAT,
    protocol = run.name,
    protocol_file = run.protocol,
    glassvm_version = run.version,
    git_commit = build.commit or json.null,
    parameters = params,
    seed = p.seed,
    preset = (p.preset and p.preset ~= "") and p.preset or json.null,
    threads = run.threads or json.null,
    mpi_ranks = mpi.size(),
    machine = machine(),
    blas = {core = build.blas_core or json.null, config = build.blas_config or json.null},
    start_time = utc(),
    end_time = json.null,
    resumed = run.journal and run.journal.resumed or false,
    status = "running",
    files = json.array{},
  }
end

-- Write DIR/run.json (rank 0).  A failure to write it is reported in the
-- log, never raised: the results themselves are what matters.
function M.write(run)
  if not (run.root and run.info) then return end
  local ok, err = pcall(fs.write_file, run.dir .. "/" .. M.NAME,
    json.encode(run.info, {indent = 2}) .. "\n")
  -- A failure to write it is logged and the run goes on; a signal that came meanwhile
  -- still stops the run.
  local intr = not ok and core.interruption(err)
  if intr then error(intr, 0) end
  if not ok then
    local line = "cannot write " .. M.NAME .. ": " .. tostring(err)
    if run.log_only then run:log_only(line) end
    -- On stderr too, once: the log may be on the same full disk, and a run.json left
    -- behind says "running" (or what it said last).
    if not run.info_unwritable then
      run.info_unwritable = true
      io.stderr:write("glassvm: warning: " .. line .. " (it may show an out-of-date status)\n")
    end
  end
end

-- Record (or update) a file of the run: its name in DIR and what it holds;
-- columns for a table.
function M.add_file(run, name, holds, columns)
  local info = run.info
  if not info then return end
  local entry
  for _, f in ipairs(info.files) do if f.name == name then entry = f end end
  if not entry then
    entry = {name = name}
    info.files[#info.files + 1] = entry
  end
  entry.holds = holds or json.null
  if columns then entry.columns = value(columns) end
  M.write(run)
end

-- The run ends: status "complete", "interrupted" or "failed".
function M.finish(run, status)
  local info = run.info
  if not info or info.status ~= "running" then return end
  info.status = status
  info.end_time = utc()
  M.write(run)
end

-- ---- CSV provenance lines ----------------------------------------------------

-- Check an option table as the C bindings do (same words), raising at `level`
-- counted from the caller of check.
local function check(opts, what, keys, level)
  core.check_options(opts, what, keys, level + 1)
end

-- The text of a scalar: integers as %d, other numbers the shortest text that
-- reads back (glass.format_number), anything else as tostring.
local function scalar_text(v)
  if math.type(v) == "integer" then return string.format("%d", v) end
  if type(v) == "number" then return core.format_number(v) end
  return tostring(v)
end

-- "name=value ..." for a parameter table: a glass.params result gives its
-- own summary (its declared parameters and seed, not run mechanics like
-- --out); any other table its string keys, sorted, lists comma-separated.
local function params_summary(values)
  local P = values.__params
  if type(P) == "table" and type(P.summary) == "function" then
    local s = P.summary(P, values)
    if type(s) == "string" then return s end
  end
  local keys = {}
  for k in pairs(values) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do
    local v = values[k]
    if type(v) == "table" then
      local items = {}
      for j = 1, #v do items[j] = scalar_text(v[j]) end
      v = table.concat(items, ",")
    else
      v = scalar_text(v)
    end
    parts[i] = k .. "=" .. v
  end
  return table.concat(parts, " ")
end

-- The standard comment lines from info {protocol=, params=, seed=}: "glassvm
-- <version>", "protocol: <name>", "parameters: name=value ...", "seed: <n>"
-- (the seed from params when not given).  Errors are raised at `level`.
local function standard_lines(info, what, level)
  local lines = {"glassvm " .. core.version}
  if info.protocol ~= nil then
    if type(info.protocol) ~= "string" then
      error(what .. ": option 'protocol' must be a string", level + 1)
    end
    lines[#lines + 1] = "protocol: " .. info.protocol
  end
  local seed = info.seed
  if info.params ~= nil then
    if type(info.params) ~= "table" then
      error(what .. ": option 'params' must be a table", level + 1)
    end
    lines[#lines + 1] = "parameters: " .. params_summary(info.params)
    if seed == nil then seed = info.params.seed end
  end
  if seed ~= nil then
    if math.type(seed) ~= "integer" then
      error(string.format("%s: option 'seed' must be an integer, got %s", what, type(seed)),
        level + 1)
    end
    lines[#lines + 1] = string.format("seed: %d", seed)
  end
  return lines
end

-- glass.csv_comments{protocol=, params=, seed=} -> the standard lines.
function M.csv_comments(info)
  check(info, "glass.csv_comments", {"protocol", "params", "seed"}, 2)
  local lines = standard_lines(info, "glass.csv_comments", 2)
  return lines -- (not a tail call: errors above name the caller's line)
end

-- Call the C writer; a refusal is raised again at the line that called
-- tbl:write_csv, as when the C method was called there itself (called from
-- here, it would name this file): pcall leaves the message without a
-- position, error() adds the caller's to a string, and a glass.Error gets
-- it in front of its message.
local function write_at_caller(write, tbl, path, opts)
  local ok, err = pcall(write, tbl, path, opts)
  if ok then return end
  if type(err) == "string" then error(err, 3) end
  local _, where = pcall(error, "", 4) -- error, pcall, this, write_csv: 4 is its caller
  if core.is_error(err) and type(err.message) == "string" then err.message = where .. err.message end
  error(err, 0)
end

-- glass.csv_comments, and glass.Table's write_csv with the standard lines:
-- tbl:write_csv(path [, {protocol=, params=, seed=, comments=}]) writes the
-- standard lines when any of protocol, params, seed is given, then the
-- caller's comments (through the C writer, lgv_table.c, which adds the
-- table's own comments and writes).
function M.install(glass)
  glass.csv_comments = M.csv_comments
  local write = core.Table.write_csv
  core.Table.write_csv = function(tbl, path, opts)
    if type(path) ~= "string" and type(path) ~= "number" then -- named as the C method names it
      error(string.format("bad argument #1 to 'write_csv' (string expected, got %s)", type(path)), 2)
    end
    if opts == nil then
      write_at_caller(write, tbl, path) -- (never a tail call: the levels count this frame)
      return
    end
    check(opts, "write_csv", {"comments", "protocol", "params", "seed"}, 2)
    if opts.protocol == nil and opts.params == nil and opts.seed == nil then
      write_at_caller(write, tbl, path, {comments = opts.comments})
      return
    end
    local lines = standard_lines(opts, "write_csv", 2)
    local c = opts.comments
    if type(c) == "string" then
      lines[#lines + 1] = c
    elseif type(c) == "table" then
      for i = 1, #c do
        if type(c[i]) ~= "string" then
          error(string.format("write_csv: comments[%d] must be a string", i), 2)
        end
        lines[#lines + 1] = c[i]
      end
    elseif c ~= nil then
      error("write_csv: option 'comments' must be a string or an array of strings", 2)
    end
    write_at_caller(write, tbl, path, {comments = lines})
  end
end

return M
