-- glass.progress: progress reports on stderr (phase, step, steps/s, ETA).
--
--   local pr = glass.progress{phase = "langevin T=1e-3", total = 20000, log = run}
--   pr:update(step)   -- cheap; prints at most every `every` seconds
--   pr:done()
--
-- On a terminal it redraws one bar line; otherwise (a pipe, a log, a batch
-- job) it prints a plain line every 10 s.  `quiet` silences stderr; the
-- run's log file still gets the periodic and final lines.
local M = {}

-- Wall clock in seconds with sub-second resolution.  Lua's os.clock() is CPU
-- time (summed over threads), os.time() has 1 s resolution; Linux's
-- /proc/uptime has 10 ms.  glass.clock, if the engine provides one, wins.
local uptime = io.open("/proc/uptime", "r")
if uptime then uptime:close() end
function M.clock()
  local g = package.loaded.glass
  if type(g) == "table" and type(g.clock) == "function" then return g.clock() end
  if uptime then
    local f = io.open("/proc/uptime", "r")
    if f then
      local t = f:read("n")
      f:close()
      if t then return t end
    end
  end
  return os.time() + 0.0
end

-- Is stderr a terminal (one that can redraw a line)?  Asked once.
local tty
local function is_tty()
  if tty == nil then
    local term = os.getenv("TERM")
    tty = term ~= nil and term ~= "dumb" and require("glass.fs").isatty(2)
  end
  return tty
end

-- "1h02m", "3m05s", "12.3s".
local function duration(s)
  if s ~= s or s == math.huge or s < 0 then return "?" end
  if s < 60 then return string.format("%.1fs", s) end
  if s < 3600 then return string.format("%dm%02ds", s // 60, math.floor(s % 60)) end
  return string.format("%dh%02dm", s // 3600, math.floor(s % 3600 / 60))
end
M.duration = duration

local Progress = {}
Progress.__index = Progress

-- opts: phase (text), total (the phase's last step), start (the step this
-- process starts at, default 0), first (the phase's first step, default
-- start: a resumed phase counts its percentage from there, its rate and ETA
-- from start), quiet, log (an object with :log_only(line)), every (seconds
-- between plain lines, default 10), unit ("steps").
function M.new(opts)
  local self = setmetatable({}, Progress)
  self.phase = opts.phase or ""
  self.total = opts.total or 0
  self.start = opts.start or 0
  self.first = math.min(opts.first or self.start, self.start)
  self.step = self.start
  self.quiet = opts.quiet
  self.sink = opts.log
  self.unit = opts.unit or "steps"
  self.every = opts.every or (is_tty() and 0.25 or 10)
  self.bar = not self.quiet and is_tty()
  self.t0 = M.clock()
  self.last = self.t0
  self.drawn = false
  return self
end

function Progress:rate()
  local dt = M.clock() - self.t0
  if dt <= 0 then return 0 end
  return (self.step - self.start) / dt
end

function Progress:line()
  local rate = self:rate()
  local left = self.total - self.step
  local eta = rate > 0 and left / rate or math.huge
  local frac = self.total > self.first and (self.step - self.first) / (self.total - self.first) or 1
  -- Counted within the phase, with the absolute step (the one a checkpoint or a stop
  -- names) beside it when the phase does not start at 0.  (The closing line counts this
  -- process's steps, for its rate: fewer than the phase's when it was resumed.)
  local at = self.first > 0
    and string.format(", %s %d", (self.unit:gsub("s$", "")), self.step) or ""
  return string.format("%s: %s %d/%d (%3.0f%%%s), %.3g %s/s, ETA %s", self.phase, self.unit,
    self.step - self.first, self.total - self.first, 100 * frac, at, rate, self.unit,
    duration(eta)), frac
end

function Progress:draw(force)
  local now = M.clock()
  if not force and now - self.last < self.every then return end
  self.last = now
  local text, frac = self:line()
  if self.bar then
    local width = 24
    local n = math.floor(frac * width + 0.5)
    io.stderr:write("\r\27[K[" .. string.rep("#", n) .. string.rep(".", width - n) .. "] " .. text)
    io.stderr:flush()
    self.drawn = true
    -- The log gets a plain line at most every 10 s.
    if self.sink and now - (self.logged or self.t0) >= 10 then
      self.logged = now
      self.sink:log_only(text)
    end
  else
    if not self.quiet then io.stderr:write(text .. "\n") end
    if self.sink then self.sink:log_only(text) end
  end
end

function Progress:update(step)
  self.step = step
  self:draw(false)
end

-- Final line: always written to the log, and to stderr unless quiet.
function Progress:done(step)
  if step then self.step = step end
  local dt = M.clock() - self.t0
  local n = self.step - self.start
  local text = string.format("%s: %d %s in %s", self.phase, n,
    n == 1 and (self.unit:gsub("s$", "")) or self.unit, duration(dt)) -- "1 step"
  -- A rate needs a measurable time (the clock ticks in 10 ms).
  if dt >= 0.05 then text = text .. string.format(" (%.3g %s/s)", n / dt, self.unit) end
  if self.bar and self.drawn then io.stderr:write("\r\27[K") end
  if not self.quiet then io.stderr:write(text .. "\n") end
  if self.sink then self.sink:log_only(text) end
  return dt
end

setmetatable(M, {__call = function(_, opts) return M.new(opts) end})
return M
