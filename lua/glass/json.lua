-- glass.json: a small JSON writer (RFC 8259) for files a notebook reads
-- (run.json, docs/file-formats.md), and a reader for them.
--
--   glass.json.encode{protocol = "ageing", T = 1e-6, tw = {100, 1000}}
--   glass.json.encode(v, {indent = 2})      -- pretty-printed
--   glass.json.array{}                      -- an empty table written as []
--   glass.json.decode(text)                 -- the value, or nil and where it is not JSON
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

local UNESC = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r",
               t = "\t"}
local LITERALS = {["true"] = true, ["false"] = false, null = M.null}

-- The value of JSON text: objects and arrays as tables (arrays marked as by
-- M.array), null as M.null, so that encode(decode(s)) is s's value.  Text
-- that is not JSON: nil and "byte N: what is wrong there".
function M.decode(text)
  local pos = 1
  local function fail(what) error({json = string.format("byte %d: %s", pos, what)}, 0) end
  local function space() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local function char() return text:sub(pos, pos) end
  local function str()
    local parts = {}
    pos = pos + 1
    while true do
      local _, last, run, c = text:find('^([^"\\%c]*)(.?)', pos)
      parts[#parts + 1] = run
      pos = last + 1
      if c == '"' then return table.concat(parts) end
      if c ~= "\\" then
        if c ~= "" then pos = last end
        fail(c == "" and "unterminated string" or "a control character in a string")
      end
      local e, hex = text:sub(pos, pos), text:match("^u(%x%x%x%x)", pos)
      if hex then
        local cp, lo = tonumber(hex, 16), text:match("^\\u(%x%x%x%x)", pos + 5)
        lo = lo and tonumber(lo, 16)
        if cp >= 0xD800 and cp < 0xDC00 and lo and lo >= 0xDC00 and lo < 0xE000 then
          cp, pos = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00), pos + 6
        end
        parts[#parts + 1], pos = utf8.char(cp), pos + 5
      elseif UNESC[e] then
        parts[#parts + 1], pos = UNESC[e], pos + 1
      else
        fail("a bad escape in a string")
      end
    end
  end
  local value
  -- The items of an array or object up to `close`, each read by item().
  local function items(close, item)
    pos = pos + 1
    space()
    if char() == close then pos = pos + 1; return end
    while true do
      item()
      space()
      local c = char()
      if c == close then pos = pos + 1; return end
      if c ~= "," then fail(string.format("expected ',' or '%s'", close)) end
      pos = pos + 1
    end
  end
  function value()
    space()
    local c = char()
    if c == "{" then
      local t = {}
      items("}", function()
        space()
        if char() ~= '"' then fail("expected a key (a string)") end
        local k = str()
        space()
        if char() ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value()
      end)
      return t
    elseif c == "[" then
      local t = M.array()
      items("]", function() t[#t + 1] = value() end)
      return t
    elseif c == '"' then
      return str()
    end
    local word = text:match("^%a+", pos)
    if word and LITERALS[word] ~= nil then pos = pos + #word; return LITERALS[word] end
    local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    local x = num and tonumber(num)
    if not x then fail(c == "" and "expected a value, found the end" or "expected a value") end
    pos = pos + #num
    return x
  end
  local ok, v = pcall(function()
    local v = value()
    space()
    if pos <= #text then fail("text after the value") end
    return v
  end)
  if ok then return v end
  if type(v) == "table" and v.json then return nil, v.json end
  error(v, 0)
end

return M
