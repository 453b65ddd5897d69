-- glass.json: a small JSON writer (RFC 8259) for files a notebook reads
-- (run.json, docs/file-formats.md).
--
--   glass.json.encode{protocol = "ageing", T = 1e-6, tw = {100, 1000}}
--   glass.json.encode(v, {indent = 2})      -- pretty-printed
--   glass.json.array{}                      -- an empty table written as []
--   glass.json.decode(text)                 -- read back (lua-dkjson)
--
-- Values: nil and glass.json.null -> null, booleans, numbers, strings,
-- tables.  A table whose keys are 1..n is an array; any other table is an
-- object with string keys, written in sorted order (the same value gives the
-- same bytes).  Numbers: integers as digits, floats in the shortest form that
-- reads back as the same double (as the CSV writer), NaN and infinities as
-- null (JSON has no such numbers).  Strings are escaped per RFC 8259; bytes
-- that are not UTF-8 become U+FFFD, so the output is always valid UTF-8.
local num2str = require("glass.params").num2str

local M = {}

M.null = setmetatable({}, {__tostring = function() return "null" end})
local ARRAY = {}
function M.array(t) return setmetatable(t or {}, ARRAY) end

-- Integers as digits, floats in the shortest form that reads back as the
-- same double (glass.params' writer), non-finite numbers as null.
local function number(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return num2str(x)
end
M.number = number

local ESC = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
             ["\r"] = "\\r", ["\t"] = "\\t"}

-- s with every invalid UTF-8 sequence replaced by U+FFFD.
local function valid_utf8(s)
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local n, bad = utf8.len(s, i)   -- nil and the position of the first bad byte
    if n then out[#out + 1] = s:sub(i); break end
    out[#out + 1] = s:sub(i, bad - 1) .. "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(out)
end

local function string_literal(s)
  s = valid_utf8(s):gsub('[%c"\\]', function(c)
    return ESC[c] or string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end
M.string = string_literal

local function is_array(t)
  if getmetatable(t) == ARRAY then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function encode(v, out, indent, depth, seen)
  local t = type(v)
  if v == nil or v == M.null then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "number" then out[#out + 1] = number(v)
  elseif t == "string" then out[#out + 1] = string_literal(v)
  elseif t == "table" then
    if seen[v] then error("glass.json.encode: a table contains itself", 0) end
    seen[v] = true
    local nl = indent and ("\n" .. string.rep(" ", indent * (depth + 1))) or ""
    local close = indent and ("\n" .. string.rep(" ", indent * depth)) or ""
    local items = {}
    if is_array(v) then
      local flat = true   -- numbers, strings, ...: one line even when pretty-printed
      for i = 1, #v do
        local part = {}
        encode(v[i], part, indent, depth + 1, seen)
        items[i] = table.concat(part)
        if type(v[i]) == "table" and v[i] ~= M.null then flat = false end
      end
      if flat then out[#out + 1] = "[" .. table.concat(items, indent and ", " or ",") .. "]"
      else out[#out + 1] = "[" .. nl .. table.concat(items, "," .. nl) .. close .. "]" end
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then
          error(string.format("glass.json.encode: object keys must be strings, not %s (%s)",
            type(k), tostring(k)), 0)
        end
        keys[#keys + 1] = k
      end
      table.sort(keys)
      local colon = indent and ": " or ":"
      for i, k in ipairs(keys) do
        local part = {string_literal(k), colon}
        encode(v[k], part, indent, depth + 1, seen)
        items[i] = table.concat(part)
      end
      out[#out + 1] = #items == 0 and "{}" or ("{" .. nl .. table.concat(items, "," .. nl) .. close .. "}")
    end
    seen[v] = nil
  else
    error("glass.json.encode: cannot write a " .. t .. " value", 0)
  end
end

-- The JSON text of v; opts.indent (spaces per level) pretty-prints it.
function M.encode(v, opts)
  local out = {}
  encode(v, out, opts and opts.indent, 0, {})
  return table.concat(out)
end

-- The value of a JSON text (a run.json read back), through Debian's lua-dkjson:
-- objects and arrays as tables, null as glass.json.null (so that encode writes the
-- value back as it was), numbers as Lua numbers.  A text that is not JSON raises an
-- error naming where it stops being JSON.
function M.decode(text)
  if type(text) ~= "string" then
    error("glass.json.decode(text): text must be a string (io.open(path):read(\"a\")), got "
      .. type(text), 2)
  end
  local has, dkjson = pcall(require, "dkjson")
  if not has then
    error("glass.json.decode: lua-dkjson is not installed: apt-get install lua-dkjson", 2)
  end
  -- Arrays carry glass.json.array's mark (an empty one is written back as []); objects
  -- are plain tables.  (A pcall: dkjson itself can fail, on nesting too deep for the C
  -- stack, say.)
  local ok, value, pos, err = pcall(dkjson.decode, text, 1, M.null, nil, ARRAY)
  if not ok then err = value end
  if not err and not text:find("^%s*$", pos) then
    err = string.format("text after the JSON value, at byte %d", pos)
  end
  if err then error("glass.json.decode: " .. tostring(err), 2) end
  return value
end

return M
