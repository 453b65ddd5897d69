-- glass.mpi: running one script on many MPI ranks (docs/cluster.md).
--
-- The same script runs on every rank.  Work is split two ways:
--   replicas     an ensemble's replicas in contiguous blocks, one per rank:
--                  local first, count = mpi.block(p.replicas)
--                  local ens = mpi.distribute(glass.ensemble{..., replicas = count,
--                                                            first_replica = first})
--                every rank runs the same steps (mpi.run) on its block; at the
--                end mpi.gather_observer joins the observers on rank 0, whose
--                tables are then bit for bit those of a one-rank run;
--   sweep points independent points (temperatures, λ, widths) round-robin:
--                  for i, T in mpi.share(p.T) do results[i] = ... end
--                  results = mpi.merge(results)        -- rank 0: all of them
-- Rank 0 alone writes files and prints progress (mpi.is_root()).
--
-- Built without MPI, or started without mpirun/srun, this is one rank (rank
-- 0 of 1) and every function does the single-rank thing, so scripts that use
-- it run unchanged anywhere.
--
-- Collective calls (every rank must make them, in the same order): run (on
-- a distributed ensemble), barrier, sum/max/min/any/all, gather, allgather,
-- bcast, merge, gather_observer, allgather_observer, save_ensemble, save.
-- Local: rank, size, block, owner, mine, share, distribute, restore.
--
-- The C side (src/lgv_mpi.c) is the same table: rank(), size(),
-- local_size(), enabled, built, library, barrier(), allreduce(),
-- gather_string(), bcast_string(), run(), partial(), gather_observer(),
-- save_ensemble(), checkpoint_save(), checkpoint_restore(), abort().
local core = require "glass.core"
local C = require "glass.checkpoint"

local M = core.mpi -- the C functions; the Lua ones join them in the same table

function M.is_root() return M.rank() == 0 end

-- ---- partitions ----------------------------------------------------------------

-- The block of n replicas that `rank` (default: this one) runs: first
-- (from 0, as first_replica) and count.  Blocks are contiguous, in rank
-- order, and their sizes differ by at most one (the first n % size ranks
-- get one more).  Every rank needs at least one replica.
function M.block(n, rank, size)
  rank, size = rank or M.rank(), size or M.size()
  if math.type(n) ~= "integer" or n < 1 then
    error("glass.mpi.block: the number of replicas must be a positive integer, got "
      .. tostring(n), 2)
  end
  if n < size then
    error(string.format("glass.mpi.block: %d replicas cannot be shared by %d ranks (every rank "
      .. "needs at least one); run with at most %d ranks, or more replicas", n, size, n), 2)
  end
  local base, extra = n // size, n % size
  local first = rank * base + math.min(rank, extra)
  return first, base + (rank < extra and 1 or 0)
end

-- Every rank's block: {{first =, count =}, ...} indexed by rank + 1.
function M.blocks(n)
  local out = {}
  for r = 0, M.size() - 1 do
    local first, count = M.block(n, r)
    out[r + 1] = {first = first, count = count}
  end
  return out
end

-- Sweep points go round-robin: point i (from 1) belongs to rank (i-1) % size.
function M.owner(i) return (i - 1) % M.size() end
function M.mine(i) return M.owner(i) == M.rank() end

-- for i, v in mpi.share(list) do ... end: this rank's points, in order.
function M.share(list)
  local size = M.size()
  local i = M.rank() + 1 - size
  return function()
    i = i + size
    if i <= #list then return i, list[i] end
  end
end

-- distribute(ens) -> ens, marked as this rank's block of an ensemble spread
-- over the ranks (when there are several): mpi.run on it is then collective
-- (every rank runs the same steps and they agree after each run), and losing
-- all of its replicas is no error while other ranks' replicas run on.
-- Ensembles of one rank's own (a sweep point) stay unmarked: mpi.run on
-- them is a plain ens:run.
-- The blocks glass.lab.ensemble made (M.lab_block): distributing one again means the
-- caller split the replicas with mpi.block as well, a block of a block that would run a
-- fraction of them, silently.  (Marking any other ensemble twice is harmless.)
local lab_blocks = setmetatable({}, {__mode = "k"})
function M.lab_block(ens) lab_blocks[ens] = true end

function M.distribute(ens)
  if M.size() > 1 then
    if lab_blocks[ens] then
      error("glass.mpi.distribute: this ensemble is glass.lab.ensemble's block of the replicas "
        .. "for this rank already: use it as it is (splitting it again with mpi.block would run "
        .. "a fraction of them), or build it with {distributed = false}", 2)
    end
    M.partial(ens, true)
  end
  return ens
end

-- ---- reductions and data ---------------------------------------------------------

function M.sum(x) return M.allreduce(x, "sum") end
function M.max(x) return M.allreduce(x, "max") end
function M.min(x) return M.allreduce(x, "min") end
function M.any(b) return M.allreduce(b and 1 or 0, "max") == 1 end
function M.all(b) return M.allreduce(b and 1 or 0, "min") == 1 end

-- gather(v) -> on rank 0 a list of every rank's v (plain data: numbers,
-- strings, booleans, tables of them; floats travel exactly), nil elsewhere.
function M.gather(v)
  local all = M.gather_string(C.encode({v}, "glass.mpi.gather"))
  if not all then return nil end
  for k, s in ipairs(all) do all[k] = C.decode(s, "rank " .. (k - 1) .. "'s data")[1] end
  return all
end

-- allgather(v) -> on every rank the list of every rank's v.
function M.allgather(v)
  return M.bcast(M.gather(v))
end

-- bcast(v) -> rank 0's v on every rank (what the others pass is ignored):
-- decisions that must agree (a checkpoint is due, a STOP file exists) are
-- taken by rank 0.
function M.bcast(v)
  local s = M.bcast_string(M.is_root() and C.encode({v}, "glass.mpi.bcast") or "")
  return C.decode(s, "rank 0's data")[1]
end

-- merge(t) -> on rank 0 the union of every rank's table t (results keyed by
-- sweep point), nil elsewhere.  A key held by two ranks is an error.
function M.merge(t)
  local all = M.gather(t)
  if not all then return nil end
  local out, from = {}, {}
  for k, part in ipairs(all) do
    for key, v in pairs(part) do
      if from[key] then
        error(string.format("glass.mpi.merge: ranks %d and %d both hold %s", from[key] - 1, k - 1,
          tostring(key)), 2)
      end
      out[key], from[key] = v, k
    end
  end
  return out
end

-- ---- observers, ensembles, checkpoints --------------------------------------------------

local c_gather_observer = M.gather_observer

-- gather_observer(obs) -> on rank 0 a new observer holding every rank's
-- replicas (its tables are those of a single-rank run), nil elsewhere:
-- obs:empty() (the engine rebuilds obs's configuration from its own
-- bytes) filled with them.  Rarely needed: an observer run on a
-- distributed ensemble gathers itself when read (obs:table, results,
-- curves; docs/cluster.md).  A second argument (the options obs was built
-- with, or a function building such an observer: what older scripts
-- passed) is not needed and is ignored.
function M.gather_observer(obs)
  return c_gather_observer(obs, M.is_root() and obs:empty() or nil)
end

-- allgather_observer(obs [, _ [, local_ens]]) -> the same on every rank (so
-- that every rank can compute from the tables, e.g. fit τ, and take the
-- same decisions).  With one rank, or an observer of an ensemble that is
-- not distributed (`local_ens` given and not mpi.partial), it returns obs
-- itself.  The second argument is ignored, as gather_observer's.
function M.allgather_observer(obs, _, local_ens)
  if M.size() == 1 or (local_ens and not M.partial(local_ens)) then return obs end
  return c_gather_observer(obs, obs:empty(), true)
end

-- save(path, {ensembles=, observers=, state=table|string, keep_previous=}):
-- collective; glass.checkpoint.save for a distributed ensemble.  (Errors
-- name the caller's line: C.call_at.)
function M.save(path, what)
  C.call_at(2, M.checkpoint_save, path, C.save_options(what, 2))
end

-- restore(path, {ensembles=, observers=, first=, count=, replace=}): this
-- rank's block of a checkpoint written by any number of ranks.  first/count
-- default to mpi.block(replicas) when `replicas` (the run's total) is given
-- instead.  replace: the observers may have measured (what they hold is
-- replaced); else they must be freshly built.
function M.restore(path, what)
  core.check_options(what, "glass.mpi.restore",
    {"ensembles", "observers", "first", "count", "replace", "replicas"}, 2)
  local opts = {}
  for k, v in pairs(what) do opts[k] = v end
  if opts.replicas then
    opts.first, opts.count = C.call_at(2, M.block, opts.replicas)
    opts.replicas = nil
  elseif opts.first == nil and opts.count == nil then
    error("glass.mpi.restore: give replicas (the run's total) or first and count "
      .. "(this rank's block, as from glass.mpi.block)", 2)
  end
  C.call_at(2, M.checkpoint_restore, path, opts)
end

return M
