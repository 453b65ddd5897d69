-- Writes tests/data/v1-observer.gvckpt with a glassvm of observer state format 1
-- (ensemble file format 1): the compatibility fixture of test_estimators.lua.
local land = glass.landscape.flat{N = 20, P = 10}
local ens = glass.ensemble{landscape = land, replicas = 3, seed = 1}
local obs = glass.observer.two_time{tw = {0}, lags = {1, 2, 4}, eps = {0.1},
                                    histogram = {bins = 5, min = -4, max = 0}}
ens:run{integrator = glass.langevin{lr = 0.1, T = 1}, to = 2, observers = {obs}}
glass.checkpoint.save(arg[1], {ensembles = {main = ens}, observers = {two_time = obs}})
