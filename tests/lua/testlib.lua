-- testlib.lua: tiny assertion library for Lua tests run through glassvm.
--   local T = dofile("testlib.lua")
--   T.test("name", function() T.eq(1, 1) end)
--   T.done()   -- exits non-zero if anything failed
local T = { passed = 0, failed = 0 }

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

local function fail(msg, level)
  error(where(level + 1) .. ": " .. msg, 0)
end

function T.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    T.passed = T.passed + 1
    io.stderr:write(string.format("%-50s ok\n", name))
  else
    T.failed = T.failed + 1
    io.stderr:write(string.format("%-50s FAILED\n  %s\n", name, tostring(err)))
  end
end

function T.ok(cond, msg) if not cond then fail(msg or "expected a true value", 2) end end

function T.eq(a, b, msg)
  if a ~= b then fail(string.format("%s: expected %s, got %s", msg or "eq", tostring(b), tostring(a)), 2) end
end

-- The whole file at path, its handle closed (a handle left to the collector
-- would change the process's open descriptors at an unknown later time).
function T.read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- Write text to path (binary, replacing the file), the handle closed.
function T.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- |a - b| <= tol
function T.near(a, b, tol, msg)
  if not (math.abs(a - b) <= tol) then
    fail(string.format("%s: %.17g vs %.17g, |diff| %.3g > %.3g", msg or "near", a, b, math.abs(a - b), tol), 2)
  end
end

-- fn() raises an error whose message contains every one of the given plain substrings.
function T.raises(fn, ...)
  local ok, err = pcall(fn)
  if ok then fail("expected an error, none raised", 2) end
  err = tostring(err)
  for _, needle in ipairs({ ... }) do
    if not err:find(needle, 1, true) then
      fail(string.format("error message %q does not contain %q", err, needle), 2)
    end
  end
  return err
end

-- All rows of a glass.Table as Lua tables {column = value}.
function T.rows(tab)
  local out = {}
  for i = 1, tab:nrows() do out[i] = tab:row(i) end
  return out
end

function T.isnan(x) return x ~= x end

function T.done()
  io.stderr:write(string.format("%d passed, %d failed\n", T.passed, T.failed))
  os.exit(T.failed == 0 and 0 or 1)
end

return T
