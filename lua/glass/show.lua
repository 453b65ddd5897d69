-- glass.show(v): a value in one line, for reading at the REPL.  A plain
-- table (one without a metatable) shows its contents, as Lua would write
-- them: an array as {1, 2, 3}, other keys sorted as {a = 1, b = "x"}, nested
-- plain tables to two levels, at most 20 array items and 40 named keys a
-- level ("..., 12 more": a table's row, 23 columns, shows whole);
-- numbers in full (tostring); anything else as tostring shows it.  The REPL
-- prints a command's plain tables this way; print() and scripts are unchanged.
local M = {}

local MAX_ITEMS, MAX_KEYS, MAX_DEPTH = 20, 40, 2

-- A string quoted on one line (%q breaks lines at a newline).
local function quote(s) return (string.format("%q", s):gsub("\\\n", "\\n")) end

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  return "[" .. (type(k) == "string" and quote(k) or tostring(k)) .. "]"
end

-- Numbers first, then strings, then the other types by name.
local rank = {number = "1", string = "2"}
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return (rank[ta] or "3" .. ta) < (rank[tb] or "3" .. tb) end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local show
local function show_table(t, depth)
  if getmetatable(t) ~= nil then return tostring(t) end
  local n = #t
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  if n == 0 and #keys == 0 then return "{}" end
  if depth > MAX_DEPTH then
    return string.format("{... %d %s}", n + #keys, n + #keys == 1 and "entry" or "entries")
  end
  table.sort(keys, key_less)
  local parts, total = {}, n + #keys
  for i = 1, math.min(n, MAX_ITEMS) do parts[#parts + 1] = show(t[i], depth + 1) end
  local items = #parts
  for _, k in ipairs(keys) do
    if #parts - items >= MAX_KEYS then break end
    parts[#parts + 1] = key_text(k) .. " = " .. show(t[k], depth + 1)
  end
  if total > #parts then parts[#parts + 1] = string.format("... %d more", total - #parts) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function show(v, depth)
  if type(v) == "table" then return show_table(v, depth or 1) end
  if type(v) == "string" and (depth or 1) > 1 then return quote(v) end
  return tostring(v)
end

function M.install(glass)
  glass.show = function(v) return show(v, 1) end
end

return M
