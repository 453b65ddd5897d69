-- glass.names: "did you mean" -- the nearest of a set of names to a misspelt one
-- (options, parameters, protocols, glass's functions); glass.params has these as its own.
local M = {}

-- Edit distance for "did you mean": insertions, deletions, substitutions
-- and swaps of two neighbours (--dpeth is one edit from --depth), each 1.
function M.distance(a, b)
  local rows = {[0] = {}}
  for j = 0, #b do rows[0][j] = j end
  for i = 1, #a do
    local cur, prev = {[0] = i}, rows[i - 1]
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        cur[j] = math.min(cur[j], rows[i - 2][j - 2] + 1)
      end
    end
    rows[i] = cur
  end
  return rows[#a][#b]
end

local distance = M.distance

-- The closest of the keys of `set` to `word`, when close enough to suggest.
-- One rule for every "did you mean" made from a name, the engine's options'
-- too (gvL_check_options): case aside (--t finds --T), at most 2 edits and
-- fewer than `word` has letters, since any one-letter name is one edit from
-- any other (--T is not --P).  Ties go to the first key in alphabetical order.
function M.closest(word, set)
  local best, bestd
  local lw, starts, nstart = word:lower(), nil, 0
  for k in pairs(set) do
    local lk = k:lower()
    local dist = distance(lw, lk)
    if dist <= 2 and dist < #word
       and (not bestd or dist < bestd or (dist == bestd and k < best)) then
      best, bestd = k, dist
    end
    -- A name cut short (grad for gradient): the start, of 3 letters or more, of one name.
    if #lw >= 3 and #lw < #lk and lk:sub(1, #lw) == lw then starts, nstart = k, nstart + 1 end
  end
  -- (rep is 2 edits from P and the start of replicas alone: the start wins over 2 edits)
  if nstart == 1 and (not best or bestd >= 2) then best = starts end
  return best
end

-- A "did you mean" for Lua's own "attempt to call/index a nil value (field
-- 'x')" (also method, global; not a local or upvalue, the user's own names,
-- nor other operations), which glassvm's message handler appends: the
-- names of glass's functions and tables (two levels down), of its objects'
-- methods (of any type: the message does not say which), or of the globals,
-- nearest to the word: the same name only for words of up to 3 letters,
-- one edit for up to 5, two for longer ones (stricter than `closest`: the
-- names are many); the same name in another table counts (glass.two_time is
-- glass.observer.two_time; for a field only from 6 letters on).  Up to three
-- tied names; none when more tie.
-- Returns the hint (" (did you mean glass.ensemble?)") or nil.
function M.name_hint(msg)
  if type(msg) ~= "string" then return nil end
  local verb, kind, word = msg:match("attempt to (%a+) a nil value %((%a+) '([%w_]+)'%)$")
  local g = package.loaded.glass
  if (verb ~= "call" and verb ~= "index") or type(g) ~= "table"
     or (kind ~= "field" and kind ~= "method" and kind ~= "global") then
    return nil -- (a local or upvalue is the user's own name)
  end
  local found, best, seen = {}, 3, {}
  local function consider(name, shown)
    local dist = distance(word:lower(), name:lower())
    if dist > (#word < 4 and 0 or #word < 6 and 1 or 2) or dist > best then return end
    -- The same name in another table: for a field only when long (run, size, data are
    -- the user's own fields too), for a global any (a bare `data` is glass.data).
    if dist == 0 and kind == "field" and #word < 6 then return end
    if dist < best then found, best, seen = {}, dist, {} end
    if not seen[shown] then found[#found + 1], seen[shown] = shown, true end
  end
  local function walk(t, prefix, depth, seen)
    seen[t] = true
    for k, v in pairs(t) do
      -- (not _private names, nor CONSTANT tables)
      if type(k) == "string" and k:match("^%a[%w_]*$") and not k:match("^%u[%u%d_]+$") then
        consider(k, prefix .. k)
        if type(v) == "table" and depth < 2 and not seen[v] then
          walk(v, prefix .. k .. ".", depth + 1, seen)
        end
      end
    end
  end
  if kind == "method" then
    for tname, mt in pairs(debug.getregistry()) do
      if type(tname) == "string" and tname:match("^glass%.%u") and type(mt) == "table"
         and type(mt.__index) == "table" then
        for k in pairs(mt.__index) do
          if type(k) == "string" and k ~= word then consider(k, ":" .. k) end
        end
      end
    end
  elseif kind == "global" then
    for k in pairs(_G) do if type(k) == "string" then consider(k, k) end end
    walk(g, "glass.", 1, {})
  else -- field, upvalue, local, constant
    walk(g, "glass.", 0, {})
  end
  if #found == 0 or #found > 3 then return nil end
  table.sort(found, function(a, b) return #a < #b or (#a == #b and a < b) end)
  return " (did you mean " .. table.concat(found, " or ") .. "?)"
end

return M
