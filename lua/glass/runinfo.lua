-- glass.runinfo: DIR/run.json, the machine-readable description of a run
-- (docs/file-formats.md, "run.json").  glass.run keeps it: written when the
-- run starts (status "running"), rewritten after every file the run writes
-- and at the end ("complete", or "interrupted" / "failed" when the run
-- stops on an error), always through a temporary file and a rename.  A
-- notebook reads it with json.load / pandas instead of parsing CSV comments.
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
  local params = {}
  for _, kv in ipairs(P:saved(p)) do
    local d = P.byname[kv[1]]
    params[kv[1]] = {value = value(kv[2]), type = d and d.type or type(kv[2]),
                     help = d and d.help or json.null}
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
  if not ok and run.log_only then run:log_only("cannot write " .. M.NAME .. ": " .. tostring(err)) end
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

return M
