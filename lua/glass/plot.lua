-- glass.plot: figures through gnuplot, drawn like the paper's.
--
--   local fig = glass.plot.figure{
--     name = "overlap", title = "Q(t, t_w)", xlabel = "t", ylabel = "Q",
--     logx = true, key = "bottom left",
--     series = {
--       {file = "overlap.csv", x = "t", y = "Q", where = {T = 1e-3}, title = "T = 10^{-3}",
--        color = 0.2},                                   -- palette fraction or "#rrggbb"
--       {fn = "0.9", title = "Q = 0.9", dash = true},     -- a gnuplot expression in x
--     }}
--   fig:write(dir)    -- dir/overlap.gp (re-runnable: cd dir && gnuplot overlap.gp)
--   glass.plot.render(dir, "overlap")   -- -> true, or false and why
--
-- Data files are CSV with '#' comment lines and a header row, read by column
-- name; `where` selects the rows of one curve from a long table (relative
-- tolerance 1e-9, so a T written as 0.001 matches 1e-3).
--
-- gnuplot runs with its standard input from /dev/null: it would otherwise
-- read (and use up) the caller's, e.g. the lines of a shell loop
-- `... | while read T; do glassvm ...; done` or the REPL input after -i.
local fs = require "glass.fs"
local core = require "glass.core"

local M = {}

-- The keys a figure and a series take: a misspelt one (titel, logX,
-- colour) is an error, not a figure silently drawn without it.
local FIGURE_KEYS = {"name", "title", "xlabel", "ylabel", "logx", "logy", "logcb", "cblabel",
                     "key", "xrange", "yrange", "extra", "series"}
local SERIES_KEYS = {"file", "fn", "x", "y", "z", "where", "title", "color", "dash", "width",
                     "style", "pt", "ps", "yerr", "ylow", "yhigh", "band", "band_lo", "band_hi",
                     "ymul", "yfloor", "xadd", "xmul", "yclip"}

local function q(s) return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"' end

-- A number as gnuplot reads it (no integer division surprises: always a float).
local function gnum(x)
  local s = string.format("%.17g", x)
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end

-- The `using` clause of a file series.
local function using(s)
  local x = string.format("column(%s)", q(s.x))
  local y = string.format("column(%s)", q(s.y))
  local conds = {}
  local keys = {}
  for k in pairs(s.where or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = s.where[k]
    if type(v) == "table" then -- {min = a, max = b}: the rows with a <= column <= b
      if v.min then conds[#conds + 1] = string.format("column(%s) >= %s", q(k), gnum(v.min)) end
      if v.max then conds[#conds + 1] = string.format("column(%s) <= %s", q(k), gnum(v.max)) end
    elseif type(v) == "string" then -- a text column's cell (a status, a part name)
      conds[#conds + 1] = string.format("strcol(%s) eq %s", q(k), q(v))
    elseif v == 0 then
      conds[#conds + 1] = string.format("column(%s) == 0", q(k))
    else
      conds[#conds + 1] = string.format("abs(column(%s)/%s - 1) < 1e-9", q(k), gnum(v))
    end
  end
  if s.ymul then y = string.format("(%s*%s)", y, gnum(s.ymul)) end
  -- yfloor: values below it drawn at it (an exact 0 on a log axis would vanish)
  if s.yfloor then y = string.format("(%s < %s ? %s : %s)", y, gnum(s.yfloor), gnum(s.yfloor), y) end
  if s.xadd then x = string.format("(%s+%s)", x, gnum(s.xadd)) end
  if s.xmul then x = string.format("(%s*%s)", x, gnum(s.xmul)) end
  if #conds > 0 then
    y = string.format("((%s) ? %s : NaN)", table.concat(conds, " && "), y)
  end
  if s.band_lo then  -- a band between two columns (e.g. a bootstrap interval's ends)
    local function edge(c)
      local e = string.format("column(%s)", q(c))
      if s.ymul then e = string.format("(%s*%s)", e, gnum(s.ymul)) end
      if #conds > 0 then e = string.format("((%s) ? %s : NaN)", table.concat(conds, " && "), e) end
      return e
    end
    return string.format("(%s):(%s):(%s)", x, edge(s.band_lo), edge(s.band_hi))
  end
  if s.band then  -- a band y ± band (filledcurves between the two)
    local e = string.format("column(%s)", q(s.band))
    if s.ymul then e = string.format("(%s*%s)", e, gnum(s.ymul)) end
    return string.format("(%s):(%s-%s):(%s+%s)", x, y, e, y, e)
  end
  local u = "(" .. x .. "):(" .. y .. ")"
  if s.z then
    local z = string.format("column(%s)", q(s.z))
    u = u .. ":(" .. z .. ")"
  end
  if s.ylow and s.yhigh then  -- asymmetric error bars: columns of the low and high ends
    local function bar_end(c)
      local e = string.format("column(%s)", q(c))
      if not s.yclip then return e end
      -- An end beyond [a, b] (inf: an interval open beyond the data; 0 on a log
      -- axis) is drawn at a or b.
      return string.format("(%s > %s ? %s : %s < %s ? %s : %s)", e, gnum(s.yclip[2]),
        gnum(s.yclip[2]), e, gnum(s.yclip[1]), gnum(s.yclip[1]), e)
    end
    u = u .. string.format(":(%s):(%s)", bar_end(s.ylow), bar_end(s.yhigh))
  elseif s.yerr then
    local e = string.format("column(%s)", q(s.yerr))
    if s.ymul then e = string.format("(%s*%s)", e, gnum(s.ymul)) end
    u = u .. ":(" .. e .. ")"
  end
  return u
end

local function color(c)
  if type(c) == "number" then return string.format(" lc palette frac %.4f", c) end
  if type(c) == "string" then return " lc rgb " .. q(c) end
  return ""
end

local Figure = {}
Figure.__index = Figure

-- `series` must be a non-empty list of series tables.  A single series
-- not wrapped in a list, or an empty list, used to make a script that
-- plots nothing ("plot NaN"): gnuplot failed at the run's end, blaming the
-- data, while the run itself succeeded.  Refused here, at the caller's line.
local function check_series_list(name, list, level)
  local what = "glass.plot.figure " .. name .. ": "
  if type(list) ~= "table" then
    error(string.format("%sseries must be a list of series, series = {{file = \"q.csv\", "
      .. "x = \"t\", y = \"Q\"}, ...}; got %s", what, list == nil and "none" or type(list)), level)
  end
  if list[1] == nil then
    if next(list) ~= nil then
      error(what .. "series is one series, not a list of them: wrap it in braces, series = "
        .. "{{file = ..., x = ..., y = ...}} (a single report.tau_bars(...) too: series = "
        .. "{report.tau_bars(...)})", level)
    end
    error(what .. "series is empty: nothing to draw; give at least one series (report.bands "
      .. "returns the bands alone, and none with one replica: join it with the curves, "
      .. "glass.plot.join(report.bands(p, s, \"Q_sem\"), s))", level)
  end
  for i, sr in ipairs(list) do
    if type(sr) ~= "table" then
      error(string.format("%sseries %d is a %s, not a series table {file = ..., x = ..., y = ...}",
        what, i, type(sr)), level)
    end
    if sr[1] ~= nil then
      error(string.format("%sseries %d is itself a list of series: join the lists, series = "
        .. "glass.plot.join(a, b, ...)", what, i), level)
    end
    -- (A misspelt key first: `fiel` is better told as "did you mean 'file'?")
    core.check_options(sr, string.format("glass.plot.figure %s: series %d", name, i),
      SERIES_KEYS, level)
    if sr.file == nil and sr.fn == nil then
      error(string.format("%sseries %d has neither file = (a CSV's columns) nor fn = (an "
        .. "expression in x)", what, i), level)
    end
  end
end

function M.figure(spec, level)
  level = level or 2
  if type(spec) ~= "table" then error("glass.plot.figure: expected a table {name = ..., series = {...}}", level) end
  if not (type(spec.name) == "string" and spec.name:match("^[%w_%-]+$")) then
    error(string.format("glass.plot.figure: name must be a plain file name (letters, digits, _ "
      .. "and -; no folder, no extension), got %s", string.format("%q", tostring(spec.name))), level)
  end
  core.check_options(spec, "glass.plot.figure", FIGURE_KEYS, level)
  check_series_list(spec.name, spec.series, level + 1)
  for i, sr in ipairs(spec.series) do
    for k, v in pairs(type(sr.where) == "table" and sr.where or {}) do
      if not (type(v) == "number" or type(v) == "string" or type(v) == "table") then
        error(string.format("glass.plot.figure %s: series %d: where.%s must be a number, a text "
          .. "cell or {min =, max =}, got %s", spec.name, i, tostring(k), type(v)), level)
      end
    end
  end
  return setmetatable({spec = spec}, Figure)
end

-- The gnuplot script.  Output files are named in the script, relative to
-- its directory, so `cd dir && gnuplot name.gp` redraws both formats.
function Figure:script(term)
  local s = self.spec
  local L = {
    "# " .. (s.title or s.name) .. " (written by glassvm; re-plot: gnuplot " .. s.name .. ".gp)",
    'set datafile separator ","',
    'set datafile commentschars "#"',
    "set encoding utf8",
    "set termoption enhanced",
    "set grid lc rgb '#dddddd'",
    -- Blue (low) to red (high), as the paper's figures.
    "set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')",
    s.cblabel and "set colorbox" or "unset colorbox",
    "set key " .. (s.key or "top right") .. " box opaque font ',10' spacing 1.1",
  }
  if s.title then L[#L + 1] = "set title " .. q(s.title) end
  if s.xlabel then L[#L + 1] = "set xlabel " .. q(s.xlabel) end
  if s.ylabel then L[#L + 1] = "set ylabel " .. q(s.ylabel) end
  if s.logx then L[#L + 1] = "set logscale x"; L[#L + 1] = "set format x '10^{%L}'" end
  if s.logy then L[#L + 1] = "set logscale y"; L[#L + 1] = "set format y '10^{%L}'" end
  if s.cblabel then L[#L + 1] = "set cblabel " .. q(s.cblabel) end
  if s.logcb then L[#L + 1] = "set logscale cb"; L[#L + 1] = "set format cb '10^{%L}'" end
  local function range(axis, r)
    if r then
      L[#L + 1] = string.format("set %srange [%s:%s]", axis, r[1] and gnum(r[1]) or "*",
        r[2] and gnum(r[2]) or "*")
    end
  end
  range("x", s.xrange)
  range("y", s.yrange)
  for _, extra in ipairs(s.extra or {}) do L[#L + 1] = extra end
  local parts = {}
  for _, sr in ipairs(s.series) do
    local band = sr.band or sr.band_lo
    local style = sr.style or (sr.fn and "lines" or (band and "filledcurves"
      or ((sr.yerr or sr.ylow) and "yerrorlines" or "linespoints")))
    local title = sr.title and ("title " .. q(sr.title)) or "notitle"
    local deco = color(sr.color)
    if sr.dash then deco = deco .. " dt " .. (type(sr.dash) == "number" and sr.dash or 2) end
    if sr.width then deco = deco .. " lw " .. sr.width end
    if sr.z then deco = deco .. " lc palette z" end
    if band then deco = deco .. " fs transparent solid 0.2 noborder" end
    if style:find("points") then deco = deco .. " pt " .. (sr.pt or 7) .. " ps " .. (sr.ps or 0.6) end
    if sr.fn then
      parts[#parts + 1] = string.format("%s with %s%s %s", sr.fn, style, deco, title)
    else
      parts[#parts + 1] = string.format("%s using %s with %s%s %s", q(sr.file), using(sr), style,
        deco, title)
    end
  end
  local plot = "plot " .. table.concat(parts, ", \\\n     ")
  L[#L + 1] = ""
  -- glassvm draws into NAME.png.tmp (suffix=".tmp") and renames, so that a
  -- half-drawn picture never stands under the final name.
  L[#L + 1] = 'if (!exists("suffix")) suffix = ""'
  -- A key outside the axes gets its own room: the plot keeps its 900 pixels.
  local width = (s.key or ""):find("outside", 1, true) and 1200 or 900
  if s.logcb then
    -- A log colour bar labels powers of ten only: over less than a decade
    -- of data it would show no number at all.  Measure the range first (a
    -- plot into a table draws nothing); with fewer than two powers of ten
    -- in it, the colour bar is linear with plain numbers.
    L[#L + 1] = "set table $range"
    L[#L + 1] = plot
    L[#L + 1] = "unset table"
    L[#L + 1] = "if (floor(log10(GPVAL_CB_MAX)) - ceil(log10(GPVAL_CB_MIN)) < 1) "
      .. "{ unset logscale cb; set format cb '%g' }"
    plot = "replot"
  end
  L[#L + 1] = string.format("set terminal %s size %d,640 font ',12'", term or "pngcairo", width)
  L[#L + 1] = string.format("set output %q.suffix", s.name .. ".png")
  L[#L + 1] = plot
  L[#L + 1] = string.format("set terminal svg size %d,640 dynamic font ',12'", width)
  L[#L + 1] = string.format("set output %q.suffix", s.name .. ".svg")
  L[#L + 1] = "replot"
  L[#L + 1] = "unset output"
  return table.concat(L, "\n") .. "\n"
end

-- The first problem of a figure's data in dir: a series reading a CSV that
-- is not there, or a column its header does not have; nil when there is
-- none.  A missing file counts only with `all` (run:plot calls this before
-- the protocol may have written it; run:finish with all = true).
function M.data_problem(dir, spec, all)
  local heads = {}
  for i, sr in ipairs(spec.series or {}) do
    if sr.file then
      local cols = heads[sr.file]
      if cols == nil then
        cols = false
        local f = io.open(dir .. "/" .. sr.file)
        if f then
          for line in f:lines() do
            if line:sub(1, 1) ~= "#" then
              cols = {}
              for c in (line .. ","):gmatch("([^,]*),") do cols[c] = true end
              break
            end
          end
          f:close()
        end
        heads[sr.file] = cols
      end
      if not cols then
        if all then
          return string.format("series %d reads %s, which the run did not write", i, sr.file)
        end
      else
        local want = {}
        for _, k in ipairs{"x", "y", "z", "yerr", "ylow", "yhigh", "band", "band_lo", "band_hi"} do
          if sr[k] ~= nil then want[#want + 1] = sr[k] end
        end
        for k in pairs(sr.where or {}) do want[#want + 1] = k end
        for _, c in ipairs(want) do
          if not cols[c] then
            local have = {}
            for k in pairs(cols) do have[#have + 1] = k end
            table.sort(have)
            return string.format("series %d reads column '%s', which %s does not have (its "
              .. "columns: %s)", i, tostring(c), sr.file, table.concat(have, ", "))
          end
        end
      end
    end
  end
end

-- Which PNG terminal this gnuplot has: pngcairo, else the libgd png, else nil.
local png_term_cache
local function png_term()
  if png_term_cache == nil then
    png_term_cache = false
    local h = io.popen("gnuplot -e 'set terminal' </dev/null 2>&1", "r")
    if h then
      local out = h:read("a") or ""
      h:close()
      if out:find("pngcairo") then png_term_cache = "pngcairo"
      elseif out:find("%f[%w]png%f[^%w]") then png_term_cache = "png" end
    end
  end
  return png_term_cache or nil
end

-- Is gnuplot installed?
function M.available()
  return os.execute("command -v gnuplot </dev/null >/dev/null 2>&1") == true
end

local shell_quote = fs.shell_quote

function Figure:write(dir)
  local path = dir .. "/" .. self.spec.name .. ".gp"
  fs.write_file(path, self:script(png_term() or "pngcairo"))
  return path
end

-- Does the image at path end as a whole file of its kind (ext ".png": the IEND chunk,
-- with its CRC; ".svg": the closing </svg> tag, then only white space)?
local function whole_image(path, ext)
  local f = io.open(path, "rb")
  if not f then return false end
  local size = f:seek("end")
  f:seek("set", math.max(0, size - 64))
  local tail = f:read("a") or ""
  f:close()
  if ext == ".png" then return tail:sub(-8) == "IEND\xAE\x42\x60\x82" end
  return tail:find("</svg>%s*$") ~= nil
end

-- Run dir/name.gp; gnuplot's messages go to dir/gnuplot.log.
function M.render(dir, name)
  if not M.available() then
    return false, "gnuplot is not installed (apt-get install gnuplot-nox)"
  end
  local cmd = string.format("cd %s && gnuplot -e \"suffix='.tmp'\" %s </dev/null >>gnuplot.log 2>&1",
    shell_quote(dir), shell_quote(name .. ".gp"))
  -- A signal while gnuplot draws is raised as it returns: its temporary files go
  -- first, so that an interrupted run leaves no *.png.tmp beside its results.
  local ok, res = pcall(function() local r = os.execute(cmd); return r end)
  if not ok then
    for _, ext in ipairs{".png", ".svg"} do os.remove(dir .. "/" .. name .. ext .. ".tmp") end
    error(res, 0)
  end
  local drawn = res == true
  -- gnuplot exits 0 when its output was cut short (a full disk, a file size limit): look
  -- at the files' ends (a PNG's IEND chunk, an SVG's closing tag).
  local empty = {}
  for _, ext in ipairs(drawn and {".png", ".svg"} or {}) do
    if not whole_image(dir .. "/" .. name .. ext .. ".tmp", ext) then empty[#empty + 1] = name .. ext end
  end
  drawn = drawn and #empty == 0
  for _, ext in ipairs{".png", ".svg"} do
    local final = dir .. "/" .. name .. ext
    if drawn then drawn = os.rename(final .. ".tmp", final) and true or false
    else os.remove(final .. ".tmp") end
  end
  if #empty > 0 then
    return false, string.format("gnuplot left %s empty, cut short or missing (a full disk?)",
      table.concat(empty, " and "))
  end
  if not drawn then
    -- gnuplot's last message says why (e.g. "x range is invalid": no finite point).
    local why = ""
    local f = io.open(dir .. "/gnuplot.log", "r")
    if f then
      for line in f:lines() do if line:find("%S") then why = line end end
      f:close()
    end
    return false, string.format("gnuplot could not draw %s.gp: %s (no finite data to plot?); "
      .. "see %s/gnuplot.log", name, why, dir)
  end
  return true
end

-- n distinct palette fractions, for one curve per T or t_w.  n is a count
-- of curves: a whole number from 0 to MAX_COLORS (a larger one is a bug in
-- the caller, not a figure anyone can read).
M.MAX_COLORS = 100000
function M.colors(n)
  if type(n) ~= "number" or not (n >= 0 and n <= M.MAX_COLORS) or n ~= math.floor(n) then
    error(string.format("glass.plot.colors: n must be a whole number of curves from 0 to %d, not %s",
      M.MAX_COLORS, tostring(n)), 2)
  end
  local c = {}
  for i = 1, n do c[i] = n == 1 and 0 or (i - 1) / (n - 1) end
  return c
end

-- One series per value of a column, coloured by rank (the largest value
-- red, the smallest blue; reverse = true swaps):
--   glass.plot.curves{file = "overlap.csv", x = "t", y = "Q", by = "T", values = p.T,
--                     label = "T = %s"}   (label: a format for glass.plot.label(value))
-- Extra fields (style, yerr, dash, ...) are copied into every series.
function M.curves(spec)
  if type(spec) ~= "table" then
    error("glass.plot.curves{by = COLUMN, values = {...}, ...}: got a " .. type(spec), 2)
  end
  -- Unknown keys first: a misspelt values= is named as such, not as missing.
  local keys = {"by", "values", "label", "reverse"}
  for _, k in ipairs(SERIES_KEYS) do keys[#keys + 1] = k end
  core.check_options(spec, "glass.plot.curves", keys, 2)
  if type(spec.values) ~= "table" or type(spec.by) ~= "string" then
    error("glass.plot.curves: by = COLUMN and values = {...} (the values of that column, one "
      .. "curve each) are required", 2)
  end
  local n = #spec.values
  local order = {}
  for i = 1, n do order[i] = i end
  table.sort(order, function(a, b) return spec.values[a] < spec.values[b] end)
  local rank = {}
  for r, i in ipairs(order) do rank[i] = r end
  local out = {}
  for i, v in ipairs(spec.values) do
    local s = {}
    for k, x in pairs(spec) do
      if k ~= "by" and k ~= "values" and k ~= "label" and k ~= "reverse" then s[k] = x end
    end
    s.where = {[spec.by] = v} -- and the spec's own where, if any
    for k, x in pairs(spec.where or {}) do s.where[k] = x end
    local c = n == 1 and 0 or (rank[i] - 1) / (n - 1)
    s.color = spec.reverse and 1 - c or c
    s.title = string.format(spec.label or (spec.by .. " = %s"), M.label(v))
    out[i] = s
  end
  return out
end

-- Bands y ± column `err` (e.g. "Q_sem") under each file series of `list`,
-- in the same colours and untitled: glass.plot.join(glass.plot.bands(qs, "Q_sem"), qs).
function M.bands(list, err)
  local out = {}
  for _, sr in ipairs(list) do
    if sr.file then
      local b = {}
      for k, v in pairs(sr) do b[k] = v end
      b.band, b.title, b.style, b.yerr, b.dash = err, nil, nil, nil, nil
      out[#out + 1] = b
    end
  end
  return out
end

-- Bands between columns y_lo and y_hi (a bootstrap interval: "chi4_within"
-- -> "chi4_within_lo", "chi4_within_hi") under each file series of `list`,
-- in the same colours and untitled.
function M.interval_bands(list)
  local out = {}
  for _, sr in ipairs(list) do
    if sr.file then
      local b = {}
      for k, v in pairs(sr) do b[k] = v end
      b.band_lo, b.band_hi = sr.y .. "_lo", sr.y .. "_hi"
      b.title, b.style, b.yerr, b.dash = nil, nil, nil, nil
      out[#out + 1] = b
    end
  end
  return out
end

-- Concatenate series lists (and single series) into one list.
function M.join(...)
  local out = {}
  for _, x in ipairs({...}) do
    if x[1] then for _, s in ipairs(x) do out[#out + 1] = s end
    elseif next(x) then out[#out + 1] = x end  -- an empty list adds nothing
  end
  return out
end

-- A number as a short label: 1e-06 -> "10^{-6}", 0.003 -> "3·10^{-3}", 20000 -> "2·10^{4}".
function M.label(x)
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
    error("glass.plot.label(x): x must be a finite number, got " .. (type(x) == "number"
      and tostring(x) or type(x)), 2)
  end
  if x == 0 then return "0" end
  local e = math.floor(math.log(math.abs(x), 10) + 1e-9)
  local m = x / 10 ^ e
  if e >= -1 and e <= 3 then return string.format("%g", x) end
  if math.abs(m - 1) < 1e-6 then return string.format("10^{%d}", e) end
  return string.format("%g·10^{%d}", tonumber(string.format("%.3g", m)), e)
end

return M
