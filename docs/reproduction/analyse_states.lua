-- analyse_states.lua: the state right after every quench ("phases measured, not inferred").
-- For each experiment docs/reproduction/run.sh names, in its order, whose folder holds a
-- state.csv: the first row (the networks after the quench: t = -t_w; ageing's t = 0 is the
-- same step), n networks, data loss ± its standard error over them, accuracy, unsatisfied
-- fraction (y f < 1). The first edition's runs predate state.csv; quench_state/* repeats
-- their quenches. Loaded by analyse.lua, which passes its helpers; not run alone.
local H = ...
local say, quote, txt, dir, read_csv = H.say, H.quote, H.txt, H.dir, H.read_csv

-- x to `sig` significant digits, keeping trailing zeros (0.0500, not 0.05) where txt would
-- write it plainly (10^-3 <= |x| < 10^3); a·10ⁿ beyond.
local function fix(x, sig)
  local a = math.abs(x)
  if a >= 1e-3 and a < 1e3 then return (string.format("%#." .. sig .. "g", x):gsub("%.$", "")) end
  return txt(x, nil, sig)
end

-- The experiment names of run.sh's list (its `experiments` here-document: name|protocol|options).
local function names()
  local f = assert(io.open(H.here .. "/run.sh"))
  local out, inside = {}, false
  for line in f:lines() do
    if line:match("^experiments%(%) {") then inside = true
    elseif inside and line == "EOF" then break
    elseif inside and line:match("^[%w_/%-]+|") then out[#out + 1] = line:match("^([^|]+)|") end
  end
  f:close()
  return out
end

return function()
  say("\n## the state after every quench (first row of each state.csv; mean ± s.e. over n networks)")
  for _, name in ipairs(names()) do
    local st = read_csv(dir .. "/" .. name .. "/state.csv")
    local r = st and st[1]
    if r then
      local loss = fix(r.data_loss, 3) .. " ± " .. fix(r.data_loss_sem, 2)
      say("%-48s n = %-2d data loss %-22s accuracy %.3f unsatisfied %.3f", name, r.n, loss,
          r.accuracy, r.unsat)
      quote("qs." .. name .. ".n", tostring(math.tointeger(r.n) or r.n))
      quote("qs." .. name .. ".loss", loss)
      quote("qs." .. name .. ".acc", txt(r.accuracy, "%.3f"))
      quote("qs." .. name .. ".unsat", txt(r.unsat, "%.3f"))
    end
  end
end
