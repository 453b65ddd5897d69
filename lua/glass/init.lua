-- glass: the glassvm Lua library.
-- The C engine's bindings live in `glass.core`; this file gathers them with the
-- Lua-side helpers into one table.  `glass` is preloaded in glassvm and can
-- also be obtained with `require "glass"`.
local core = require "glass.core"

local glass = {}
for k, v in pairs(core) do glass[k] = v end
-- One glass.checkpoint: the Lua module (require "glass.checkpoint"), which
-- holds the C side's save and load (glass.core.checkpoint) and its helpers.
glass.checkpoint = require "glass.checkpoint"
-- One glass.fs likewise: the C calls (glass.core.fs) and the Lua helpers.
glass.fs = require "glass.fs"
require("glass.protocol").install(glass) -- params, run, progress, plot, drive (lua/glass/)
require("glass.estimate").install(glass) -- tau_fields, tau_text (lua/glass/estimate.lua)
require("glass.runinfo").install(glass) -- csv_comments, tbl:write_csv's provenance lines
require("glass.show").install(glass) -- show: a plain table in one line (the REPL uses it)
require("glass.help").install(glass) -- help: where to start, what the docs say of a name

-- `print(glass)` in the REPL: what is in it, and where it is documented.
setmetatable(glass, {__tostring = function(g)
  local mods, nfun = {}, 0
  for k, v in pairs(g) do
    if type(v) == "table" then mods[#mods + 1] = k
    elseif type(v) == "function" then nfun = nfun + 1 end
  end
  table.sort(mods)
  local docs = g.paths and g.paths.docs or "docs"
  return string.format("glass, the glassvm library: %s, and %d functions (glass.<Tab> lists "
    .. "every name; glass.help(x) shows what the docs say of x); %s/README.md indexes the "
    .. "documentation, %s/writing-protocols.md the API", table.concat(mods, ", "), nfun, docs, docs)
end})

return glass
