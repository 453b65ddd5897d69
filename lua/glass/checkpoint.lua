-- glass.checkpoint: checkpoints seen from Lua.
--
--   local C = require "glass.checkpoint"
--   C.save(path, {ensembles = {main = ens}, observers = {ageing = obs},
--                 state = {phase = "anneal", T = 1e-6, params = saved}})
--   local ck, state = C.resume(path, current_params)   -- nil if no checkpoint
--   local ens = ck:ensemble("main", landscape); ck:restore_observer("ageing", obs)
--
-- The C side (glass.core's checkpoint.save/load, src/lgv_ckpt.c) stores
-- ensembles, observers and one opaque string; this module turns the
-- protocol's state table into that string and back (C.encode/C.decode),
-- compares saved parameters with the current ones (C.differences) and
-- decides whether a run may resume (C.resume).  docs/reliability.md,
-- "Checkpoints and resuming", describes the whole scheme.
--
-- The state format is parsed, never executed: a checkpoint cannot run code.
-- Numbers come back exactly (floats as C99 hex, "%a"; integers in decimal;
-- inf and nan by name), strings byte for byte (length-prefixed).
local core = require("glass.core").checkpoint

local M = {}

M.FILE = "checkpoint.gvckpt"    -- name of a protocol's checkpoint in its output directory
M.STOP = "STOP"                 -- a file of this name in the output directory asks the run to stop
M.FORMAT = "GVS1"               -- first bytes of an encoded state
M.MAX_DEPTH = 64                -- nesting deeper than this is refused both ways

M.load = core.load

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

-- ---- saving and loading -------------------------------------------------------

-- C.save(path, {ensembles=, observers=, state=table|string, keep_previous=}):
-- as glass.checkpoint.save, with a state table encoded first.
function M.save(path, what)
  local opts = {}
  for k, v in pairs(what) do opts[k] = v end
  if type(opts.state) == "table" then opts.state = M.encode(opts.state) end
  return core.save(path, opts)
end

-- The state table of a loaded checkpoint (nil if it has none).
function M.state(ck)
  local s = ck:state()
  if s == nil then return nil end
  return M.decode(s, ck:path() .. ": state")
end

-- ---- comparing parameters -------------------------------------------------------

local function show(v)
  if type(v) == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    for prec = 15, 17 do
      local s = string.format("%." .. prec .. "g", v)
      if tonumber(s) == v then return s end
    end
    return float_text(v)
  end
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      if i > 8 then parts[#parts + 1] = "..."; break end
      parts[#parts + 1] = show(x)
    end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n > #v then parts[#parts + 1] = "(and " .. (n - #v) .. " named fields)" end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end
M.show = show

-- Equal as data: numbers by value (nan equals nan), tables field by field.
local function same(a, b)
  if type(a) == "number" and type(b) == "number" then
    return a == b or (a ~= a and b ~= b)
  end
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
M.same = same

-- The differences between saved and current parameter tables, as lines
-- "T: checkpoint 1e-06, now 2e-06", sorted by name.  opts.ignore: a list
-- or set of names not to compare (run control: out, threads, quiet, ...).
function M.differences(saved, current, opts)
  opts = opts or {}
  local ignore = {}
  for k, v in pairs(opts.ignore or {}) do
    if type(k) == "number" then ignore[v] = true else ignore[k] = v end
  end
  local names, seen = {}, {}
  for k in pairs(saved or {}) do if not seen[k] then seen[k] = true; names[#names + 1] = k end end
  for k in pairs(current or {}) do if not seen[k] then seen[k] = true; names[#names + 1] = k end end
  table.sort(names, key_less)
  local out = {}
  for _, k in ipairs(names) do
    if not ignore[k] then
      local a, b = saved[k], current[k]
      if not same(a, b) then
        if a == nil then out[#out + 1] = string.format("%s: not in the checkpoint, now %s", k, show(b))
        elseif b == nil then out[#out + 1] = string.format("%s: checkpoint %s, now not given", k, show(a))
        else out[#out + 1] = string.format("%s: checkpoint %s, now %s", k, show(a), show(b)) end
      end
    end
  end
  return out
end

-- ---- resuming ---------------------------------------------------------------------

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end
M.exists = exists

-- C.resume(path, params [, opts]) -> ck, state | nil
-- nil when there is no checkpoint (a fresh run).  Otherwise the checkpoint
-- and its decoded state, after checking that state.params equals `params`
-- (minus opts.ignore): any difference raises an error listing them all.
-- If path is refused (corrupt, truncated, foreign) and path .. ".prev"
-- (the generation before) loads, that one is used and opts.log (a
-- function taking a message, if given) is told why; if neither loads, the
-- error says why each was refused.
function M.resume(path, params, opts)
  opts = opts or {}
  local prev = path .. ".prev"
  if not exists(path) and not exists(prev) then return nil end
  local ok, ck = pcall(core.load, path)
  if not ok then
    local why = tostring(ck)
    local ok2, ck2 = false, nil
    if exists(prev) then ok2, ck2 = pcall(core.load, prev) end
    if not ok2 then
      error(string.format("cannot resume: %s%s\nDelete the checkpoint (and %s) to start over, "
        .. "or use another output directory.", why,
        exists(prev) and ("\nthe previous checkpoint is refused too: " .. tostring(ck2)) or "", prev), 0)
    end
    if opts.log then opts.log(string.format("%s\nresuming from the previous checkpoint %s", why, prev)) end
    ck = ck2
  end
  local state = M.state(ck) or {}
  local diffs = M.differences(state.params or {}, params or {}, opts)
  if #diffs > 0 then
    error(string.format("refusing to resume from %s: the parameters differ from the checkpoint's:\n  %s\n"
      .. "Rerun with the original parameters to resume, or choose another --out to start a new run.",
      ck:path(), table.concat(diffs, "\n  ")), 0)
  end
  return ck, state
end

-- ---- when to checkpoint -----------------------------------------------------------

-- A trigger: t:due(step) is true once `steps` steps or `seconds` wall
-- seconds have passed since the last t:reset(step) (either may be nil or
-- 0 for never).  The clock is a function returning seconds (default
-- os.time; protocols pass their progress clock).
function M.trigger(opts)
  opts = opts or {}
  local clock = opts.clock or os.time
  local t = {steps = opts.steps or 0, seconds = opts.seconds or 0}
  t.last_step, t.last_time = opts.start or 0, clock()
  function t:due(step)
    if self.steps > 0 and step - self.last_step >= self.steps then return true end
    if self.seconds > 0 and clock() - self.last_time >= self.seconds then return true end
    return false
  end
  function t:reset(step)
    self.last_step, self.last_time = step, clock()
  end
  return t
end

-- True if the run was asked to stop by a STOP file in `dir`.
function M.stop_requested(dir)
  return exists(dir .. "/" .. M.STOP)
end

return M
