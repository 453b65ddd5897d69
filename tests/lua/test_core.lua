-- The glass module loads and reports its version and threads.
local T = dofile("testlib.lua")

T.test("glass is preloaded and requirable", function()
  T.ok(type(glass) == "table")
  T.eq(require("glass"), glass)
  T.ok(glass.version:match("^%d+%.%d+%.%d+"))
end)

T.test("threads can be set and read", function()
  T.eq(glass.threads(1), 1)
  T.ok(glass.threads() == 1)
  T.raises(function() glass.threads(0) end, "thread count")
end)

T.test("engine errors are glass.Error: status, message, string methods", function()
  local ok, err = pcall(glass.checkpoint.load, "/nonexistent/glassvm-test.gvckpt")
  T.ok(not ok)
  T.eq(glass.is_error(err), "EIO")
  T.eq(err.status, "EIO")
  T.eq(type(err.message), "string")
  T.eq(tostring(err), err.message)
  T.ok(err:find("cannot open", 1, true))            -- string methods on the message
  T.eq("x: " .. err, "x: " .. err.message)            -- concatenation
  T.eq(string.format("%s", err), err.message)
  T.eq(glass.interrupted(err), false)
  T.eq(err.signal, nil)
end)

T.test("an uncaught engine error keeps the caller's file:line", function()
  local ok, err = pcall(function() glass.checkpoint.load("/nonexistent/glassvm-test.gvckpt") end)
  T.ok(not ok)
  T.ok(err.message:match("^[^:]*test_core%.lua:%d+: /nonexistent/"), err.message)
end)

T.test("glass.error and glass.interrupted", function()
  local e = glass.error{status = "EINTR", message = "interrupted (SIGTERM)", signal = "SIGTERM"}
  T.eq(glass.interrupted(e), true)
  T.eq(tostring(e), "interrupted (SIGTERM)")
  T.eq(glass.error{message = "m"}.status, "ERROR")
  T.eq(glass.interrupted(glass.error{message = "interrupted"}), false)   -- the status, not the text
  T.eq(glass.interrupted("interrupted"), false)
  T.eq(glass.interrupted(nil), false)
  T.eq(glass.is_error({message = "x"}), nil)
  T.raises(function() glass.error{status = "X"} end, "glass.error: expected {message = string")
  local ok, got = pcall(error, e, 0)
  T.ok(not ok and rawequal(got, e))
end)

T.test("glass.format_number: the shortest text that reads back exactly", function()
  T.eq(glass.format_number(0.1), "0.1")
  T.eq(glass.format_number(0.1 + 0.2), "0.30000000000000004")   -- needs 17 digits
  T.eq(glass.format_number(1 / 3), "0.3333333333333333")       -- 16 are enough
  T.eq(glass.format_number(1e-4), "0.0001")
  T.eq(glass.format_number(3), "3")                           -- an integer
  T.eq(glass.format_number(3.0), "3")
  T.eq(glass.format_number(0 / 0), "nan")                     -- never "-nan"
  T.eq(glass.format_number(-math.huge), "-inf")
  for _, x in ipairs({0.1, 1 / 3, 2 ^ -1074, 1.7976931348623157e308, -0.0, 123456.789}) do
    T.eq(tonumber(glass.format_number(x)), x)
  end
  -- params.lua writes floats with it (and keeps a float a float)
  T.eq(require("glass.params").num2str(1e-4), "0.0001")
  T.eq(require("glass.params").num2str(300.0), "300.0")
end)

T.test("one glass.checkpoint: the Lua module, holding the C side's save and load", function()
  local C = require "glass.checkpoint"
  T.ok(rawequal(glass.checkpoint, C))
  T.ok(rawequal(C.load, require("glass.core").checkpoint.load))
  T.eq(type(C.save), "function")
  T.eq(type(C.encode), "function")
end)

T.test("defer_signals holds a signal until the outermost deferral ends, then delivers it", function()
  local f = assert(io.open("/proc/self/stat"))
  local pid = math.tointeger(f:read("n"))
  f:close()
  glass.defer_signals(true)
  os.execute("kill -TERM " .. pid) -- held (system() would drop a SIGINT)
  -- The process-directed signal may land on an OpenMP or OpenBLAS worker, which hands it
  -- to the main thread with pthread_kill: under load that arrives after kill returns (a CI
  -- run saw it arrive after the outermost deferral had ended). Give it time to arrive.
  os.execute("sleep 0.5")
  local x = 0
  for i = 1, 1000 do x = x + i end -- Lua code runs on: nothing raised
  glass.defer_signals(true)
  T.eq(glass.defer_signals(false), nil, "an inner deferral delivers nothing")
  T.eq(x, 500500)
  local ok, err = pcall(function()
    glass.defer_signals(false) -- the outermost: delivered at the next instruction
    for _ = 1, 10 do x = x + 1 end
  end)
  T.ok(not ok and glass.interrupted(err), tostring(err))
  T.raises(function() glass.defer_signals(false) end, "without a defer_signals(true)")
end)

T.done()
