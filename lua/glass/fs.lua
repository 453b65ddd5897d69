-- glass.fs: the few file-system helpers the Lua library shares (run
-- directories, checkpoints, plots).  The calls to the system are C
-- (glass.core.fs, src/lgv_util.c): is_dir, is_link, lexists, mkdir_p, remove_tree,
-- list and isatty; the rest is string work.
local M = {}
for k, v in pairs(require("glass.core").fs) do M[k] = v end

-- Does path exist (as something io.open can read)?
function M.exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

-- s quoted for a POSIX shell.
function M.shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Absolute form of a path (from $PWD; "./" parts dropped), for files that
-- outlive the working directory (params.lua, --from).
function M.absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local pwd = os.getenv("PWD")
  if not pwd then return path end
  return ((pwd .. "/" .. path):gsub("/%./", "/"):gsub("/%.$", ""))
end

-- The directory part of a path ("." for a bare name) and the last part.
function M.dirname(path) return path:match("^(.*)/[^/]*$") or "." end
function M.basename(path) return path:match("([^/]*)$") end

-- An I/O failure: a glass.Error "EIO", which the glassvm command prints as its
-- one line (a full disk is not a bug: no traceback).
local function io_error(fmt, ...)
  error(require("glass.core").error{status = "EIO", message = string.format(fmt, ...)}, 0)
end

-- Write text to path through a temporary file and a rename, so that path
-- holds either its old content or the whole new one.  Raises a message
-- naming path on failure (a glass.Error "EIO").
function M.write_file(path, text)
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "w")
  if not f then io_error("cannot write %s: %s", path, tostring(err)) end
  local ok, werr = f:write(text)
  local cok, cerr = f:close()
  if not (ok and cok) then
    os.remove(tmp)
    io_error("cannot write %s: %s", path, tostring(werr or cerr))
  end
  local rok, rerr = os.rename(tmp, path)
  if not rok then
    os.remove(tmp)
    io_error("cannot write %s: renaming %s failed: %s", path, tmp, tostring(rerr))
  end
  return path
end

return M
