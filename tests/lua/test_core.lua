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

T.done()
