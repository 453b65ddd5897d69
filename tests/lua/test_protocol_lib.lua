-- The protocol library: parameters and the command line, params.lua,
-- plots, run directories, chunked driving.  No engine work is needed here;
-- tests/sh/test_protocols.sh runs the protocols themselves.
local T = dofile("testlib.lua")

local function decl()
  return glass.params{
    name = "toy", description = "a toy protocol",
    {"T", 1e-6, "temperature", min = 0},
    {"tw", {1000, 4000}, "waiting times"},
    {"temps", {1e-3, 1e-4}, "temperatures"},
    {"replicas", 8, "replicas", min = 1},
    {"batch_size", 100, "batch"},
    {"method", "first", "tau method", choices = {"first", "interp"}},
    {"polish", true, "polish with GD"},
    presets = {paper = {tw = {20000, 50000}, replicas = 50}, smoke = {replicas = 2, T = 1e-3}},
  }
end

local function parse(P, args)
  local ok, v = P:try_parse(args)
  if not ok then error(v, 0) end
  return v
end

T.test("types are inferred from the defaults", function()
  local P = decl()
  T.eq(P.byname.T.type, "number")
  T.eq(P.byname.tw.type, "integers")
  T.eq(P.byname.temps.type, "numbers")
  T.eq(P.byname.replicas.type, "integer")
  T.eq(P.byname.method.type, "string")
  T.eq(P.byname.polish.type, "boolean")
  T.eq(P.byname.seed.type, "integer")   -- common options come too
end)

T.test("defaults, --name=value and --name value", function()
  local P = decl()
  local v = parse(P, {})
  T.eq(v.T, 1e-6); T.eq(v.replicas, 8); T.eq(v.seed, 1); T.eq(v.quiet, false)
  v = parse(P, {"--T=2e-3", "--replicas", "3", "--tw=5,6,7", "--batch-size=10", "--quiet"})
  T.eq(v.T, 2e-3); T.eq(v.replicas, 3); T.eq(math.type(v.replicas), "integer")
  T.eq(#v.tw, 3); T.eq(v.tw[3], 7); T.eq(v.batch_size, 10); T.eq(v.quiet, true)
  v = parse(P, {"--polish=false", "--replicas=1e1", "--temps", "1e-2, 1e-3"})
  T.eq(v.polish, false); T.eq(v.replicas, 10); T.eq(v.temps[2], 1e-3)
end)

T.test("presets sit between defaults and explicit options", function()
  local P = decl()
  local v = parse(P, {"--preset=paper"})
  T.eq(v.replicas, 50); T.eq(v.tw[2], 50000); T.eq(v.T, 1e-6)
  v = parse(P, {"--replicas=4", "--preset", "paper"})   -- order does not matter
  T.eq(v.replicas, 4); T.eq(v.tw[1], 20000)
end)

T.test("bad values and unknown options are clear errors", function()
  local P = decl()
  T.raises(function() parse(P, {"--T=abc"}) end, "--T", "not a number")
  T.raises(function() parse(P, {"--T=-1"}) end, "--T", ">= 0")
  T.raises(function() parse(P, {"--replicas=2.5"}) end, "--replicas", "not an integer")
  T.raises(function() parse(P, {"--tw=1,x"}) end, "--tw", "item 2")
  T.raises(function() parse(P, {"--method=best"}) end, "--method", "first, interp")
  T.raises(function() parse(P, {"--polish=maybe"}) end, "--polish", "true or false")
  T.raises(function() parse(P, {"--replica=3"}) end, "unknown option '--replica'", "--replicas")
  T.raises(function() parse(P, {"--bogus=3"}) end, "unknown option '--bogus'", "--help")
  T.raises(function() parse(P, {"--preset=huge"}) end, "unknown preset", "paper, smoke")
  -- The dashes forgotten; a value that only looks like an option is one.
  T.raises(function() parse(P, {"T=1e-3"}) end, "'T=1e-3': options start with --: give --T=1e-3")
  T.raises(function() parse(P, {"--polish", "replicas=3"}) end, "give --replicas=3")
  T.eq(parse(P, {"--out", "T=1e-3"}).out, "T=1e-3")
end)

T.test("an empty list item is refused, naming its position; blanks after a comma are not", function()
  local P = decl()
  T.raises(function() parse(P, {"--temps=1e-3,,1e-4"}) end, "--temps: item 2 is empty",
    '"1e-3,,1e-4"')
  T.raises(function() parse(P, {"--tw=5,20,"}) end, "--tw: item 3 is empty")
  T.raises(function() parse(P, {"--tw=,5"}) end, "--tw: item 1 is empty")
  T.raises(function() parse(P, {"--tw=,"}) end, "--tw: item 1 is empty")
  T.raises(function() parse(P, {"--tw= "}) end, "--tw: expected a comma-separated list")
  T.eq(table.concat(parse(P, {"--tw= 5 , 20"}).tw, ","), "5,20")
  -- Lists from a preset or --params are tables, not text: no commas to miscount.
  T.eq(glass.params.convert(P.byname.tw, {5, 20})[2], 20)
end)

T.test("a stray argument is named, with how options are written", function()
  local P = decl()
  T.raises(function() parse(P, {"--T", "1e-4", "extra"}) end,
    "unexpected argument 'extra': options start with --")
  T.raises(function() parse(P, {"extra"}) end, "unexpected argument 'extra'")
  T.raises(function() parse(P, {"--quiet=true", "extra"}) end, "unexpected argument 'extra'")
  T.raises(function() parse(P, {"--", "--T=1"}) end, "unexpected argument '--T=1'")
  -- A list the shell split at its blank: quote it.
  T.raises(function() parse(P, {"--tw=5,", "20"}) end, "unexpected argument '20'",
    "quote a list with blanks in it: '--tw=5, 20'")
  -- An unknown option comes first, as argparse names it.
  T.raises(function() parse(P, {"--bogus", "3"}) end, "unknown option '--bogus'")
  -- The value of an option, or a boolean's true/false, is no stray.
  T.eq(parse(P, {"--out", "extra"}).out, "extra")
  T.eq(parse(P, {"--polish", "false", "--T", "2"}).polish, false)
end)

T.test("one rule suggests an option: at most 2 edits, case aside, fewer than the typed letters, or the start of one name", function()
  local P = glass.params{name = "x", {"T", 1e-4, "Langevin temperature", min = 0},
                         {"P", 100, "training rows"}, {"depth", 6, "hidden layers"}}
  local function says(args)
    local ok, why = P:try_parse(args)
    T.ok(not ok)
    return why:match("\n(Did you mean[^\n]*)") or "no suggestion"
  end
  T.eq(says{"--t=1"}, "Did you mean '--T'?")                        -- case aside
  T.eq(says{"--dpeth=3"}, "Did you mean '--depth'?")                -- two letters swapped
  T.eq(says{"--temp=1"}, "Did you mean '--T' (Langevin temperature)?") -- a help word's start
  -- Without --T, --T is not "--P": one edit is as many as the letters typed.
  local Q = glass.params{name = "q", {"P", 100, "training rows"}}
  local ok, why = Q:try_parse({"--T=1e-4"})
  T.ok(not ok and why:find("unknown option '--T'", 1, true) and not why:find("Did you mean"), why)
  T.eq(glass.params.closest("T", {P = true}), nil)
  T.eq(glass.params.closest("xy", {ab = true, x = true}), "x")
  T.eq(glass.params.closest("xy", {ab = true}), nil)
  T.eq(glass.params.closest("Tx", {T = true}), "T")
  T.eq(glass.params.closest("tmep", {temp = true, tw = true}), "temp")
  -- A name cut short: the start (3 letters or more) of one name, before a 2-edit match.
  T.eq(glass.params.closest("rep", {replicas = true, P = true}), "replicas")
  T.eq(glass.params.closest("drift", {drift_check = true, drift_tws = true}), nil) -- two starts
  T.eq(glass.params.closest("re", {replicas = true}), nil)                        -- too short
  T.eq(glass.params.closest("deptj", {depth = true, dep = true}), "depth")       -- 1 edit first
  -- The engine's option tables by the same rule.
  T.raises(function() glass.ensemble{landscape = glass.landscape.flat{N = 2, P = 1}, rep = 2} end,
    "unknown option 'rep' (did you mean 'replicas'?)")
end)

T.test("exclusive bounds: gt = 0 refuses 0 (--lr, --chi)", function()
  local P = glass.params{name = "x", {"lr", 1e-3, "rate", gt = 0}, {"chis", {1.0, 2.0}, "chis", gt = 0},
                         {"f", 0.5, "fraction", gt = 0, lt = 1}}
  T.raises(function() parse(P, {"--lr=0"}) end, "--lr: must be > 0", '"0"')
  T.raises(function() parse(P, {"--lr=-1e-3"}) end, "--lr: must be > 0")
  T.raises(function() parse(P, {"--chis=1,0"}) end, "--chis: item 2, 0, must be > 0")
  T.raises(function() parse(P, {"--f=1"}) end, "--f: must be < 1")
  T.eq(parse(P, {"--lr=1e-9"}).lr, 1e-9)
  T.ok(P:help():find("number > 0, default 0.001", 1, true), P:help())
  -- The shared network parameters: lr must be positive.
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params()))
  T.raises(function() parse(N, {"--lr=0"}) end, "--lr: must be > 0 (got \"0\")")
end)

T.test("booleans take only true/false", function()
  local P = decl()
  T.raises(function() parse(P, {"--quiet=maybe"}) end, "--quiet", "true or false", "maybe")
  T.raises(function() parse(P, {"--polish", "maybe"}) end, "--polish", "maybe")
  T.eq(parse(P, {"--quiet=false"}).quiet, false)
end)

T.test("an option given twice is refused, naming it (not: the last one counts)", function()
  local P = decl()
  local msg = T.raises(function() parse(P, {"--T=1", "--T=2"}) end,
    "--T is given 2 times (--T=1 --T=2): give it once")
  T.ok(not msg:find("list", 1, true), msg)                  -- --T takes one number
  -- A list option: the values belong in one list.
  T.raises(function() parse(P, {"--temps=1e-3", "--replicas=2", "--temps", "1e-4"}) end,
    "--temps is given 2 times", "give one list, --temps=1e-3,1e-4")
  -- Flags, both forms of a value and the dash alias are the same option.
  T.raises(function() parse(P, {"--quiet", "--quiet"}) end, "--quiet is given 2 times")
  T.raises(function() parse(P, {"--quiet=false", "--quiet"}) end,
    "--quiet is given 2 times (--quiet=false --quiet)")
  T.raises(function() parse(P, {"--batch-size=10", "--batch_size", "20"}) end,
    "--batch_size is given 2 times (--batch_size=10 --batch_size=20)")
  T.raises(function() parse(P, {"--preset=smoke", "--preset=paper"}) end, "--preset is given 2")
  T.raises(function() parse(P, {"--T=abc", "--T=2"}) end, "--T is given 2 times")
end)

T.test("a batch larger than P is refused, naming --batch and P", function()
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params{P = 5000}))
  T.raises(function() parse(N, {"--batch=1000", "--P=100"}) end, "--batch", "P = 100")
  T.raises(function() parse(N, {"--batch=70000", "--P=0"}) end, "--batch", "P = 60000")
  T.eq(parse(N, {"--batch=100", "--P=100"}).batch, 100)
  -- At run time too (a dataset smaller than --P says): no silent zero-step quench.
  local data = {size = function() return 50, 10 end}
  T.raises(function() glass.lab.epoch_steps({batch = 100}, data) end, "--batch", "P = 50")
  T.eq(glass.lab.epoch_steps({batch = 20}, data), 2)
end)

T.test("lr*lambda >= 1 is refused, naming the rate and the bound", function()
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params{P = 5000}))
  T.raises(function() parse(N, {"--lr=100", "--lambda=0.01"}) end,
    "--lr=100 with lambda 0.01: lr*lambda = 1 >= 1", "use --lr below 1/lambda = 100")
  T.raises(function() parse(N, {"--quench_lr=300"}) end, "--quench_lr=300", "1 - lr*lambda = -2")
  T.eq(parse(N, {"--lr=99", "--lambda=0.01"}).lr, 99)
  T.eq(parse(N, {"--lr=1e6", "--lambda=0"}).lr, 1e6) -- no L2 term: nothing to overshoot
  -- A scan's list of lambdas: each is checked.
  local S = glass.params(glass.lab.extend({name = "s", {"lambdas", {0.0, 0.1}, "L2 strengths"}},
    glass.lab.network_params{P = 5000}))
  T.raises(function() parse(S, {"--lr=2", "--lambdas=0,0.5"}) end, "with lambda 0.5")
end)

T.test("a changed default keeps its parameter's type (uot_scan's lambda = 0)", function()
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params{lambda = 0}))
  T.eq(parse(N, {"--lambda=0.01"}).lambda, 0.01)
  T.eq(math.type(parse(N, {}).lambda), "float")
end)

T.test("cross-parameter checks run after parsing", function()
  local P = glass.params{name = "x", {"lo", 0.0, "low"}, {"hi", 1.0, "high"},
    {check = function(p) if p.lo >= p.hi then return "--lo must be below --hi" end end}}
  T.raises(function() parse(P, {"--lo=2"}) end, "--lo must be below --hi")
  T.eq(parse(P, {"--lo=0.5"}).lo, 0.5)
  T.raises(function() glass.params{name = "x", {check = 3}} end, "check = must be a function")
  -- A check sees where each value came from: what the user typed, not a preset's.
  local seen
  local S = glass.params{name = "s", {"k", 4, "copies"}, presets = {small = {k = 2}},
    {check = function(_, source) seen = source.k end}}
  parse(S, {}); T.eq(seen, "default")
  parse(S, {"--preset=small"}); T.eq(seen, "preset small")
  parse(S, {"--preset=small", "--k=3"}); T.eq(seen, "command line")
end)

T.test("--help lists the choices", function()
  local h = decl():help()
  T.ok(h:find("one of first, interp", 1, true), h)
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params()))
  T.ok(N:help():find("one of mnist, fashion", 1, true))
  -- A common option with choices shows them too; an empty default is none.
  h = N:help()
  T.ok(h:find("one of cpu, cuda, ref; default cpu", 1, true), h)  -- --device
  T.ok(h:find("(string, no default)", 1, true), h)                -- --from
  T.ok(not h:find("default )", 1, true), h)
end)

T.test("checkpoint options are run control: not saved, not compared", function()
  local P = decl()
  local v = parse(P, {"--checkpoint_minutes=0.5", "--checkpoint-every=100"})
  T.eq(v.checkpoint_minutes, 0.5); T.eq(v.checkpoint_every, 100)
  local text = P:file_text(v, {version = "x", protocol = "/p.lua"})
  T.ok(not text:find("checkpoint"), text)
  T.ok(not P:summary(v):find("checkpoint"))
  -- params.lua depends on the values alone (no date, no output directory).
  T.eq(text, P:file_text(parse(P, {}), {version = "x", protocol = "/p.lua"}))
  T.raises(function() parse(P, {"--checkpoint_every=-1"}) end, "--checkpoint_every", ">= 0")
end)

T.test("declaration errors are caught when the protocol is loaded", function()
  T.raises(function() glass.params{name = "x", {"a", 1, "a"}, presets = {p = {b = 2}}} end,
    "preset p sets unknown parameter b")
  T.raises(function() glass.params{name = "x", {"a", 1, "a"}, presets = {p = {a = "z"}}} end,
    "preset p", "--a")
  T.raises(function() glass.params{name = "x", {"a", 1}} end, "help text")
  T.raises(function() glass.params{name = "x", {"a", nil, "a"}} end, "type")
  -- A misspelt field would leave a range unchecked: refused, with the field it meant.
  T.raises(function() glass.params{name = "x", {"T", 1e-4, "temp", minn = 0}} end,
    "unknown field minn", "did you mean min?", "test_protocol_lib.lua:")
  T.raises(function() glass.params{name = "x", {"a", 1}} end, "help text", "test_protocol_lib.lua:")
  T.raises(function() glass.params{name = "x", {"a", 1, "a", type = "nmber"}} end,
    "type = nmber is not a type (did you mean number?)", "test_protocol_lib.lua:")
  T.raises(function() glass.params{name = "x", {"a", 1, "a", increasing = true}} end,
    "lists only")
  T.raises(function() glass.params{name = "x", presest = {}} end, "unknown field presest",
    "did you mean presets?")
  -- Presets are checked against increasing too.
  T.raises(function()
    glass.params{name = "x", {"tw", {1, 2}, "tw", increasing = true}, presets = {p = {tw = {2, 1}}}}
  end, "preset p", "must increase")
end)

T.test("an absent option says why; too large integers and a NaN from a file are named", function()
  local P = glass.params{name = "scan", {"lambdas", {0, 0.01}, "L2 strengths"},
                         {"replicas", 2, "replicas", min = 1},
                         {"tw", {1, 2}, "waiting times"},
                         absent = {T = "it trains at T = 0"}}
  local ok, msg = P:try_parse({"--T=1e-5"})
  T.eq(ok, false)
  T.ok(msg:find("unknown option '--T'\nscan has no --T: it trains at T = 0\n", 1, true), msg)
  -- A parameters file that sets it: the same reason.
  local file = os.tmpname()
  local function with_file(text)
    local f = assert(io.open(file, "w")); f:write(text); f:close()
    return select(2, P:try_parse({"--params=" .. file}))
  end
  T.ok(with_file("return {T = 1e-5}"):find("unknown parameter T for protocol scan (scan has no "
    .. "T: it trains at T = 0)", 1, true))
  -- 0/0 prints as "-nan" in C; the message says nan.
  T.ok(with_file("return {replicas = 0/0}"):find('--replicas: not a number (nan) (got "nan")', 1,
    true))
  T.ok(with_file("return {tw = {1, 0/0}}"):find('--tw: item 2 "nan" is not a number (nan)', 1, true))
  os.remove(file)
  T.raises(function() parse(P, {"--replicas=1e30"}) end,
    '--replicas: too large for an integer (|n| < 2^63) (got "1e30")')
  T.raises(function() parse(P, {"--replicas=99999999999999999999"}) end, "too large for an integer")
  T.raises(function() parse(P, {"--tw=1,1e19"}) end, "item 2", "too large for an integer")
  T.raises(function() parse(P, {"--replicas=2.5"}) end, "--replicas: not an integer")
  T.eq(parse(P, {"--replicas=9007199254740992"}).replicas, 9007199254740992)
  -- Declared wrong: a name both declared and absent, or a reason that is not text.
  T.raises(function() glass.params{name = "x", {"T", 1.0, "t"}, absent = {T = "no"}} end,
    "T is declared and absent")
  T.raises(function() glass.params{name = "x", absent = {T = true}} end, "absent = {name =")
end)

T.test("numbers are finite, lists in order and without repeats where declared", function()
  local P = glass.params{name = "x", {"T", 1e-4, "Langevin temperature", min = 0},
                         {"tw", {1, 2}, "waiting times", min = 0, increasing = true},
                         {"Ts", {1e-3, 1e-4}, "temperatures", min = 0, distinct = true}}
  T.raises(function() parse(P, {"--T=1e400"}) end, "--T: not a finite number")
  T.raises(function() parse(P, {"--T=-1e400"}) end, "--T: not a finite number")
  T.raises(function() parse(P, {"--T=inf"}) end, "--T: not a finite number")
  T.raises(function() parse(P, {"--T=-Infinity"}) end, "--T: not a finite number")
  T.raises(function() parse(P, {"--T=NaN"}) end, "--T: not a number (nan)")
  T.raises(function() parse(P, {"--T=inf"}) end, "--T")
  T.raises(function() parse(P, {"--T=1e-400"}) end, "--T: too small for a double", "write 0")
  T.eq(parse(P, {"--T=0"}).T, 0.0)
  T.eq(parse(P, {"--T=0.0e5"}).T, 0.0)
  T.eq(parse(P, {"--T=4.9e-324"}).T, 4.9e-324) -- the smallest subnormal is a number
  T.raises(function() parse(P, {"--Ts=1e-3,1e400"}) end, "item 2", "not a finite number")
  T.raises(function() parse(P, {"--tw=20,5"}) end, "--tw: must increase", "item 2, 5, follows 20")
  T.raises(function() parse(P, {"--tw=5,5"}) end, "--tw: must increase")
  T.eq(#parse(P, {"--tw=5,20,100"}).tw, 3)
  T.raises(function() parse(P, {"--Ts=1e-3,1e-4,1e-3"}) end, "item 3, 0.001, repeats item 1")
  T.eq(parse(P, {"--Ts=1e-4,1e-3"}).Ts[2], 1e-3) -- distinct, any order
  T.raises(function() parse(P, {"--Ts=1e-3,-1"}) end, "--Ts: item 2, -1, must be >= 0")
  -- --help states the ranges and the order.
  local h = P:help()
  T.ok(h:find("(number >= 0, default 0.0001)", 1, true), h)
  T.ok(h:find("integers >= 0, increasing", 1, true), h)
  T.ok(h:find("integer 0 to ", 1, true), h) -- --threads
  -- A word of the help text finds the option whose name it is not.
  T.raises(function() parse(P, {"--temperature=1"}) end, "Did you mean '--T' (Langevin temperature)?")
  T.raises(function() parse(P, {"--temprature=1"}) end, "Did you mean '--T'")
end)

T.test("--help lists parameters, defaults and presets", function()
  local P = decl()
  local ok, why = P:try_parse({"--help"})
  T.ok(not ok and why == "help")
  local h = P:help()
  for _, s in ipairs({"--T", "temperature", "default 1e-06", "--tw", "1000,4000", "--batch-size",
                      "--preset", "paper, smoke", "--out", "--seed", "--threads", "--quiet"}) do
    T.ok(h:find(s, 1, true), "help lacks " .. s)
  end
  -- The common switches say their defaults too.
  local flat = h:gsub("%s+", " ")
  for _, s in ipairs({"(the log file still gets it) (default false)",
                      "when it is installed (default true)", "and exit (default false)"}) do
    T.ok(flat:find(s, 1, true), "help lacks " .. s)
  end
end)

T.test("params.lua finds its protocol: the file, one of that name beside it, then by name", function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p '" .. dir .. "'")
  local find = glass.params.find_protocol
  local stock = glass.paths.protocols .. "/ageing.lua"
  -- The recorded file first (an edited copy keeps the stock protocol's name).
  local mine = dir .. "/mine.lua"
  io.open(mine, "w"):close()
  T.eq(find({protocol = "ageing", protocol_file = mine}, "/x/params.lua"), mine)
  -- Gone: a file of that name next to the params.lua, then the name.
  local beside = dir .. "/gone.lua"
  io.open(beside, "w"):close()
  T.eq(find({protocol = "ageing", protocol_file = "/nowhere/gone.lua"}, dir .. "/params.lua"), beside)
  T.eq(find({protocol = "ageing", protocol_file = "/nowhere/x.lua"}, dir .. "/params.lua"), stock)
  -- Older files held the path in `protocol`.
  T.eq(find({protocol = "/nowhere/ageing.lua"}, dir .. "/params.lua"), stock)
  local path, looked = find({protocol = "nope", protocol_file = "/nowhere/x.lua"}, "p/params.lua")
  T.eq(path, nil)
  T.eq(table.concat(looked, " "), "/nowhere/x.lua p/x.lua " .. glass.paths.protocols .. "/nope.lua")
  os.execute("rm -rf '" .. dir .. "'")
end)

T.test("empty values, omit_default and file parameters", function()
  local P = glass.params{name = "e", {"f", "", "a file", file = true, nonempty = true,
                                      omit_default = true}, {"a", 1, "a"}}
  local ok, why = P:try_parse({"--f="})
  T.ok(not ok and why:find("--f is empty", 1, true), why)
  ok, why = P:try_parse({"--out="})
  T.ok(not ok and why:find("--out is empty", 1, true), why)
  local v = parse(P, {})
  T.eq(P:summary(v), "a=1 seed=1")   -- left out while it has its default
  v = parse(P, {"--f=rel/x.gvens"})
  T.eq(v.f, os.getenv("PWD") .. "/rel/x.gvens")
  T.eq(P:summary(v), "f=" .. v.f .. " a=1 seed=1")
end)

T.test("numbers are written back exactly", function()
  for _, x in ipairs({1e-6, 0.1, 1 / 3, 2e4, 1e-300, 12345678901234567, 7, -0.5, 5e-4}) do
    local s = glass.params.num2str(x)
    T.eq(load("return " .. s)(), x, s)
    T.eq(math.type(load("return " .. s)()), math.type(x), s)
  end
end)

T.test("params.lua round-trips through --params", function()
  local P = decl()
  local v = parse(P, {"--T=3e-7", "--tw=7,8", "--polish=false", "--seed=42", "--preset=smoke"})
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(P:file_text(v, {version = glass.version, protocol = "/nowhere/toy.lua", path = path}))
  f:close()
  local w = parse(P, {"--params=" .. path})
  for _, kv in ipairs(P:saved(v)) do
    local a, b = v[kv[1]], w[kv[1]]
    if type(a) == "table" then
      T.eq(#a, #b, kv[1])
      for i = 1, #a do T.eq(a[i], b[i], kv[1]) end
    else T.eq(a, b, kv[1]) end
  end
  T.eq(w.seed, 42); T.eq(w.T, 3e-7); T.eq(w.replicas, 2)
  -- An explicit option still overrides the file.
  T.eq(parse(P, {"--params=" .. path, "--T=1"}).T, 1.0)
  T.eq(#w.__notes, 0)
  -- A preset comes after the file: the values it replaces are named (T; replicas is
  -- the same in both).
  local pw = parse(P, {"--params=" .. path, "--preset=smoke"})
  T.eq(pw.T, 1e-3)
  T.eq(pw.__notes[1], "--preset=smoke sets T=0.001 (the file: 3e-07) over --params " .. path
    .. "; give a value on the command line to keep the file's")
  -- Another protocol's file whose values all fit: used, and glass.run logs a note.
  local text = assert(io.open(path)):read("a")
  f = assert(io.open(path, "w"))
  f:write((text:gsub('protocol = "' .. P.name .. '"', 'protocol = "other"')))
  f:close()
  local o = parse(P, {"--params=" .. path})
  T.eq(o.T, 3e-7)
  T.eq(o.__notes[1], "--params " .. path .. " was written by protocol other; its values are "
    .. "used for " .. P.name)
  -- A misspelt protocol name gets the nearest of glassvm's protocols in the note too.
  f = assert(io.open(path, "w"))
  f:write((text:gsub('protocol = "' .. P.name .. '"', 'protocol = "agein"')))
  f:close()
  T.eq(parse(P, {"--params=" .. path}).__notes[1], "--params " .. path .. " was written by "
    .. "protocol agein (did you mean ageing?); its values are used for " .. P.name)
  -- ... but not a protocol of the user's own whose file exists under its name.
  local fs = glass.fs
  local dir = path .. ".d"
  assert(fs.mkdir_p(dir))
  local own = dir .. "/ageing2.lua"
  assert(io.open(own, "w")):close()
  f = assert(io.open(path, "w"))
  f:write((text:gsub('protocol = "' .. P.name .. '"', 'protocol = "ageing2"')
              :gsub('protocol_file = "[^"]*"', 'protocol_file = "' .. own .. '"')))
  f:close()
  T.eq(parse(P, {"--params=" .. path}).__notes[1], "--params " .. path .. " was written by "
    .. "protocol ageing2; its values are used for " .. P.name)
  os.remove(own); os.remove(dir)
  os.remove(path)
end)

T.test("a misspelt name in a params.lua gets the nearest, as on the command line", function()
  local P = decl()
  local path = os.tmpname()
  local function refused(text, ...)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    return T.raises(function() parse(P, {"--params=" .. path}) end, ...)
  end
  refused('return {protocol = "toy", Tx = 1e-3}',
    "unknown parameter Tx for protocol toy (did you mean T?)")
  refused('return {protocol = "toy", temperature = 1e-3}',      -- by its help text, as --temperature
    "unknown parameter temperature for protocol toy (did you mean T?)")
  refused('return {protocol = "toy", replicsa = 4}', "(did you mean replicas?)")
  -- Only names a file may set: --quiet is no parameter of a params.lua.
  local msg = refused('return {protocol = "toy", quite = true}', "unknown parameter quite")
  T.ok(not msg:find("did you mean", 1, true), msg)
  os.remove(path)
  -- The protocol's name: the nearest of glassvm's protocols, none for a real one.
  T.eq(glass.params.protocol_hint("agein"), " (did you mean ageing?)")
  T.eq(glass.params.protocol_hint("ageing"), "")
  T.eq(glass.params.protocol_hint("uot_scan"), "")   -- a protocol, though near ttt_scan
  T.eq(glass.params.protocol_hint("no_such_protocol"), "")
end)

T.test("plot scripts select rows by value and use log axes", function()
  local fig = glass.plot.figure{name = "q", logx = true, xlabel = "t", series = {
    {file = "overlap.csv", x = "t", y = "Q", where = {T = 1e-3}, title = "a", color = 0.5},
    {fn = "0.9", title = "Q = 0.9", dash = true}}}
  local s = fig:script("png")
  T.ok(s:find('abs(column("T")/0.001 - 1) < 1e-9', 1, true), "row selection")
  T.ok(s:find("set logscale x", 1, true))
  T.ok(s:find('set output "q.png".suffix', 1, true) and s:find('set output "q.svg".suffix', 1, true))
  T.ok(s:find("0.9 with lines", 1, true))
  T.eq(glass.plot.label(1e-6), "10^{-6}")
  T.eq(glass.plot.label(2e4), "2·10^{4}")
  T.eq(glass.plot.label(0.5), "0.5")
end)

-- A fake ensemble: records the targets it is run to.
local function fake_ensemble()
  local e = {s = 0, calls = {}}
  function e:step() return self.s end
  function e:run(o)
    assert(o.to > self.s, "target not ahead")
    self.calls[#self.calls + 1] = o.to
    self.s = o.to
  end
  return e
end

T.test("drive reaches the target exactly in growing chunks", function()
  local e = fake_ensemble()
  glass.drive(e, {integrator = "x", to = 100000})
  T.eq(e.s, 100000)
  T.ok(#e.calls < 20, "chunks grow: " .. #e.calls .. " calls")
  local e2 = fake_ensemble()
  glass.drive(e2, {steps = 7, chunk = 3})
  T.eq(#e2.calls, 3); T.eq(e2.calls[3], 7)
  T.raises(function() glass.drive() end, "test_protocol_lib.lua:", "glass.drive(ens, {integrator=")
  T.raises(function() glass.drive(e2) end, "got a table and a nil")
  -- A target behind the ensemble is a mistake (a number of steps given as to=), not a
  -- silent no-op; so are both or neither of to= and steps=, and a misspelt option.
  T.raises(function() glass.drive(e2, {to = 3}) end, "test_protocol_lib.lua:",
    "to = 3 would end at step 3, before the ensemble's step 7")
  T.raises(function() glass.drive(e2, {steps = -1}) end, "before the ensemble's step 7")
  T.raises(function() glass.drive(e2, {to = 7.5}) end, "to = 7.5 must be a whole number")
  T.raises(function() glass.drive(e2, {to = 0 / 0}) end, "must be a whole number")
  T.raises(function() glass.drive(e2, {to = 9, steps = 2}) end, "one of the two")
  T.raises(function() glass.drive(e2, {too = 9}) end, "unknown option 'too' (did you mean 'to'?)")
  glass.drive(e2, {to = 7}) -- the step it is at: nothing to do
  T.eq(#e2.calls, 3)
  T.raises(function() glass.lab.advance(nil, e2, "x", 5) end, "test_protocol_lib.lua:",
    "glass.lab.advance: to = 5 is before the ensemble's step 7")
  glass.lab.advance(nil, e2, "x", 7)
  T.eq(#e2.calls, 3)
end)

T.test("drive: limit caps the chunks, after sees each chunk's end", function()
  local e = fake_ensemble()
  local seen = {}
  glass.drive(e, {integrator = "x", to = 100, limit = function(c) return (c // 30 + 1) * 30 end,
                  after = function(c) seen[c] = true end})
  T.eq(e.s, 100)
  for _, c in ipairs({30, 60, 90, 100}) do T.ok(seen[c], "a chunk ends at " .. c) end
  for _, to in ipairs(e.calls) do T.ok(to <= 100) end
end)

T.test("a run directory holds params.lua, log and the marker last", function()
  local dir = os.tmpname()
  os.remove(dir)
  local P = decl()
  local v = parse(P, {"--out=" .. dir, "--quiet", "--T=5e-5"})
  local run = glass.run(v, {protocol = "/nowhere/toy.lua"})
  T.ok(glass.run.exists(dir .. "/params.lua"))
  T.ok(not glass.run.exists(dir .. "/COMPLETE"))
  run:log("hello %d", 7)
  run:finish()
  T.ok(glass.run.exists(dir .. "/COMPLETE"))
  local log = T.read(dir .. "/log.txt")
  T.ok(log:find("hello 7", 1, true) and log:find("T=5e-05", 1, true), log)
  local back = glass.params.read_file(dir .. "/params.lua")
  T.eq(back.T, 5e-5); T.eq(back.protocol, "toy"); T.eq(back.protocol_file, "/nowhere/toy.lua")
  T.ok(not glass.run.exists(dir .. "/checkpoint.gvckpt"), "no checkpoint left")
  os.execute("rm -rf '" .. dir .. "'")
end)

T.test("run:write_text writes through a temporary file", function()
  local dir = os.tmpname()
  os.remove(dir)
  local run = glass.run(parse(decl(), {"--out=" .. dir, "--quiet"}), {protocol = "/nowhere/toy.lua"})
  run:write_text("fit.txt", "exponent 1\n")
  T.eq(T.read(dir .. "/fit.txt"), "exponent 1\n")
  T.ok(not glass.run.exists(dir .. "/fit.txt.tmp"))
  T.raises(function() glass.run.write_file(dir .. "/no/such/dir/x", "y") end, "cannot write")
  run:finish()
  os.execute("rm -rf '" .. dir .. "'")
end)

-- glass.show: what the REPL prints for a plain table.
T.test("glass.show: plain tables in one line", function()
  T.eq(glass.show({1, 2.5, "a"}), '{1, 2.5, "a"}')
  T.eq(glass.show({loss = 0.125, lost = false, [2] = 1, ["a b"] = "x\ny", [true] = 0}),
       '{[2] = 1, ["a b"] = "x\\ny", loss = 0.125, lost = false, [true] = 0}')
  T.eq(glass.show({{replica = 2, why = {a = {1}}}}), '{{replica = 2, why = {... 1 entry}}}')
  local t = {}
  for i = 1, 25 do t[i] = i end
  T.ok(glass.show(t):find(", 20, ... 5 more}$"), glass.show(t))
  -- Named keys: up to 40 (a summary row's 23 columns, t and tw last, show).
  local row = {}
  for i = 1, 45 do row[string.format("k%02d", i)] = i end
  T.ok(glass.show(row):find(", k40 = 40, ... 5 more}$"), glass.show(row))
  row = {}
  for i = 1, 23 do row[string.format("k%02d", i)] = i end
  T.ok(glass.show(row):find(", k23 = 23}$"), glass.show(row))
  T.eq(glass.show({}), "{}")
  T.eq(glass.show("s"), "s")
  T.eq(glass.show(0.1), tostring(0.1), "numbers in full")
  local obj = setmetatable({}, {__tostring = function() return "OBJ" end})
  T.eq(glass.show(obj), "OBJ")
  T.eq(glass.show({obj}), "{OBJ}")
end)

-- glass.fs: the file-system calls made in C (no shell, no quoting).
T.test("glass.fs: mkdir_p, remove_tree, list, is_dir, lexists, isatty", function()
  local fs = glass.fs
  T.eq(fs, require("glass.fs"), "one glass.fs")
  local top = os.tmpname()
  os.remove(top)
  local deep = top .. "/a b/it's//c/"   -- a space, a quote, an empty part, a final slash
  T.eq(fs.mkdir_p(deep), true)
  T.ok(fs.is_dir(top .. "/a b/it's/c"))
  T.eq(fs.mkdir_p(deep), true, "again: nothing to do")
  io.open(top .. "/a b/file", "w"):close()
  local ok, why = fs.mkdir_p(top .. "/a b/file/d")
  T.eq(ok, nil)
  T.eq(why, "cannot create the directory " .. top .. "/a b/file: Not a directory")
  T.eq(select(2, fs.mkdir_p("")), 'cannot create the directory "": No such file or directory')
  -- a link to a directory outside the tree: removed, never followed
  local outside = os.tmpname()
  os.remove(outside)
  T.ok(fs.mkdir_p(outside))
  io.open(outside .. "/keep", "w"):close()
  os.execute(string.format("ln -s %s %s", fs.shell_quote(outside), fs.shell_quote(top .. "/link")))
  os.execute(string.format("ln -s /no/such/target %s", fs.shell_quote(top .. "/dangling")))
  T.ok(fs.lexists(top .. "/dangling") and not fs.exists(top .. "/dangling"))
  T.ok(fs.is_dir(top .. "/link"), "a link to a directory is one")
  local names = fs.list(top)
  table.sort(names)
  T.eq(table.concat(names, ","), "a b,dangling,link")
  T.eq(select(2, fs.list(top .. "/a b/file")), "cannot read the directory " .. top
       .. "/a b/file: Not a directory")
  -- Every call closes its directory handle (a to-be-closed slot, also on errors).
  -- Collect first (a handle some earlier code dropped unclosed would else be
  -- closed by the collector during the loop, and the count would fall), then
  -- stop the collector so that a handle left to a finalizer shows as a leak.
  collectgarbage("collect")
  collectgarbage("stop")
  local open_fds = #fs.list("/proc/self/fd")
  for _ = 1, 50 do fs.list(top) end
  local after = #fs.list("/proc/self/fd")
  collectgarbage("restart")
  T.eq(after, open_fds, "file descriptors after 50 lists")
  T.eq(fs.remove_tree(top), true)
  T.ok(not fs.lexists(top))
  T.ok(fs.exists(outside .. "/keep"), "the link's target is untouched")
  T.eq(fs.remove_tree(top), true, "a missing path is not an error")
  T.eq(fs.remove_tree(outside), true)
  T.ok(not fs.lexists(outside))
  T.eq(fs.isatty(2), false, "ctest's stderr is not a terminal")
  T.raises(function() fs.isatty(3) end, "0, 1 or 2")
end)

T.test("run:finish removes the temporary files of interrupted writes", function()
  local dir = os.tmpname()
  os.remove(dir)
  local run = glass.run(parse(decl(), {"--out=" .. dir, "--quiet"}), {protocol = "/nowhere/toy.lua"})
  for _, f in ipairs({"a.csv.tmp", "b.csv.tmp.123", "keep.tmpl", "keep.tmp.x"}) do
    io.open(dir .. "/" .. f, "w"):close()
  end
  run:finish()
  local left = glass.fs.list(dir)
  table.sort(left)
  T.eq(table.concat(left, ","), ".glassvm.lock,COMPLETE,keep.tmp.x,keep.tmpl,log.txt,params.lua,run.json")
  glass.fs.remove_tree(dir)
end)

-- A run's files are its own: the write methods take names inside DIR only,
-- never the run's bookkeeping files (issue 17), and a run finishes once.
T.test("run: writes stay inside --out and off the run's own files; finish once", function()
  local dir = os.tmpname()
  os.remove(dir)
  local run = glass.run(parse(decl(), {"--out=" .. dir, "--quiet"}), {protocol = "/nowhere/toy.lua"})
  local t = run:table{"x"}
  t:add_row{1}
  for _, name in ipairs({"../x", "/tmp/x", "a/../../x", "./x", "a//b", ""}) do
    T.raises(function() run:write_csv(name, t) end, "run:write_csv", "test_protocol_lib.lua:")
    T.raises(function() run:write_text(name, "y") end, "run:write_text")
  end
  T.raises(function() run:write_csv("../x", t) end, '"../x.csv" is not a plain name inside', dir)
  T.raises(function() run:write_text("/etc/x", "y") end, '"/etc/x" is an absolute path')
  T.raises(function() run:write_text("a\nb", "y") end, "control character")
  T.raises(function() run:write_text(nil, "y") end, "expected a file name, got nil")
  for _, name in ipairs({"checkpoint.gvckpt", "checkpoint.gvckpt.prev", "params.lua", "log.txt",
                         "gnuplot.log",
                         "COMPLETE", "STOP", ".glassvm.lock", "checkpoints/segment-0001.gvckpt",
                         "x.tmp", "x.csv.tmp.123"}) do
    T.raises(function() run:write_text(name, "y") end, "run:write_text", "choose another name")
  end
  T.raises(function() run:write_text("checkpoint.gvckpt", "y") end, "is the head checkpoint")
  T.raises(function() run:plot{name = "../fig", series = {}} end, "run:plot", "../fig.gp")
  T.ok(not glass.run.exists(dir .. "/../x.csv") and not glass.run.exists(dir .. "/COMPLETE"))
  -- Names inside DIR are fine, a write_csv named like a reserved file too
  -- (it adds .csv).
  run:write_csv("COMPLETE", t)
  T.ok(glass.run.exists(dir .. "/COMPLETE.csv"))
  -- Each file once: a second write would keep only the last (a name constant in a loop).
  T.raises(function() run:write_csv("COMPLETE", t) end, "COMPLETE.csv was already written",
    "test_protocol_lib.lua:")
  -- "q.csv" names q.csv, not q.csv.csv; a string comment is one comment line.
  run:write_csv("q.csv", t, "one comment")
  T.ok(glass.run.exists(dir .. "/q.csv") and not glass.run.exists(dir .. "/q.csv.csv"))
  T.raises(function() run:write_csv("r", {{1, 2}}) end, "expected a glass.Table")
  -- A folder that does not exist: the engine's message, at the caller's line.
  T.raises(function() run:write_csv("nosuchdir/q", t) end, "run:write_csv: ",
    "test_protocol_lib.lua:", "nosuchdir")
  T.raises(function() run:path() end, "run:path(name)", "test_protocol_lib.lua:")
  T.raises(function() run:memo("z", {}) end, "run:memo(label, outputs, fn)",
    "test_protocol_lib.lua:")
  T.raises(function() run:write_text("r.txt", {1}) end, "expected the text (a string)")
  -- Misspelt options are errors, not defaults silently used.
  T.raises(function() run:plot{name = "f", titel = "x", series = {}} end,
    "unknown option 'titel' (did you mean 'title'?)", "test_protocol_lib.lua:")
  T.raises(function() run:plot{name = "g", series = {{file = "q.csv", x = "x", y = "x", colour = 1}}} end,
    "series 1", "unknown option 'colour' (did you mean 'color'?)")
  T.raises(function() run:plot{name = "figs/q", series = {}} end, "plain file name")
  -- A single series not wrapped in a list, or none: refused at the call, not drawn as nothing.
  T.raises(function() run:plot{name = "s1", series = {file = "q.csv", x = "x", y = "x"}} end,
    "test_protocol_lib.lua:", "glass.plot.figure s1: series is one series, not a list of them")
  T.raises(function() run:plot{name = "s0", series = {}} end, "test_protocol_lib.lua:",
    "glass.plot.figure s0: series is empty")
  -- A column the CSV does not have: refused when the figure is made.
  T.raises(function() run:plot{name = "qq", series = {{file = "q.csv", x = "x", y = "QQ"}}} end,
    "run:plot qq: series 1 reads column 'QQ', which q.csv does not have (its columns: x)")
  T.raises(function() run:plot{name = "qw", series = {{file = "q.csv", x = "x", y = "x",
    where = {T = 1}}}} end, "reads column 'T'")
  -- A file not yet written: at the end, said on stderr, the figure skipped.
  run:plot{name = "later", series = {{file = "nothere.csv", x = "x", y = "y"}}}
  T.eq(glass.plot.data_problem(dir, {series = {{file = "nothere.csv", x = "x", y = "y"}}}, true),
    "series 1 reads nothere.csv, which the run did not write")
  -- Mistakes in the Lua layer point at the caller's line.
  T.raises(function() run:log("tau = %g", nil) end, "run:log: bad argument #2",
    "test_protocol_lib.lua:")
  T.raises(function() glass.lab.advance(run, nil, nil, {}, 10, "L") end,
    "to (the step to run to) must be a whole number, got a table", "test_protocol_lib.lua:")
  run:plot{name = "h", series = {{fn = "1"}}}
  T.raises(function() run:plot{name = "h", series = {{fn = "1"}}} end, "h.gp was already written")
  T.raises(function() run:progress{phse = "x", total = 5} end, "run:progress",
    "unknown option 'phse'", "test_protocol_lib.lua:")
  T.raises(function() glass.plot.curves{file = "q.csv", x = "x", y = "x", by = "x", value = {1}} end,
    "unknown option 'value' (did you mean 'values'?)", "test_protocol_lib.lua:")
  T.raises(function() glass.plot.curves{file = "q.csv", x = "x", y = "x", by = "x"} end,
    "by = COLUMN and values = {...}")
  T.raises(function() glass.lab.ensemble({}, nil, {replica = 3}) end,
    "glass.lab.ensemble: unknown option 'replica' (did you mean 'replicas'?)",
    "test_protocol_lib.lua:")
  T.raises(function() glass.lab.anneal(nil, nil, {}, 0, 0, nil, false, {same_basn = 3}) end,
    "glass.lab.anneal: unknown option 'same_basn'")
  -- A hand-written parameter table that lacks a field, or misspells it.
  T.raises(function() glass.lab.quench(nil, nil, {batch = 100, lr = 0.1, lambda = 0,
    quench_epoch = 3}) end, "glass.lab.quench: p.quench_epochs is missing; p has quench_epoch",
    "test_protocol_lib.lua:")
  -- A short missing name gets no hint from unrelated short keys (lr is not B).
  local ok, err = pcall(glass.lab.quench, nil, nil, {batch = 1, quench_epochs = 1, lambda = 0,
    T = 1e-4, B = 100, K = 2, tw = 10})
  T.ok(not ok and err:find("p.lr is missing (", 1, true), err)
  -- ...beside quench_lr, as every protocol's parameters have it: the closest name, always.
  for _ = 1, 5 do
    T.raises(function() glass.lab.quench(nil, nil, {batch = 100, lr = 0.1, lambda = 0,
      quench_lr = 0, quench_epoch = 3}) end, "p.quench_epochs is missing; p has quench_epoch (")
  end
  T.raises(function() glass.lab.anneal(nil, nil, {lr = 0.1, lambda = 0, tw = 1, tmax = 2}, 0, 0,
    {}) end, "glass.lab.anneal: p.per_decade is missing", "test_protocol_lib.lua:")
  -- Missing arguments are named at the caller's line, not an index error inside lab.
  T.raises(function() glass.lab.anneal(nil, nil, {lr = 0.1, lambda = 0, tw = 1, tmax = 2,
    per_decade = 2}, 0, 0, nil) end, "test_protocol_lib.lua:", "obs_opts must be")
  T.raises(function() glass.lab.ensemble({width = 8, depth = 2, replicas = 2, seed = 1}, nil) end,
    "test_protocol_lib.lua:", "data must be a dataset")
  T.raises(function() glass.lab.minimise(nil, nil, {lr = 1e-2, batch = 100}, nil, 0) end,
    "test_protocol_lib.lua:", "glass.lab.minimise: p.epochs is missing")
  T.raises(function() glass.lab.columns(nil, "t") end, "test_protocol_lib.lua:", "tbl is nil")
  T.raises(function() glass.lab.stats(nil) end, "test_protocol_lib.lua:", "must be a list")
  T.raises(function() glass.lab.ensemble({width = 8, replicas = 2}, nil) end,
    "glass.lab.ensemble: p.depth is missing", "test_protocol_lib.lua:")
  T.raises(function() glass.lab.quench(nil, nil, nil) end, "p (the parameters) must be a table")
  local qt = glass.table{columns = {"t", "Q"}}
  qt:add_row{t = 1, Q = 0.5}
  local ct, cq = glass.lab.columns(qt, "t", "Q")
  T.ok(ct[1] == 1 and cq[1] == 0.5)
  T.raises(function() glass.lab.columns(qt, "t", "Q_mean") end,
    "glass.lab.columns: no column 'Q_mean'; the columns are: t, Q", "test_protocol_lib.lua:")
  run:finish()
  T.raises(function() run:finish() end, "run:finish: the run in " .. dir .. " is already finished",
    "test_protocol_lib.lua:")
  T.raises(function() run:write_text("late.txt", "y") end, "is finished", "before run:finish()")
  T.ok(not glass.run.exists(dir .. "/late.txt"))
  os.execute("rm -rf '" .. dir .. "'")
end)

-- One run per directory: a second one is refused while the first holds it
-- (the lock is taken by another process here: flock is per open file, and a
-- process re-opening its own directory keeps its lock, see glass.lock_file).
T.test("run: a directory another process holds is refused, naming it", function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p '" .. dir .. "'")
  local lock = dir .. "/" .. glass.run.LOCK
  -- flock(1) holds the lock while it runs `cat`, which waits for its stdin to close.
  local holder = io.popen("exec flock -x '" .. lock .. "' sh -c 'echo $$ held; cat >/dev/null'", "w")
  -- (wait until flock has it: glass.lock_file reports busy)
  local busy
  for _ = 1, 500 do
    local l, why = glass.lock_file(lock)
    if l then l:release() else busy = why; break end
    os.execute("sleep 0.01")
  end
  if busy ~= "busy" then
    io.stderr:write("(flock(1) is not available: the lock is tested by tests/sh/test_run_dir.sh only)\n")
  else
    local l, why, detail = glass.lock_file(lock)
    T.ok(l == nil and why == "busy", tostring(why))
    T.eq(type(detail), "string")
  end
  holder:close()
  local l = glass.lock_file(lock)
  T.ok(l and l:held(), "free again once the holder is gone")
  -- The same process gets its own lock back (a run retried after an error).
  T.eq(glass.lock_file(lock), l)
  l:release()
  T.ok(not l:held())
  os.execute("rm -rf '" .. dir .. "'")
end)

T.test("progress formats durations", function()
  T.eq(glass.progress.duration(5), "5.0s")
  T.eq(glass.progress.duration(185), "3m05s")
  T.eq(glass.progress.duration(7300), "2h01m")
  local pr = glass.progress{phase = "x", total = 10, quiet = true}
  pr:update(5)
  T.ok(pr:line():find("5/10", 1, true))
  -- Resumed at step 6 of a phase from 2 to 12: step 7 is 5 of its 10 steps, half of it.
  pr = glass.progress{phase = "x", total = 12, start = 6, first = 2, quiet = true}
  pr:update(7)
  T.ok(pr:line():find("steps 5/10 ( 50%, step 7)", 1, true), pr:line())
  -- The closing line counts in the unit's number: "1 step", "2 epochs".
  local logged
  local sink = {log_only = function(_, text) logged = text end}
  glass.progress{phase = "one", total = 1, quiet = true, log = sink}:done(1)
  T.ok(logged:find("^one: 1 step in "), logged)
  glass.progress{phase = "two", total = 2, quiet = true, log = sink, unit = "epochs"}:done(2)
  T.ok(logged:find("^two: 2 epochs in "), logged)
end)

T.test("--quench_lr sets the quench's SGD rate only, and is saved only when given", function()
  local N = glass.params(glass.lab.extend({name = "n"}, glass.lab.network_params{lr = 1e-2}))
  local v = parse(N, {})
  T.eq(v.quench_lr, 0.0)
  T.ok(not N:summary(v):find("quench_lr"), N:summary(v))   -- older outputs stay byte for byte
  local w = parse(N, {"--quench_lr=1e-3"})
  T.ok(N:summary(w):find("quench_lr=0.001", 1, true), N:summary(w))
  T.raises(function() parse(N, {"--quench_lr=-1"}) end, "--quench_lr")
  -- A protocol without a quench has no --quench_lr either.
  local U = glass.params(glass.lab.extend({name = "u"}, glass.lab.network_params{omit = {"quench_epochs"}}))
  T.eq(U.byname.quench_lr, nil)
  -- The integrator the quench drives with: lr = quench_lr when > 0, else lr.
  local data = {size = function() return 500, 10 end}
  local function quench_integrator(p)
    local e = fake_ensemble()
    function e:run(o) self.integ = tostring(o.integrator); self.s = o.to end
    function e:nlost() return 0 end
    function e:size() return 2 end
    local partial = glass.mpi.partial            -- the fake is no rank's part of anything
    glass.mpi.partial = function() return false end
    local ok, err = pcall(glass.lab.quench, nil, e, p, data)
    glass.mpi.partial = partial
    assert(ok, err)
    T.eq(e.s, p.quench_epochs * 5)
    return e.integ
  end
  local p = {lr = 1e-2, quench_lr = 0.0, batch = 100, lambda = 0.01, quench_epochs = 3}
  T.ok(quench_integrator(p):find("sgd lr=0.01 ", 1, true))
  p.quench_lr = 1e-3
  T.ok(quench_integrator(p):find("sgd lr=0.001 ", 1, true))
  p.quench_lr = nil                                          -- a caller's own table
  T.ok(quench_integrator(p):find("sgd lr=0.01 ", 1, true))
end)

T.done()
