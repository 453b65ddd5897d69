-- test_json.lua: glass.json, the writer of run.json (docs/file-formats.md).
local T = dofile("testlib.lua")
local json = require "glass.json"
assert(glass.json == json, "glass.json is the module")
local enc = json.encode

T.test("scalars: null, booleans, integers, shortest round-trip floats", function()
  T.eq(enc(nil), "null")
  T.eq(enc(json.null), "null")
  T.eq(enc(true), "true")
  T.eq(enc(42), "42")
  T.eq(enc(-0x7fffffffffffffff - 1), "-9223372036854775808")
  T.eq(enc(0.1), "0.1")
  T.eq(enc(1e-6), "1e-06")
  T.eq(enc(3.0), "3.0")
  -- Every double reads back exactly (the CSV writer's rule).
  for _, x in ipairs{1 / 3, 2 ^ -1074, 1.7976931348623157e308, -2.5e-300, 0.30000000000000004} do
    T.eq(tonumber(enc(x)), x, "round trip of " .. string.format("%.17g", x))
  end
end)

T.test("NaN and infinities, which JSON lacks, are null", function()
  T.eq(enc(0 / 0), "null")
  T.eq(enc(math.huge), "null")
  T.eq(enc({-math.huge}), "[null]")
end)

T.test("strings are escaped per RFC 8259 and always valid UTF-8", function()
  T.eq(enc('a"b\\c'), '"a\\"b\\\\c"')
  T.eq(enc("l1\nl2\tx\r\b\f"), '"l1\\nl2\\tx\\r\\b\\f"')
  T.eq(enc("\0\1\31\127"), '"\\u0000\\u0001\\u001f\\u007f"')
  T.eq(enc("λ = 10⁻⁶ /"), '"λ = 10⁻⁶ /"')          -- UTF-8 and '/' as they are
  T.eq(enc("a\255b\192"), '"a\u{FFFD}b\u{FFFD}"')   -- not UTF-8: U+FFFD
  T.ok(utf8.len(enc("x\237\160\128y")), "a surrogate's bytes are replaced")
end)

T.test("arrays, objects (sorted keys), nesting and indentation", function()
  T.eq(enc{1, 2, 3}, "[1,2,3]")
  T.eq(enc{}, "{}")
  T.eq(enc(json.array{}), "[]")
  T.eq(enc{b = 1, a = {x = "y"}, c = {1.5}}, '{"a":{"x":"y"},"b":1,"c":[1.5]}')
  T.eq(enc({a = {1, 2}, b = {{c = true}}}, {indent = 2}),
    '{\n  "a": [1, 2],\n  "b": [\n    {\n      "c": true\n    }\n  ]\n}')
end)

T.test("what JSON cannot hold is refused with a message", function()
  T.raises(function() enc{[1.5] = 1} end, "object keys must be strings", "1.5")
  T.raises(function() enc{x = print} end, "cannot write a function value")
  T.raises(function() enc{1, nil, 3} end, "object keys must be strings")   -- a hole: no array
  local t = {}
  t.self = t
  T.raises(function() enc(t) end, "contains itself")
end)

T.test("decode reads back what encode writes (a run.json's kinds of values)", function()
  local v = {format = "glassvm-run 1", seed = 1, T = 1e-6, end_time = json.null, ok = true,
             files = {{name = "tau.csv", columns = {"tw", "tau90"}}}, empty = json.array{}}
  local text = enc(v, {indent = 2})
  local back = json.decode(text)
  T.eq(back.format, "glassvm-run 1")
  T.eq(back.T, 1e-6)
  T.eq(back.end_time, json.null)
  T.eq(back.files[1].columns[2], "tau90")
  T.eq(enc(back, {indent = 2}), text)
  T.raises(function() json.decode('{"a": 1,') end, "glass.json.decode:")
  T.raises(function() json.decode('{"a": 1} {"b": 2}') end, "text after the JSON value")
  T.eq(json.decode('{"a": 1}\n  ').a, 1)
  T.raises(function() json.decode(nil) end, "text must be a string")
end)

T.done()
