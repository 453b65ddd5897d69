-- demo.lua: load MNIST with the paper's preprocessing and print what it is.
--   glassvm examples/demo.lua
-- (Needs data/mnist/*-ubyte: `bash data/fetch.sh`.)  The experiments
-- themselves are in protocols/, e.g. `glassvm protocols/ageing.lua`.
local glass = require "glass"

print(string.format("glassvm %s, %d threads", glass.version, glass.threads()))

-- Standardise per pixel, PCA to 10 components (fitted on the train set),
-- labels +1 for even digits and -1 for odd ones.
local train, test, info = glass.data.mnist{}
print(train)
print(test)
print(info.standardize)
print(info.pca)
local ratio = info.explained_variance_ratio
local parts = {}
for i = 1, #ratio do parts[i] = string.format("%.3f", ratio[i]) end
print("explained variance ratio per component: " .. table.concat(parts, " "))

-- The paper's network on it: 6 hidden layers of width 30, no biases.
local net = glass.mlp{d = 10, width = 30, depth = 6}
print(net)
local N, P = net:nweights(), train:size()
print(string.format("N = %d weights, P = %d samples, N/P = %.3f", N, P, N / P))
