-- glass.params: a protocol's parameters, declared once.
--
--   local P = glass.params{
--     name = "ageing", description = "Q(t, t_w) and tau90 vs t_w",
--     {"T", 1e-6, "Langevin temperature"},
--     {"tw", {1000, 4000}, "waiting times (steps)"},
--     {"width", 30, "hidden width", min = 1},
--     presets = {paper = {tw = {2e4, 5e4}}, smoke = {...}},
--   }
--   local p = P:parse(arg)        -- p.T, p.tw, ..., p.out, p.seed, ...
--
-- A declaration may carry min/max (inclusive), gt/lt (exclusive: gt = 0 for
-- "must be > 0") and choices; a list, increasing = true (strictly: a scan's
-- axis, waiting times) or distinct = true (no value twice).  Numbers must be
-- finite: 1e400 is refused, not read as infinity, and 1e-400 is refused, not
-- read as 0.  Entries {check = function(p, source) ... end} in the
-- list are checks across parameters, run after parsing: they return nil, or
-- a message naming the options ("--batch=200 is larger than --P=100 ...");
-- source[name] says where each value came from ("default", "command line",
-- "preset NAME", "--params FILE").
--
-- The same declaration parses the command line (through Debian's
-- lua-argparse), prints --help, validates and converts values, applies a
-- --preset, and writes the values back as a re-runnable Lua file (params.lua).
-- Precedence: declared default < --params FILE < --preset < explicit option.
--
-- More fields of a declaration: nonempty = true refuses an explicit empty
-- value (--out= is a mistake, not "the default"); file = true makes a
-- string a path, kept absolute (params.lua re-runs from any directory);
-- omit_default = true
-- leaves the parameter out of params.lua and the CSV comments while it has
-- its default (an option added later keeps older outputs byte for byte).
-- absent = {T = "it trains at T = 0"} says why an option users of other
-- protocols will try is not one of this protocol's: "--T" is then refused
-- with that reason rather than with a bare "unknown option".
local argparse = require "argparse"
local fs = require "glass.fs"
local LIMITS = require("glass.core").limits

local M = {}

-- Option types, inferred from the default unless given with type = "...".
local TYPES = {number = true, integer = true, boolean = true, string = true,
               numbers = true, integers = true, strings = true}

local function infer_type(v)
  local t = type(v)
  if t == "number" then return math.type(v) == "integer" and "integer" or "number" end
  if t == "boolean" or t == "string" then return t end
  if t == "table" then
    local kind = "integers"
    for _, x in ipairs(v) do
      if type(x) == "string" then return "strings" end
      if math.type(x) ~= "integer" then kind = "numbers" end
    end
    return kind
  end
  return nil
end

local function is_list(ty) return ty == "numbers" or ty == "integers" or ty == "strings" end

-- Convert one scalar string or value to `ty` ("number", "integer", "string").
-- Returns the value, or nil and a reason.
local function scalar(ty, v)
  if ty == "string" then return tostring(v) end
  local x = tonumber(v)
  if x == nil then
    -- Lua reads neither inf nor nan (C's strtod does): say what they are.
    local w = type(v) == "string" and v:lower():match("^%s*[-+]?(%a+)%s*$")
    if w == "inf" or w == "infinity" then return nil, "not a finite number" end
    if w == "nan" then return nil, "not a number (nan)" end
    return nil, "not a number"
  end
  if x ~= x then return nil, "not a number (nan)" end
  if x == math.huge or x == -math.huge then return nil, "not a finite number" end
  -- A nonzero decimal text that reads as 0 (1e-400) underflowed.
  if x == 0 and type(v) == "string" and v:match("^%s*[-+]?[%d.]*[1-9]") and
     not v:find("^%s*[-+]?0[xX]") then
    return nil, "too small for a double (it would read as 0; write 0 if 0 is meant)"
  end
  if ty == "integer" then
    local i = math.tointeger(x)
    if i == nil and x == math.floor(x) then
      return nil, "too large for an integer (|n| < 2^63)"
    end
    if i == nil then return nil, "not an integer" end
    return i
  end
  return x + 0.0
end

-- One item of a list as the user would type it (for messages).
local function cli_text_item(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if type(x) == "number" then return require("glass.core").format_number(x) end
  return tostring(x)
end

-- A value as a message shows it: a NaN from a file (0/0) would print as
-- "-nan" or "nan" by its sign bit.
local function shown(v) return v ~= v and "nan" or tostring(v) end

local TRUE = {["true"] = true, ["1"] = true, yes = true, on = true}
local FALSE = {["false"] = true, ["0"] = true, no = true, off = true}

-- Convert a command-line string or a Lua value to the declared type of
-- `decl`, checking min, max, gt, lt and choices.  Errors name the parameter.
local function convert(decl, v)
  local ty, name = decl.type, decl.name
  local function bad(why)
    error(string.format("--%s: %s (got %s)", name, why,
      type(v) == "table" and "a list" or string.format("%q", shown(v))), 0)
  end
  local out
  if ty == "boolean" then
    if type(v) == "boolean" then out = v
    elseif TRUE[tostring(v):lower()] then out = true
    elseif FALSE[tostring(v):lower()] then out = false
    else bad("expected true or false") end
  elseif is_list(ty) then
    local items = {}
    if type(v) == "table" then
      -- A list written in Lua (a params file): items 1..n and nothing else.  An
      -- undefined name leaves a hole, which ipairs would stop at without a word.
      local n = 0
      for k in pairs(v) do
        if math.type(k) ~= "integer" or k < 1 then
          bad(string.format("not a list: it has the key %s; write the items alone, {1e-3, 1e-4}",
            type(k) == "string" and string.format("%q", k) or tostring(k)))
        end
        if k > n then n = k end
      end
      for i = 1, n do
        if v[i] == nil then bad(string.format("item %d is nil (an undefined name?)", i)) end
      end
      if n == 0 then bad("the list is empty; give at least one value") end
      items = v
    elseif tostring(v):find("%S") then
      -- Items between commas, blanks around them dropped ("1e-3, 1e-4"); an
      -- empty one ("1e-3,,1e-4", "5,20,") is a typo, not an item less.
      for s in (tostring(v) .. ","):gmatch("([^,]*),") do
        s = s:match("^%s*(.-)%s*$")
        if s == "" then bad(string.format("item %d is empty; remove the extra comma", #items + 1)) end
        items[#items + 1] = s
      end
    end
    if #items == 0 then bad("expected a comma-separated list, e.g. 1e-3,1e-4") end
    out = {}
    local ety = ty:sub(1, -2)
    for i, s in ipairs(items) do
      local x, why = scalar(ety, s)
      if x == nil then
        bad(string.format("item %d %q is %s%s", i, shown(s), why,
          tostring(s):find("[%s;]")
          and "; separate the items of a list with commas (1e-3,1e-4)" or ""))
      end
      out[i] = x
    end
    for i = 2, #out do
      if decl.increasing and not (out[i] > out[i - 1]) then
        bad(string.format("must increase (item %d, %s, follows %s): list the values in "
          .. "increasing order, each once", i, cli_text_item(out[i]), cli_text_item(out[i - 1])))
      end
      for j = 1, decl.distinct and i - 1 or 0 do
        if out[j] == out[i] then
          bad(string.format("item %d, %s, repeats item %d: give each value once", i,
            cli_text_item(out[i]), j))
        end
      end
    end
  else
    local x, why = scalar(ty, v)
    if x == nil then
      -- --T=1e-6,1e-5 where one value is taken: say so, not only "not a number"
      if type(v) == "string" and v:find("[,;]") then why = why .. "; it takes one value" end
      bad(why)
    end
    out = x
  end
  if decl.file and out ~= "" then out = fs.absolute(out) end
  -- Range and choices apply to every item of a list (named when it is one).
  local items = is_list(ty) and out or {out}
  for i, x in ipairs(items) do
    local which = is_list(ty) and #items > 1
      and string.format("item %d, %s, ", i, cli_text_item(x)) or ""
    local function range(why, bound)
      bad(string.format("%smust be %s %s", which, why, tostring(bound)))
    end
    if decl.min and x < decl.min then range(">=", decl.min) end
    if decl.max and x > decl.max then range("<=", decl.max) end
    if decl.gt and not (x > decl.gt) then range(">", decl.gt) end
    if decl.lt and not (x < decl.lt) then range("<", decl.lt) end
    if decl.choices then
      local ok = false
      for _, c in ipairs(decl.choices) do if c == x then ok = true end end
      if not ok then
        local cs, near = {}, nil
        for _, c in ipairs(decl.choices) do
          cs[#cs + 1] = tostring(c)
          -- same-basin for same_basin: option names take '-' for '_', values do not
          if type(x) == "string" and x:gsub("%-", "_") == c then near = c end
        end
        bad(which .. "must be one of " .. table.concat(cs, ", ")
          .. (near and string.format(" (did you mean %s?)", near) or ""))
      end
    end
  end
  return out
end
M.convert = convert

-- Shortest decimal text that reads back as the same double.
local function num2str(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if x ~= x then return "0/0" end
  if x == math.huge then return "math.huge" end
  if x == -math.huge then return "-math.huge" end
  local s = require("glass.core").format_number(x)
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end
M.num2str = num2str

-- A value as Lua source (numbers, strings, booleans, flat lists).
local function lua_literal(v)
  local t = type(v)
  if t == "number" then return num2str(v) end
  if t == "string" then return string.format("%q", v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = lua_literal(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return "nil"
end
M.literal = lua_literal

-- A value as command-line text (lists comma-separated).
local function cli_text(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = cli_text(x) end
    return table.concat(parts, ",")
  end
  if type(v) == "number" then return num2str(v):gsub("%.0$", "") end
  return tostring(v)
end
M.text = cli_text

-- "Did you mean": edit distance, the nearest name, hints for Lua's own nil-value
-- errors (lua/glass/names.lua).
local suggest = require "glass.names"
local distance, closest = suggest.distance, suggest.closest
M.distance, M.closest, M.name_hint = distance, closest, suggest.name_hint

-- Common options every protocol gets (after its own).
local COMMON = {
  {"preset", "", "select a preset of parameters (see below); explicit options still override",
   nonempty = true},
  {"params", "", "read parameter values from a params.lua of an earlier run", nonempty = true},
  {"print_params", false, "print the parameters this command line resolves to (a params.lua "
   .. "for --params) and exit"},
  {"out", "", "output directory (default: results/<protocol>-<date>-<time>)", nonempty = true},
  {"force", false, "start over in --out even if it holds a finished run or a checkpoint "
   .. "that cannot be resumed (other parameters, corrupt)"},
  {"seed", 1, "random seed (same seed, machine and build: bit-identical results)", min = 0},
  {"threads", 0, "worker threads (0: glassvm's default)", min = 0, max = LIMITS.threads},
  {"device", "cpu", "where ensembles' steps run: cpu; cuda (a build with -DGV_CUDA=ON and an "
   .. "NVIDIA GPU; float32 sums, not bit-identical to cpu); ref (the GPU algorithm on the CPU, "
   .. "slow, for tests)", choices = {"cpu", "cuda", "ref"}, omit_default = true},
  {"quiet", false, "no progress output on stderr (the log file still gets it)"},
  {"plots", true, "draw plots with gnuplot when it is installed"},
  {"checkpoint_minutes", 10.0, "minutes of work between checkpoints inside a long phase "
   .. "(0: only at the end of each phase)", min = 0},
  {"checkpoint_every", 0, "also checkpoint every N steps inside a phase (0: never)", min = 0},
}
-- Run control: not written to params.lua or the CSV comments, and not
-- compared when a run resumes (docs/reliability.md): none changes a result.
-- (--device does, in float32 rounding: it is saved when not cpu, so that a
-- resume on another device is refused rather than mixing two devices' bits.)
local NOT_SAVED = {preset = true, params = true, print_params = true, out = true, force = true,
                   threads = true, quiet = true, plots = true,
                   checkpoint_minutes = true, checkpoint_every = true}
M.NOT_SAVED = NOT_SAVED

local Params = {}
Params.__index = Params

-- The fields a declaration may have: a misspelt one (minn = 0) is an error,
-- not a range silently left unchecked.
local DECL_FIELDS = {name = true, default = true, help = true, type = true, min = true,
                     max = true, gt = true, lt = true, choices = true, nonempty = true,
                     omit_default = true, file = true, increasing = true, distinct = true}

-- Normalise one declaration entry {name, default, help, type=, min=, max=, gt=,
-- lt=, choices=, ...: DECL_FIELDS}.  Errors are raised at the level of
-- glass.params' caller (declare <- add <- M.new <- the protocol).
local function declare(entry, where)
  local name, default, help = entry[1] or entry.name, entry[2], entry[3] or entry.help
  for k in pairs(entry) do
    if not (math.type(k) == "integer" and k >= 1 and k <= 3) and not DECL_FIELDS[k] then
      local near = type(k) == "string" and closest(k, DECL_FIELDS)
      error(string.format("%s: parameter %s: unknown field %s%s; a declaration takes {name, "
        .. "default, help} and min, max, gt, lt, choices, increasing, distinct, nonempty, file, "
        .. "omit_default, type", where, tostring(name), tostring(k),
        near and string.format(" (did you mean %s?)", near) or ""), 4)
    end
  end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error(string.format("%s: parameter name %s must be an identifier", where, tostring(name)), 4)
  end
  if default == nil then default = entry.default end
  local ty = entry.type or infer_type(default)
  if entry.type ~= nil and not TYPES[ty] then
    local near = type(ty) == "string" and closest(ty, TYPES)
    error(string.format("%s: parameter %s: type = %s is not a type%s; give type = "
      .. "\"number\"|\"integer\"|\"boolean\"|\"string\"|\"numbers\"|\"integers\"|\"strings\"",
      where, name, tostring(ty), near and string.format(" (did you mean %s?)", near) or ""), 4)
  end
  if not TYPES[ty] then
    error(string.format("%s: parameter %s: cannot tell its type from the default %s; give type = "
      .. "\"number\"|\"integer\"|\"boolean\"|\"string\"|\"numbers\"|\"integers\"|\"strings\"",
      where, name, tostring(default)), 4)
  end
  if type(help) ~= "string" then
    error(string.format("%s: parameter %s needs a help text (third field)", where, name), 4)
  end
  local d = {name = name, type = ty, help = help, min = entry.min, max = entry.max,
             gt = entry.gt, lt = entry.lt, choices = entry.choices, nonempty = entry.nonempty,
             omit_default = entry.omit_default, file = entry.file,
             increasing = entry.increasing, distinct = entry.distinct}
  if (d.increasing or d.distinct) and not is_list(ty) then
    error(string.format("%s: parameter %s: increasing and distinct apply to lists only", where,
      name), 4)
  end
  local ok, v = pcall(convert, d, default)
  if not ok then error(string.format("%s: default of %s", where, v), 4) end
  d.default = v
  return d
end

-- glass.params{name=, description=, {name, default, help, ...}..., presets=, seed=}
function M.new(spec)
  if type(spec) ~= "table" or type(spec.name) ~= "string" then
    error("glass.params: expected a table with name = \"protocol name\"", 2)
  end
  local self = setmetatable({name = spec.name, description = spec.description or "",
                             epilog = spec.epilog, list = {}, byname = {}, checks = {},
                             presets = spec.presets or {}, absent = spec.absent or {}}, Params)
  local where = "glass.params{name=" .. spec.name .. "}"
  local SPEC_FIELDS = {name = true, description = true, epilog = true, presets = true, seed = true,
                       absent = true}
  for k in pairs(spec) do
    if math.type(k) ~= "integer" and not SPEC_FIELDS[k] then
      local near = type(k) == "string" and closest(k, SPEC_FIELDS)
      error(string.format("%s: unknown field %s%s; glass.params takes name, description, "
        .. "epilog, presets, seed, absent and the declarations", where, tostring(k),
        near and string.format(" (did you mean %s?)", near) or ""), 2)
    end
  end
  local function add(entry, common)
    if type(entry) == "table" and entry.check ~= nil and entry[1] == nil then
      if type(entry.check) ~= "function" then
        error(string.format("%s: check = must be a function(p, source) returning nil or a message", where), 3)
      end
      self.checks[#self.checks + 1] = entry.check
      return
    end
    local d = declare(entry, where)
    if self.byname[d.name] then
      if common then return end   -- the protocol redeclared a common option (e.g. seed)
      error(string.format("%s: parameter %s declared twice", where, d.name), 3)
    end
    d.common = common
    self.list[#self.list + 1] = d
    self.byname[d.name] = d
  end
  for _, entry in ipairs(spec) do add(entry, false) end
  for _, entry in ipairs(COMMON) do
    if entry[1] == "seed" and spec.seed then entry = {"seed", spec.seed, entry[3], min = 0} end
    add(entry, true)
  end
  for k, why in pairs(self.absent) do
    if type(k) ~= "string" or type(why) ~= "string" then
      error(string.format("%s: absent = {name = \"why it is not a parameter\"}, got %s = %s",
        where, tostring(k), tostring(why)), 2)
    end
    if self.byname[k] then error(string.format("%s: %s is declared and absent", where, k), 2) end
  end
  -- Presets must name declared parameters with valid values: check now, so a
  -- typo in a protocol file fails at once, not at the end of a cluster job.
  for pname, values in pairs(self.presets) do
    if type(values) ~= "table" then error(where .. ": preset " .. pname .. " must be a table", 2) end
    for k, v in pairs(values) do
      local d = self.byname[k]
      if not d or NOT_SAVED[k] then
        error(string.format("%s: preset %s sets unknown parameter %s", where, pname, tostring(k)), 2)
      end
      local ok, err = pcall(convert, d, v)
      if not ok then error(string.format("%s: preset %s: %s", where, pname, err), 2) end
    end
  end
  return self
end

function Params:preset_names()
  local names = {}
  for k in pairs(self.presets) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- "name: k=v k=v ..." per preset, in declaration order, wrapped at `width`
-- columns with continuation lines indented.
function Params:preset_lines(width)
  local lines = {}
  for _, pname in ipairs(self:preset_names()) do
    local line, values = "  " .. pname .. ":", self.presets[pname]
    for _, d in ipairs(self.list) do
      local v = values[d.name]
      if v ~= nil then
        local word = d.name .. "=" .. cli_text(convert(d, v))
        if #line + 1 + #word > width then
          lines[#lines + 1] = line
          line = "    "
        end
        line = line .. " " .. word
      end
    end
    lines[#lines + 1] = line
  end
  return lines
end

-- Build the lua-argparse parser: every option takes one value, except
-- booleans, which may stand alone (--quiet) or take one (--plots=false).
function Params:parser()
  local presets = self:preset_names()
  local epilog = {}
  if #presets > 0 then
    epilog[#epilog + 1] = "Presets (--preset=NAME; explicit options override them; "
      .. "--print-params shows the result):"
    for _, line in ipairs(self:preset_lines(96)) do epilog[#epilog + 1] = line end
  end
  -- The example list is one of this protocol's own (--T would be refused by some).
  local example = ""
  for _, d in ipairs(self.list) do
    if is_list(d.type) and type(d.default) == "table" and #d.default >= 2 then
      example = string.format(" (--%s=%s)", d.name, cli_text({d.default[1], d.default[2]}))
      break
    end
  end
  epilog[#epilog + 1] = "Lists are comma-separated" .. example .. "; booleans take true/false."
  epilog[#epilog + 1] = "Runs checkpoint as they go: the same command with the same --out "
    .. "resumes an interrupted run (Ctrl-C, SIGTERM, a kill); touch OUT/STOP to stop one."
  if self.epilog then epilog[#epilog + 1] = self.epilog end
  local script = _G.arg and _G.arg[0]
  if type(script) ~= "string" or not script:find(self.name, 1, true) then
    script = "protocols/" .. self.name .. ".lua"
  end
  local parser = argparse("glassvm " .. script, self.description)
      :epilog(table.concat(epilog, "\n"))
      :help_max_width(100)
      :add_help(false)
  parser:flag("-h --help", "show this help and exit")
  local own, common = {}, {}
  for _, d in ipairs(self.list) do
    local aliases = "--" .. d.name
    if d.name:find("_") then aliases = aliases .. " --" .. d.name:gsub("_", "-") end
    -- The type with the allowed range: "number >= 0", "integer 1 to 4096",
    -- "numbers > 0, increasing".
    local range = {}
    if d.min and d.max then range[1] = cli_text(d.min) .. " to " .. cli_text(d.max)
    else
      if d.min then range[#range + 1] = ">= " .. cli_text(d.min) end
      if d.max then range[#range + 1] = "<= " .. cli_text(d.max) end
    end
    if d.gt then range[#range + 1] = "> " .. cli_text(d.gt) end
    if d.lt then range[#range + 1] = "< " .. cli_text(d.lt) end
    local kind = d.type .. (#range > 0 and " " .. table.concat(range, ", ") or "")
    if d.increasing then kind = kind .. ", increasing"
    elseif d.distinct then kind = kind .. ", distinct" end
    -- An empty default (--from's) is no value: "(string, no default)".
    local default = cli_text(d.default)
    default = default == "" and "no default" or "default " .. default
    local help = string.format("%s (%s, %s)", d.help, kind, default)
    if d.choices then
      local cs = {}
      for i, c in ipairs(d.choices) do cs[i] = cli_text(c) end
      help = string.format("%s (one of %s; %s)", d.help, table.concat(cs, ", "), default)
    elseif d.common and d.type == "string" then
      help = d.help   -- --out, --params: the text says it all
    elseif d.common and d.type == "boolean" then
      help = string.format("%s (%s)", d.help, default) -- --quiet (default false)
    end
    if d.name == "preset" and #presets > 0 then
      help = string.format("%s: %s", d.help, table.concat(presets, ", "))
    end
    -- count "*": every occurrence is kept, so that try_parse can refuse a
    -- repeated option naming it (argparse's own limit would say "must be
    -- used at most 1 time", without the list advice).
    local o = parser:option(aliases, help):target(d.name):argname("<" .. d.type .. ">")
        :count("*")
    if d.type == "boolean" then o:args("?"):argname("<true|false>") end
    if d.common then common[#common + 1] = o else own[#own + 1] = o end
  end
  if #own > 0 then parser:group("Parameters of " .. self.name, table.unpack(own)) end
  parser:group("Common options", parser._options[1], table.unpack(common))
  return parser
end

function Params:help()
  return self:parser():get_help()
end

-- The declaration one of whose help text's first four words is (or nearly
-- is, or begins with) `word`: an option named for what it is, not by its
-- name (--temperature or --temp for --T, whose help says "Langevin
-- temperature").
function Params:by_help_word(word)
  if #word < 4 then return nil end
  word = word:lower()
  local stem = #word > 4 and word:match("^(.-)s$") -- --inits for "initial conditions"
  for _, d in ipairs(self.list) do
    local n = 0
    for w in d.help:gmatch("%a+") do
      n = n + 1
      if n > 4 then break end
      w = w:lower()
      if #w >= 4 and (distance(word, w) <= math.max(1, #w // 5) or w:sub(1, #word) == word
                      or (stem and w:sub(1, #stem) == stem)) then
        return d
      end
    end
  end
end

-- The declaration a mistyped name most likely means, for a "did you mean":
-- the closest name (closest), else one whose help text names it
-- (by_help_word).  `names` (a set) limits the candidates; all by default.
-- Returns the declaration, and true when its help text found it.
function Params:nearest(word, names)
  names = names or self.byname
  local best = closest(word, names)
  if best then return self.byname[best], false end
  local d = self:by_help_word(word)
  if d and names[d.name] then return d, true end
end

-- " (did you mean ageing?)" for a protocol name (a params.lua's protocol =)
-- that names none of glassvm's protocols (glass.paths.protocols) but is
-- close to one of them; "" otherwise.
local function protocol_hint(name)
  local dir = ((package.loaded.glass or {}).paths or {}).protocols
  if type(name) ~= "string" or not dir or fs.exists(dir .. "/" .. name .. ".lua") then
    return ""
  end
  local names = {}
  for _, f in ipairs(fs.list(dir) or {}) do
    local n = f:match("^([^.].*)%.lua$")
    if n then names[n] = true end
  end
  local best = closest(name, names)
  return best and string.format(" (did you mean %s?)", best) or ""
end
M.protocol_hint = protocol_hint

-- Read a params.lua written by an earlier run: its values, not its code's
-- side effects (it is loaded in an empty environment).
function M.read_file(path)
  local captured
  local env = {glass = {protocol_params = function(t) captured = t; return t end}, math = math}
  local chunk, err = loadfile(path, "t", env)
  if not chunk then
    -- (a checkpoint, an ensemble file, a PNG given by mistake: say so, not "syntax error")
    local f = io.open(path, "rb")
    local head = f and f:read(4096)
    if f then f:close() end
    if head and head:find("\0", 1, true) then
      err = "it is a binary file, not a parameters file: give a params.lua (glassvm writes one "
        .. "into each run's directory), a Lua file that returns a table of values"
    end
    error(string.format("--params: cannot read %s: %s", path, err), 0)
  end
  local ok, res = pcall(chunk)
  if not ok then error(string.format("--params: %s failed: %s", path, tostring(res)), 0) end
  res = captured or res
  if type(res) ~= "table" then error(string.format("--params: %s does not return a table", path), 0) end
  return res
end

-- The first word of args that argparse would take as a positional argument
-- (a protocol has none, and argparse would only say "too many arguments"):
-- a message naming it, or nil.  "T=1e-5" is --T=1e-5 with its dashes
-- forgotten, even after a boolean ("--quiet T=1e-5"), unless it is the value
-- of an option that takes one ("--out T=1e-5"); after "--" every word is
-- positional.  The scan stops at an unknown option, which argparse names.
function Params:stray(args)
  local function option_of(a)   -- the declaration "T=1e-5" gives a value to, if any
    local name = a:match("^([%a_][%w_%-]*)=")
    return name and self.byname[(name:gsub("%-", "_"))]
  end
  local i, positional = 1, false
  local last -- the option whose value the word before was: {d =, name =, value =}
  while i <= #args do
    local a = args[i]
    if a == "--" and not positional then positional = true
    elseif positional and a:find("^%-") then
      return string.format("unexpected argument '%s': every word after '--' is an argument, "
        .. "and protocols take none; leave out the '--'", a)
    elseif positional or not a:find("^%-") then
      if option_of(a) then return string.format("'%s': options start with --: give --%s", a, a) end
      local hint = ""
      if i > 1 and args[i - 1]:find(",%s*$") then   -- --tw=5, 20: the shell split the list
        hint = string.format("; quote a list with blanks in it: '%s %s'", args[i - 1], a)
      elseif last and last.value and not positional and is_list(last.d.type) then
        -- --tw=100 300: items separated by a blank
        hint = string.format("; --%s takes a list: separate its items with commas, --%s=%s,%s",
          last.name, last.name, last.value, a)
      elseif last and last.value and not positional and last.d.type ~= "boolean" then
        hint = string.format("; --%s takes one value", last.name)
      end
      return string.format("unexpected argument '%s': options start with -- (--name=value "
        .. "or --name value)%s", a, hint)
    elseif a ~= "-h" then
      local name, eq = a:match("^%-%-([%w_%-]+)(=?)")
      local d = name and (name == "help" or self.byname[(name:gsub("%-", "_"))])
      if not d then return nil end
      -- Its value, as argparse takes it: the next word unless it is an
      -- option; a boolean's only if it is not one given without its dashes.
      local v = args[i + 1]
      if d ~= true and eq == "" and d.type ~= "boolean" and v and v:find("^%-%.?%d") then
        -- argparse reads "-1e-4" as an option of its own
        return string.format("'--%s %s': a value that starts with '-' goes after '=': give "
          .. "--%s=%s", name, v, name, v)
      end
      last = d ~= true and {d = d, name = name, value = eq == "=" and a:match("=(.*)$") or nil}
        or nil
      if d ~= true and eq == "" and v and not v:find("^%-")
         and (d.type ~= "boolean" or not option_of(v)) then
        i = i + 1
        last.value = v
      end
    end
    i = i + 1
  end
end

-- An option given more than once (--T=1e-3 --T=1e-4: argparse keeps every
-- occurrence, `given`): a message naming it, or nil.  Letting the last one
-- win would silently drop a value the user meant, most often a second item
-- of a list, so the message shows the list as one value.
local function repeated(d, given)
  if #given < 2 then return nil end
  local texts, values = {}, {}
  for i, v in ipairs(given) do
    -- A boolean's occurrence is a list of 0 or 1 values (--quiet, --quiet=false).
    if type(v) == "table" then v = v[1] end
    texts[i] = v == nil and "--" .. d.name or string.format("--%s=%s", d.name, v)
    values[i] = v
  end
  local msg = string.format("--%s is given %d times (%s): give it once", d.name, #given,
    table.concat(texts, " "))
  if is_list(d.type) then
    msg = msg .. string.format("; for several values give one list, --%s=%s", d.name,
      table.concat(values, ","))
  end
  return msg
end

-- Parse argv (a table like the global `arg`).  Returns ok, values or ok=false
-- and an error message; "help" as the message asks for --help.
function Params:try_parse(argv)
  argv = argv or {}
  local args = {}
  for i = 1, #argv do args[i] = argv[i] end
  local stray = self:stray(args)
  if stray then return false, stray .. "\nSee --help for the parameters of " .. self.name .. "." end
  local parser = self:parser()
  local ok, raw = parser:pparse(args)
  if not ok then
    local msg = raw
    -- argparse's own tip ("Did you mean '--P'?" for --T: one letter left
    -- out of each) gives way to closest's, so that one rule suggests.
    local typed, wrong = msg:match("^(unknown option '%-%-?([^']*)')")
    if wrong then
      msg = typed
      local near, by_help = self:nearest((wrong:gsub("%-", "_")))
      -- --no-drift-check: a negated boolean, as other tools spell it.
      local plain = wrong:gsub("%-", "_"):match("^no_(.+)")
      local negated = self.byname[plain or ""]
      local absent = self.absent[(wrong:gsub("%-", "_"))] or self.absent[plain or ""]
      if absent then
        msg = msg .. string.format("\n%s has no --%s: %s", self.name,
          self.absent[(wrong:gsub("%-", "_"))] and wrong or plain, absent)
      elseif negated and negated.type == "boolean" then
        msg = msg .. string.format("\nDid you mean '--%s=false'?", negated.name)
      elseif near and not by_help then
        msg = msg .. string.format("\nDid you mean '--%s'?", near.name)
      elseif near then
        local what = near.help:match("^[^(:;]*"):gsub("%s+$", "")
        msg = msg .. string.format("\nDid you mean '--%s' (%s)?", near.name, what)
      end
    end
    return false, msg .. "\nSee --help for the parameters of " .. self.name .. "."
  end
  if raw.help then return false, "help" end
  for _, d in ipairs(self.list) do
    local why = repeated(d, raw[d.name] or {})
    if why then return false, why end
  end
  for _, d in ipairs(self.list) do
    local given = raw[d.name]
    if d.nonempty and given and given[#given] == "" then
      return false, string.format("--%s is empty: give a value, or leave the option out for the "
        .. "default", d.name)
    end
  end
  -- Layer the sources.
  local values, source, settable = {}, {}, {}
  for _, d in ipairs(self.list) do
    values[d.name], source[d.name] = d.default, "default"
    if not NOT_SAVED[d.name] then settable[d.name] = true end
  end
  -- Returns the names it leaves out: those no file sets (--out, --threads, ...).
  local function layer(tbl, what)
    local keys, unused = {}, {} -- in order, so that the first complaint is always the same
    for k in pairs(tbl) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local v, d = tbl[k], self.byname[k]
      if d and NOT_SAVED[k] then unused[#unused + 1] = k
      elseif d then
        local cok, cv = pcall(convert, d, v)
        if not cok then error(what .. ": " .. cv, 0) end
        values[k], source[k] = cv, what
      elseif not d and type(k) == "string" and k ~= "protocol" and k ~= "protocol_file" then
        -- As an unknown option's: the names a file or preset may set.
        local near = self:nearest(k, settable)
        local absent = self.absent[k]
        error(string.format("%s: unknown parameter %s for protocol %s%s", what, k, self.name,
          absent and string.format(" (%s has no %s: %s)", self.name, k, absent)
          or near and string.format(" (did you mean %s?)", near.name) or ""), 0)
      end
    end
    return unused
  end
  local notes = {}
  local lok, lerr = pcall(function()
    -- Each option is a list of its occurrences, at most one (`repeated`).
    local params_file, preset = (raw.params or {})[1], (raw.preset or {})[1]
    if params_file then
      local saved = M.read_file(params_file)
      local other = type(saved.protocol) == "string" and saved.protocol ~= self.name
      -- The nearest of glassvm's protocols, unless the file's protocol_file exists and
      -- bears its name (a protocol of the user's own, "ageing2", is no misspelt "ageing").
      local pf = saved.protocol_file
      local own = type(pf) == "string" and fs.exists(pf)
        and fs.basename(pf):gsub("%.lua$", "") == saved.protocol
      local hint = other and not own and protocol_hint(saved.protocol) or ""
      local ok, err = pcall(layer, saved, "--params " .. params_file)
      if ok and #err > 0 then
        notes[#notes + 1] = string.format("--params %s sets %s, which a parameters file does not "
          .. "set (they change no result): left out; give them on the command line",
          params_file, table.concat(err, ", "))
      end
      -- Another protocol's file: say so first, then what did not fit.
      if not ok and other then
        local what, pre = tostring(err), "--params " .. params_file .. ": "
        if what:sub(1, #pre) == pre then what = what:sub(#pre + 1) end
        err = string.format("--params %s was written by protocol %s%s, not %s (%s)", params_file,
          saved.protocol, hint, self.name, what)
      end
      if not ok then error(err, 0) end
      if other then
        -- Every value fitted: used, but not unsaid (glass.run logs it).
        notes[#notes + 1] = string.format("--params %s was written by protocol %s%s; its "
          .. "values are used for %s", params_file, saved.protocol, hint, self.name)
      end
    end
    if preset and preset ~= "" then
      local pr = self.presets[preset]
      if not pr then
        local names = self:preset_names()
        error(string.format("--preset: unknown preset %q; %s has: %s", preset, self.name,
          #names > 0 and table.concat(names, ", ") or "(none)"), 0)
      end
      local from_file = {}
      for _, d in ipairs(self.list) do
        if source[d.name] ~= "default" then from_file[d.name] = cli_text(values[d.name]) end
      end
      layer(pr, "preset " .. preset)
      -- The preset comes after the file (the order above): say which of its values it replaced.
      local over = {}
      for _, d in ipairs(self.list) do
        local was = from_file[d.name]
        if was and source[d.name] == "preset " .. preset and was ~= cli_text(values[d.name]) then
          over[#over + 1] = string.format("%s=%s (the file: %s)", d.name, cli_text(values[d.name]), was)
        end
      end
      if #over > 0 then
        notes[#notes + 1] = string.format("--preset=%s sets %s over --params %s; give a value "
          .. "on the command line to keep the file's", preset, table.concat(over, ", "), params_file)
      end
    end
    for _, d in ipairs(self.list) do
      -- One entry per occurrence (at most one); a bare boolean flag (--quiet)
      -- is an empty list.
      for _, v in ipairs(raw[d.name] or {}) do
        if d.type == "boolean" then
          if #v > 1 then error(string.format("--%s: expected true or false (got %d values)", d.name, #v), 0) end
          v = v[1] == nil and true or v[1]
        end
        values[d.name], source[d.name] = convert(d, v), "command line"
      end
    end
    for _, check in ipairs(self.checks) do
      local why = check(values, source)
      if why then error(why, 0) end
    end
  end)
  if not lok then return false, tostring(lerr) end
  return true, setmetatable(values, {__index = {__params = self, __source = source,
                                                __notes = notes}})
end

-- Write text to stream and stop with code (a glass.Error with `exit`,
-- already printed, which the glassvm command ends with).  Under MPI every
-- rank parses the same command line: rank 0 alone writes, and the others
-- wait until it has (so that no rank's exit ends the job first).
local function say_and_exit(stream, text, code)
  local ok, mpi = pcall(require, "glass.mpi")
  if not ok then mpi = nil end
  if not mpi or mpi.rank() == 0 then
    stream:write(text)
    stream:flush()
  end
  if mpi and mpi.size() > 1 then mpi.barrier() end
  error(require("glass.core").error{message = text, exit = code, printed = true, refused = true}, 0)
end

-- Parse or exit: --help prints the help and exits 0; an error prints the
-- message (one line, and where to look) and exits 2 (no Lua traceback for a
-- typo, no page of usage burying the line that matters).
function Params:parse(argv)
  local ok, res = self:try_parse(argv or _G.arg)
  if ok and res.print_params then
    local script = _G.arg and _G.arg[0]
    say_and_exit(io.stdout, self:file_text(res, {version = (package.loaded.glass or {}).version,
      protocol = type(script) == "string" and fs.absolute(script) or nil,
      sources = getmetatable(res).__index.__source}), 0)
  end
  if ok then return res end
  if res == "help" then say_and_exit(io.stdout, self:help() .. "\n", 0) end
  if not res:find("--help", 1, true) then
    res = res .. "\nSee --help for the parameters of " .. self.name .. "."
  end
  say_and_exit(io.stderr, "Error: " .. res .. "\n", 2)
end

-- The saved values (own parameters and the seed), in declaration order.
function Params:saved(values)
  local list = {}
  for _, d in ipairs(self.list) do
    local v = values[d.name]
    if not NOT_SAVED[d.name] and not (d.omit_default and v == d.default) then
      list[#list + 1] = {d.name, v}
    end
  end
  return list
end

-- One line "name=value ..." for CSV comments and logs.
function Params:summary(values)
  local parts = {}
  for _, kv in ipairs(self:saved(values)) do parts[#parts + 1] = kv[1] .. "=" .. cli_text(kv[2]) end
  return table.concat(parts, " ")
end

-- The params.lua text: a Lua file that returns the values when read with
-- --params, and re-runs the protocol when run itself (glassvm params.lua).
-- info: version, date, path (of the file, for the comments), protocol (the
-- protocol file), sources (name -> where each value came from, for
-- --print-params).
function Params:file_text(values, info)
  info = info or {}
  -- The text depends on the values alone (no date, no output directory),
  -- so a resumed run writes the same bytes as an uninterrupted one.
  local lines = {
    string.format("-- Parameters of a glassvm run: protocol %s, glassvm %s.", self.name,
      info.version or "?"),
  }
  if info.date then lines[1] = lines[1]:sub(1, -2) .. ", " .. info.date .. "." end
  if values.preset and values.preset ~= "" then
    lines[#lines + 1] = "-- Started from --preset=" .. values.preset .. "."
  end
  local me = info.path or "params.lua"
  lines[#lines + 1] = "-- Re-run it:  glassvm " .. me .. " [--out=DIR] [--name=value ...]"
  lines[#lines + 1] = "--         or: glassvm " .. (info.protocol or ("protocols/" .. self.name .. ".lua"))
      .. " --params=" .. me .. " [...]"
  lines[#lines + 1] = "-- The protocol is protocol_file if it exists, else a file of that name next to"
  lines[#lines + 1] = "-- this one, else " .. self.name .. ".lua among glassvm's protocols (glass.paths.protocols)."
  -- Not a tail call: protocol_params looks at its caller to see if this
  -- file is the main script (a tail call, as a hand-written file may make,
  -- takes a second look: M.protocol_params).
  lines[#lines + 1] = "local params = glass.protocol_params {"
  lines[#lines + 1] = string.format("  protocol = %q,", self.name)
  lines[#lines + 1] = string.format("  protocol_file = %q,", info.protocol or "")
  local sources = info.sources or {}
  for _, kv in ipairs(self:saved(values)) do
    local d = self.byname[kv[1]]
    local from = sources[kv[1]]
    lines[#lines + 1] = string.format("  %s = %s,  -- %s%s", kv[1], lua_literal(kv[2]), d.help,
      (from and from ~= "default") and " [" .. from .. "]" or "")
  end
  lines[#lines + 1] = "}"
  lines[#lines + 1] = "return params"
  return table.concat(lines, "\n") .. "\n"
end

-- The protocol a params.lua re-runs: t.protocol_file if it exists, else
-- the file of that name next to the params.lua (at `script`), else
-- <t.protocol>.lua among glassvm's protocols.  (A params.lua older than
-- protocol_file holds the path in t.protocol.)  Returns the path, or nil
-- and the list of places looked in.
function M.find_protocol(t, script)
  local file, name = t.protocol_file, t.protocol
  if (file == nil or file == "") and name:find("/", 1, true) then
    file, name = name, fs.basename(name):gsub("%.lua$", "")
  end
  local candidates = {}
  if file and file ~= "" then
    candidates[#candidates + 1] = file
    candidates[#candidates + 1] = fs.dirname(script) .. "/" .. fs.basename(file)
  end
  local paths = (package.loaded.glass or {}).paths or {}
  if paths.protocols then candidates[#candidates + 1] = paths.protocols .. "/" .. name .. ".lua" end
  for _, c in ipairs(candidates) do
    if fs.exists(c) then return c, candidates end
  end
  return nil, candidates
end

-- glass.protocol_params(t): the body of a params.lua.  Read through --params
-- it just returns t; run as the main script it re-runs the protocol
-- (M.find_protocol) with --params pointing at itself, passing the script's
-- own arguments on.  A params.lua moved or copied with its run directory
-- thus re-runs wherever the protocol can be found.
function M.protocol_params(t)
  local script = _G.arg and _G.arg[0]
  local main = false
  if script and type(t.protocol) == "string" then
    local info = debug.getinfo(2, "S")
    if debug.getinfo(1, "t").istailcall then
      -- `return glass.protocol_params{...}` leaves no frame for its file: it is the main
      -- script if glassvm is running its script (not -e code, src/main.c) and called
      -- that file itself (one C frame below, nothing under it).
      main = debug.getregistry()["glassvm.main_script"] == true and info ~= nil
        and info.what == "C" and debug.getinfo(3, "S") == nil
    else
      main = info and info.source == "@" .. script
    end
  end
  if main then
    local path, looked = M.find_protocol(t, script)
    if not path then
      say_and_exit(io.stderr, string.format("Error: %s: cannot find the protocol %s%s (looked "
        .. "for %s); give its file: glassvm PROTOCOL.lua --params=%s\n", script, t.protocol,
        protocol_hint(t.protocol), table.concat(looked, ", "), script), 2)
    end
    if path ~= looked[1] then
      io.stderr:write(string.format("glassvm: %s is not there; running %s\n", looked[1], path))
    end
    local args = {[0] = path, "--params=" .. script}
    for i = 1, #_G.arg do
      local a = _G.arg[i]
      if a == "--params" or a:find("^%-%-params=") then -- this file is the parameters
        say_and_exit(io.stderr, string.format("Error: %s: %s is a params.lua: it gives the "
          .. "parameters itself, so --params cannot be added; run glassvm %s "
          .. "--params=FILE for another file's\n", script, script, t.protocol), 2)
      end
      args[#args + 1] = a
    end
    _G.arg = args
    local chunk, err = loadfile(path)
    if not chunk then
      say_and_exit(io.stderr, string.format("Error: %s: cannot load the protocol: %s\n", script,
        err), 2)
    end
    return chunk(table.unpack(args))
  end
  return t
end

setmetatable(M, {__call = function(_, spec) return M.new(spec) end})
return M
