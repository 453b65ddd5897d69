-- mem_run.lua: the peak-memory scenario of bench/run.sh as a user's script:
-- full MNIST (glass.data.mnist{}, train and test), 16 replicas of the
-- 10-72x6-1 network, Langevin for 6 steps, a two-time observer at t_w = 2
-- and 4.  Prints one CSV line with the process's peak resident memory
-- (VmHWM, the value getrusage reports as ru_maxrss).
local train = glass.data.mnist{}
local net = glass.mlp{d = 10, width = 72, depth = 6}
local land = glass.landscape.network{net = net, data = train}
local ens = glass.ensemble{landscape = land, replicas = 16, seed = 1}
local obs = glass.observer.two_time{tw = {2, 4}, lags = glass.schedule.list{1, 2}, chi = {300}}
ens:run{integrator = glass.langevin{lr = 1e-3, T = 1e-2}, to = 6, observers = {obs}}
assert(#ens:lost() == 0, "a replica was lost")
local f = assert(io.open("/proc/self/status"))
local kb = tonumber(f:read("a"):match("VmHWM:%s*(%d+)"))
f:close()
local mb = kb / 1024
print(string.format("mem_lua_mb,glassvm,72,%d,%d,MB,%.6g,%.6g,%.6g,1", train:size(), glass.threads(),
                    mb, mb, mb))
