-- glass.codec: plain Lua data (numbers, strings, booleans, nested tables) to
-- a string and back, for checkpoints' state (glass.checkpoint.encode and
-- .decode are these functions).
--
-- The state format is parsed, never executed: a checkpoint cannot run code.
-- Numbers come back exactly (floats as C99 hex, "%a"; integers in decimal;
-- inf and nan by name), strings byte for byte (length-prefixed).
local core = require "glass.core"

local M = {}

M.FORMAT = "GVS1"               -- first bytes of an encoded state
M.MAX_DEPTH = 64                -- nesting deeper than this is refused both ways

-- ---- encoding ---------------------------------------------------------------

-- Order keys deterministically (numbers, then strings, then booleans), so
-- that equal tables give equal bytes.
local KEY_RANK = {number = 1, string = 2, boolean = 3}

local function key_less(a, b)
  local ra, rb = KEY_RANK[type(a)], KEY_RANK[type(b)]
  if ra ~= rb then return ra < rb end
  if ra == 3 then return (not a) and b end
  return a < b
end

local function path_of(path, k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
  return string.format("%s[%s]", path, tostring(k))
end

local function float_text(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%a", x)
end

local function encode_value(v, out, path, depth, open)
  local t = type(v)
  if t == "boolean" then
    out[#out + 1] = v and "T" or "F"
  elseif t == "number" then
    if math.type(v) == "integer" then out[#out + 1] = "i" .. string.format("%d", v) .. ";"
    else out[#out + 1] = "d" .. float_text(v) .. ";" end
  elseif t == "string" then
    out[#out + 1] = "s" .. #v .. ":" .. v
  elseif t == "table" then
    if open[v] then error(path .. " refers back to a table that contains it; only trees can be saved", 0) end
    if depth >= M.MAX_DEPTH then error(path .. " is nested more than " .. M.MAX_DEPTH .. " levels deep", 0) end
    if getmetatable(v) ~= nil then
      error(path .. " has a metatable (an object?); only plain tables can be saved", 0)
    end
    open[v] = true
    local keys = {}
    for k in pairs(v) do
      if not KEY_RANK[type(k)] then
        error(string.format("%s has a %s key; keys must be numbers, strings or booleans", path, type(k)), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys, key_less)
    out[#out + 1] = "{"
    for _, k in ipairs(keys) do
      encode_value(k, out, path, depth + 1, open)
      encode_value(v[k], out, path_of(path, k), depth + 1, open)
    end
    out[#out + 1] = "}"
    open[v] = nil
  else
    error(string.format("%s is a %s; only numbers, strings, booleans and plain tables can be saved",
      path, t), 0)
  end
end

-- A Lua value of plain data as a string (errors name the offending field).
function M.encode(v, name)
  local out = {M.FORMAT}
  local ok, err = pcall(encode_value, v, out, name or "state", 0, {})
  -- (A signal that came meanwhile stays itself: the run stops, it does not fail.)
  if not ok and core.interrupted(err) then error(err, 0) end
  if not ok then error("glass.checkpoint.encode: " .. tostring(err), 2) end
  return table.concat(out)
end

-- ---- decoding ---------------------------------------------------------------

-- Parse s (from M.encode) back; `what` names it in messages.  Raises on
-- anything malformed, saying at which byte.
function M.decode(s, what)
  what = what or "checkpoint state"
  if type(s) ~= "string" then error(what .. ": expected a string, got " .. type(s), 2) end
  local function bad(pos, why)
    error(string.format("%s: corrupt state at byte %d: %s", what, pos, why), 0)
  end
  if s:sub(1, #M.FORMAT) ~= M.FORMAT then
    bad(1, string.format("it does not start with %q (not written by glass.checkpoint.encode)", M.FORMAT))
  end
  local pos = #M.FORMAT + 1
  local value
  local function parse(depth)
    if depth > M.MAX_DEPTH then bad(pos, "nested more than " .. M.MAX_DEPTH .. " levels deep") end
    local tag = s:sub(pos, pos)
    if tag == "" then bad(pos, "it ends in the middle of a value") end
    pos = pos + 1
    if tag == "T" then return true end
    if tag == "F" then return false end
    if tag == "i" then
      local text = s:match("^(-?%d+);", pos)
      local v = text and math.tointeger(tonumber(text))
      if not v then bad(pos, "bad integer") end
      pos = pos + #text + 1
      return v
    end
    if tag == "d" then
      local text = s:match("^([^;]*);", pos)
      local v
      if text == "nan" then v = 0.0 / 0.0
      elseif text == "inf" then v = math.huge
      elseif text == "-inf" then v = -math.huge
      elseif text and text:match("^%-?0x%x+%.?%x*p[%+%-]%d+$") then v = tonumber(text)
      end
      if not v then bad(pos, "bad number") end
      pos = pos + #text + 1
      if math.type(v) == "integer" then v = v + 0.0 end -- (not for floats: -0.0 + 0.0 is 0.0)
      return v
    end
    if tag == "s" then
      local len = s:match("^(%d+):", pos)
      local n = len and math.tointeger(tonumber(len))
      if not n then bad(pos, "bad string length") end
      local start = pos + #len + 1
      if start + n - 1 > #s then bad(pos, "a string runs past the end") end
      pos = start + n
      return s:sub(start, start + n - 1)
    end
    if tag == "{" then
      local t = {}
      while true do
        local c = s:sub(pos, pos)
        if c == "}" then pos = pos + 1; return t end
        if c == "" then bad(pos, "a table is not closed") end
        local kpos = pos
        local k = parse(depth + 1)
        if type(k) == "table" then bad(kpos, "a table used as a key") end
        if k ~= k then bad(kpos, "nan used as a key") end
        if t[k] ~= nil then bad(kpos, "the key " .. tostring(k) .. " appears twice") end
        local v = parse(depth + 1)
        t[k] = v
      end
    end
    bad(pos - 1, string.format("unexpected byte %q", tag))
  end
  value = parse(0)
  if pos ~= #s + 1 then bad(pos, "extra bytes after the value") end
  return value
end

M.float_text = float_text
M.key_less = key_less

return M
