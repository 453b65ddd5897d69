-- Ranks interrupted at different steps stop at one step (the latest) with the same
-- observer events, so the collective checkpoint is written (tests/sh/test_mpi.sh; before
-- 2026-12-06 a rank stopped by the signal at an event step had not fired its events,
-- the one that caught up to that step had, and mpi.save refused the mismatch):
-- the last rank is interrupted as its run starts, rank 0 a moment later at a step
-- where its scalar observer (an event every step) is due.
local mpi = glass.mpi
local out = arg[1]
local first, count = mpi.block(4)
local ens = mpi.distribute(glass.ensemble{landscape = glass.landscape.flat{N = 20000, P = 10},
                                          replicas = count, seed = 3, first_replica = first})
local lg = glass.langevin{lr = 0.01, T = 1}
local sc = glass.observer.scalar{at = glass.schedule.linear{first = 0, last = 100000, every = 1}}
local f = assert(io.open("/proc/self/stat"))
local pid = math.tointeger(f:read("n"))
f:close()
if mpi.rank() == mpi.size() - 1 then os.execute("kill -TERM " .. pid) -- pending at entry
else os.execute("(sleep 0.3; kill -TERM " .. pid .. ") &") end
local ok, err = pcall(mpi.run, ens, {integrator = lg, to = 100000, observers = {sc}})
assert(not ok and glass.interrupted(err), tostring(err))
mpi.save(out .. "/ck.gvckpt", {ensembles = {main = ens}, observers = {sc = sc}})
if mpi.rank() == 0 then print("saved at step " .. ens:step()) end
