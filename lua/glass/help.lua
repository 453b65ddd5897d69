-- glass.help([x]): where to start, and what the documentation says of x.
-- The REPL binds it to `help` (src/main_repl.c).
--   help()                           where to start: the library, the docs, the keys
--   help(glass.analysis.tau_ratio)   its name, and the docs' lines that document it
--   help(ens)                        an object's type, its methods, its docs
--   help("tau_ratio")                the library's names that contain the word
-- The docs are glass.paths.docs (docs/ of the source tree, share/glassvm/docs
-- installed): the lines that name x in backquotes, a table row or a sentence.
local M = {}

local MAX_LINES, MAX_CHARS = 3, 400

-- Every function and table of the library, by name ("glass.analysis.tau_ratio"),
-- two levels deep; the value's name when it is one of them.
local function names(glass)
  local out = {}
  for k, v in pairs(glass) do
    if type(k) == "string" and (type(v) == "function" or type(v) == "table") then
      out[#out + 1] = {"glass." .. k, v}
      if type(v) == "table" and getmetatable(v) == nil then
        for k2, v2 in pairs(v) do
          if type(k2) == "string" and type(v2) == "function" then
            out[#out + 1] = {"glass." .. k .. "." .. k2, v2}
          end
        end
      end
    end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- The docs' lines that document `word`: first those that show a call (`word(`,
-- `word{`), then those that name it in backquotes.
local function doc_lines(docs, word)
  local found, seen = {}, {}
  if not docs then return found end
  local files = require("glass.fs").list(docs) or {}
  table.sort(files)
  for _, pats in ipairs{{"`" .. word .. "(", "`" .. word .. "{"},
                        {"`" .. word .. "`", "`" .. word .. " "}} do
    for _, f in ipairs(files) do
      if f:find("%.md$") then
        local n = 0
        for line in io.lines(docs .. "/" .. f) do
          n = n + 1
          local hit = false
          for _, p in ipairs(pats) do hit = hit or line:find(p, 1, true) ~= nil end
          if hit and not seen[f .. ":" .. n] then
            seen[f .. ":" .. n] = true
            if #line > MAX_CHARS then line = line:sub(1, MAX_CHARS) .. " ..." end
            found[#found + 1] = string.format("  docs/%s:%d: %s", f, n, line)
            if #found >= MAX_LINES then return found end
          end
        end
      end
    end
  end
  return found
end

local function start(glass)
  local docs = glass.paths and glass.paths.docs
  return table.concat({
    "glassvm's REPL: Lua 5.4 with the glass library loaded as `glass`.",
    "  print(glass)       lists the library; glass.<Tab> completes names, ens:<Tab> methods",
    "  help(x)            what the docs say of x: help(glass.ensemble), help(ens), help(\"tau\")",
    "  Ctrl-C             interrupts a command (the session stays); Ctrl-D or exit() quits",
    "  a protocol         runs from a shell: glassvm ageing --help",
    "  the documentation  " .. (docs and (docs .. "/README.md (the index), guide.md (the command "
      .. "line and the REPL), writing-protocols.md (the API, a tutorial)")
      or "docs/ of glassvm's source tree (not installed here)"),
  }, "\n")
end

function M.help(glass, x)
  if x == nil then return start(glass) end
  local docs = glass.paths and glass.paths.docs
  local lines = {}
  if type(x) == "string" then
    for _, nv in ipairs(names(glass)) do
      if nv[1]:find(x, 1, true) then lines[#lines + 1] = "  " .. nv[1] end
    end
    if #lines == 0 then return string.format("no name of the library contains %q; print(glass) "
      .. "lists its parts", x) end
    return string.format("names with %q:\n%s\nhelp(<one of them>) shows its documentation", x,
      table.concat(lines, "\n"))
  end
  local name
  for _, nv in ipairs(names(glass)) do if rawequal(nv[2], x) then name = nv[1]; break end end
  local mt = getmetatable(x)
  local tname = type(mt) == "table" and type(mt.__name) == "string" and mt.__name or nil
  if name then
    lines[1] = name .. (type(x) == "function" and " (a function)" or " (a table)")
  elseif tname then
    lines[1] = tostring(x)
    local methods = {}
    if type(mt.__index) == "table" then
      for k, v in pairs(mt.__index) do
        if type(k) == "string" and type(v) == "function" then methods[#methods + 1] = k end
      end
    end
    table.sort(methods)
    if #methods > 0 then lines[2] = "methods: " .. table.concat(methods, ", ") end
    name = tname
  else
    return string.format("%s: a %s; help() says where to start", tostring(x), type(x))
  end
  local found = doc_lines(docs, name)
  if #found > 0 then
    lines[#lines + 1] = "documented in:"
    for _, l in ipairs(found) do lines[#lines + 1] = l end
  elseif docs then
    lines[#lines + 1] = "the docs do not name it in backquotes; docs/README.md is the index"
  end
  return table.concat(lines, "\n")
end

function M.install(glass)
  glass.help = function(x) return M.help(glass, x) end
end

return M
