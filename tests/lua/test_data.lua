-- glass.data: loaders on the fixtures in tests/data, the Dataset accessors,
-- transforms and their fitted parameters, error messages, and the paper's
-- MNIST preprocessing (skipped with a message when data/mnist is missing).
local T = dofile("testlib.lua")
local FIX = os.getenv("GV_TEST_DATA") or "../data"
local function fix(name) return FIX .. "/" .. name end

local function tiny() return glass.data.idx{images = fix("tiny-images.idx3"), labels = fix("tiny-labels.idx1")} end

T.test("idx: plain and gzip give the same dataset", function()
  local a = tiny()
  local b = glass.data.idx{images = fix("tiny-images.idx3.gz"), labels = fix("tiny-labels.idx1.gz"), name = "gz"}
  local P, d = a:size()
  T.eq(P, 6); T.eq(d, 6); T.eq(#a, 6)
  for i = 1, 6 do
    for j = 1, 6 do T.eq(b:get(i, j), a:get(i, j)); T.eq(a:get(i, j), 10 * (i - 1) + (j - 1)) end
  end
  T.eq(tostring(a), "glass.Dataset tiny-images.idx3: 6 x 6, 6 classes")
  T.eq(b:name(), "gz")
  T.eq(table.concat(a:row(2), ","), "10.0,11.0,12.0,13.0,14.0,15.0")
  T.eq(#a:column(3), 6)
end)

T.test("classes, labels and counts", function()
  local a = tiny()
  T.eq(table.concat(a:classes(), ","), "0,1,2,4,5,9")
  T.eq(a:class(1), 5)
  T.eq(a:label(1), nil)
  T.eq(a:label_counts(), nil)
  T.ok(not a:binarized())
  T.eq(a:class_counts()[9], 1)
  T.raises(function() a:labels() end, "no ±1 labels yet", "binarize")
  T.eq(a:binarize("parity"), a)
  T.eq(table.concat(a:labels(), ","), "-1,1,1,-1,-1,1") -- classes 5 0 4 1 9 2
  local n = a:label_counts()
  T.eq(n[1], 3); T.eq(n[-1], 3)
  T.eq(tostring(a), "glass.Dataset tiny-images.idx3: 6 x 6, labels +1: 3, -1: 3")
  a:binarize{9, 1}
  T.eq(table.concat(a:labels(), ","), "-1,-1,-1,1,1,-1")
  T.raises(function() a:binarize{7} end, "class 7", "does not occur")
  T.raises(function() a:binarize("odd") end, "unknown rule 'odd'")
  T.raises(function() a:get(7, 1) end, "row 7 out of range 1..6")
  T.raises(function() a:get(1, 0) end, "feature 0 out of range")
end)

T.test("csv and cifar loaders", function()
  local c = glass.data.csv{path = fix("tiny.csv")}
  T.eq(tostring(c), "glass.Dataset tiny.csv: 4 x 3, 4 classes")
  T.eq(c:get(3, 1), -1.5); T.eq(c:class(4), 7)
  local l = glass.data.csv{path = fix("tiny-lastcol.csv"), label_column = -1}
  for i = 1, 4 do
    T.eq(l:class(i), c:class(i))
    for j = 1, 3 do T.eq(l:get(i, j), c:get(i, j)) end
  end
  local x = glass.data.cifar{paths = {fix("tiny-cifar1.bin"), fix("tiny-cifar2.bin")}, name = "cifar"}
  local P, d = x:size()
  T.eq(P, 5); T.eq(d, 3072)
  T.eq(x:class(5), 8)
  T.eq(x:get(4, 1), 100) -- second batch, row 1, pixel 1: (100 + 0) mod 256
  T.eq(glass.data.cifar{path = fix("tiny-cifar1.bin.gz")}:get(2, 3), 9)
end)

T.test("standardize returns parameters that apply to another set", function()
  local a, b = tiny(), tiny()
  local sc = a:standardize()
  T.ok(tostring(sc):match("^glass.Standardizer 6 features %(0 constant%), fitted on 6 rows"))
  T.eq(sc:d(), 6)
  -- column j holds 10 i + j, i = 0..5: mean 25 + j, population sd 10·sqrt(35/12)
  T.near(sc:mean()[1], 25, 1e-12)
  T.near(sc:scale()[1], 10 * math.sqrt(35 / 12), 1e-12)
  T.eq(b:standardize(sc), sc)
  for i = 1, 6 do T.eq(b:get(i, 2), a:get(i, 2)) end
  T.near(a:get(1, 1), -25 / (10 * math.sqrt(35 / 12)), 1e-6)
  local c = glass.data.csv{path = fix("tiny.csv")}
  T.raises(function() c:standardize(sc) end, "fitted on 6 features, tiny.csv has 3")
end)

T.test("pca returns parameters; k > d is an error", function()
  local a = glass.data.cifar{paths = {fix("tiny-cifar1.bin"), fix("tiny-cifar2.bin")}}
  local b = a:copy("copy")
  local p = a:pca(2)
  T.ok(tostring(p):match("^glass.PCA 3072 %-> 2 components, explained variance ratio"))
  T.eq(p:k(), 2); T.eq(p:d(), 3072)
  local v, r = p:variance(), p:ratio()
  T.ok(v[1] >= v[2])
  T.near(r[1], v[1] / p:total(), 1e-15)
  local c1 = p:component(1)
  local norm = 0
  for j = 1, 3072 do norm = norm + c1[j] * c1[j] end
  T.near(norm, 1, 1e-12)
  T.eq(#p:components(), 2)
  T.eq(select(2, a:size()), 2)
  -- The same parameters projecting the copy give the same rows.
  p:apply(b)
  for i = 1, 5 do T.eq(b:get(i, 1), a:get(i, 1)) end
  local err = T.raises(function() tiny():pca(7) end, "k = 7 components requested", "d = 6 features")
  T.ok(err:match("test_data.lua:%d+:"), "the message carries the script's line: " .. err)
  T.raises(function() b:pca(p) end, "fitted on 3072 features, copy has 2")
end)

T.test("subset, rows and split with a seed", function()
  local a = glass.data.cifar{paths = {fix("tiny-cifar1.bin"), fix("tiny-cifar2.bin")}}
  local s1, s2 = a:subset{n = 3, seed = 9}, a:subset{n = 3, seed = 9}
  for i = 1, 3 do T.eq(s1:class(i), s2:class(i)) end
  local tr, te = a:split{test = 2, seed = 9}
  T.eq(#tr, 3); T.eq(#te, 2)
  local tr2, te2 = a:split{test = 0.4, seed = 9} -- 0.4 of 5 rows = 2
  T.eq(#te2, 2)
  for i = 1, 2 do T.eq(te2:class(i), te:class(i)) end
  local r = a:rows{5, 1, 5}
  T.eq(r:class(1), 8); T.eq(r:class(2), 0); T.eq(#r, 3)
  T.raises(function() a:rows{6} end, "rows[1] = 6 is not a row")
  T.raises(function() a:rows{} end, "empty")
  T.raises(function() a:subset{n = 6} end, "n = 6 rows requested")
  T.raises(function() a:subset{n = 2, sed = 1} end, "unknown option 'sed'", "did you mean 'seed'")
  T.raises(function() a:split{test = 5} end, "need 1..4")
  T.raises(function() a:split{test = 1.5} end, "row count")
end)

T.test("bad files raise errors naming the file and the problem", function()
  local function idx(images, labels)
    return function() glass.data.idx{images = fix(images), labels = fix(labels or "tiny-labels.idx1")} end
  end
  T.raises(idx("bad-truncated.idx3"), "bad-truncated.idx3", "truncated")
  T.raises(idx("bad-magic.idx3"), "bad-magic.idx3", "not an IDX file")
  T.raises(idx("bad-huge.idx3.gz"), "bad-huge.idx3.gz", "promises 3136000000000")
  T.raises(idx("bad-corrupt.idx3.gz"), "bad-corrupt.idx3.gz", "corrupt gzip")
  T.raises(idx("tiny-images.idx3", "bad-count.idx1"), "bad-count.idx1", "5 labels for 6 images")
  T.raises(idx("empty.dat"), "empty.dat", "empty file")
  T.raises(idx("missing.idx3"), "missing.idx3", "cannot open")
  T.raises(function() glass.data.csv{path = fix("bad-ragged.csv")} end, "bad-ragged.csv", "ragged")
  T.raises(function() glass.data.csv{path = fix("bad-nonnumeric.csv")} end, "'abc' is not a number")
  T.raises(function() glass.data.cifar{path = fix("bad-cifar-truncated.bin")} end,
    "bad-cifar-truncated.bin", "not a whole number of CIFAR-10 rows")
  T.raises(function() glass.data.idx{images = fix("tiny-images.idx3"), lables = "x"} end,
    "unknown option 'lables'", "did you mean 'labels'")
  T.raises(function() glass.data.csv{path = fix("tiny.csv"), label_column = 0} end, "label_column")
end)

T.test("closed datasets and parameters", function()
  local a = tiny()
  local sc = a:standardize()
  a:close(); a:close() -- idempotent
  T.eq(tostring(a), "glass.Dataset (closed)")
  T.raises(function() a:size() end, "closed glass.Dataset")
  sc:close()
  T.raises(function() tiny():standardize(sc) end, "closed glass.Standardizer")
  do local b <close> = tiny() end
end)

T.test("data directories and the missing-data message", function()
  local dirs = glass.data.dirs()
  T.ok(#dirs >= 1)
  T.raises(function() glass.data.mnist{dir = "/nonexistent"} end,
    "MNIST files", "/nonexistent/mnist", "bash data/fetch.sh")
  T.raises(function() glass.data.mnist{kk = 10} end, "unknown option 'kk'", "did you mean 'k'")
  T.raises(function() glass.data.mnist{test_stats = "mine"} end, "test_stats")
end)

-- The paper's pipeline on the tiny fixtures (6 images of 2x3, classes
-- 5 0 4 1 9 2) laid out as an MNIST directory: the search of dir= (dir/mnist
-- or dir itself), the options, info, and the same rows as the steps by hand.
T.test("mnist{dir=}: the pipeline on a tiny MNIST directory", function()
  local root = os.tmpname()
  os.remove(root)
  assert(os.execute("mkdir -p " .. root .. "/mnist"))
  local function copy(from, to)
    local f = assert(io.open(fix(from), "rb")); local b = f:read("a"); f:close()
    f = assert(io.open(root .. "/mnist/" .. to, "wb")); f:write(b); f:close()
  end
  copy("tiny-images.idx3", "train-images-idx3-ubyte")
  copy("tiny-labels.idx1", "train-labels-idx1-ubyte")
  copy("tiny-images.idx3.gz", "t10k-images-idx3-ubyte.gz") -- .gz is found too
  copy("tiny-labels.idx1", "t10k-labels-idx1-ubyte")
  local train, test, info = glass.data.mnist{dir = root, k = 1, P = 4, seed = 3}
  T.eq(tostring(train), "glass.Dataset MNIST train: 4 x 1, labels +1: " .. train:label_counts()[1]
    .. ", -1: " .. train:label_counts()[-1])
  T.eq(test:name(), "MNIST test"); T.eq(#test, 6)
  T.eq(info.train_images, root .. "/mnist/train-images-idx3-ubyte")
  T.eq(info.test_images, root .. "/mnist/t10k-images-idx3-ubyte.gz")
  T.eq(info.P, 4); T.eq(info.d, 1); T.eq(info.seed, 3); T.eq(info.binarize, "parity")
  T.ok(info.test_standardize ~= info.standardize, "own statistics: a second Standardizer")
  T.eq(#info.explained_variance, 1)
  T.eq(tostring(info), string.format("MNIST: train 4 x 1, test 6 x 1; z-score (test: its own "
    .. "statistics); PCA 6 -> 1 fitted on train (explained variance ratio %.4f); parity labels",
    info.explained_variance_ratio[1]))
  -- By hand: the same rows, bit for bit.
  local full = tiny()
  local tr = full:subset{n = 4, seed = 3}
  local sc = tr:standardize()
  local pca = tr:pca(1)
  tr:binarize("parity")
  for i = 1, 4 do T.eq(train:get(i, 1), tr:get(i, 1), "row " .. i); T.eq(train:label(i), tr:label(i)) end
  T.eq(info.standardize:mean()[3], sc:mean()[3])
  T.eq(info.pca:variance()[1], pca:variance()[1])
  -- The files themselves as dir; train statistics; a class list; no test set.
  local tr2, te2, info2 = glass.data.mnist{dir = root .. "/mnist", k = 0, standardize = false,
                                           binarize = {0, 2}, test = false}
  T.eq(te2, nil); T.eq(info2.pca, nil); T.eq(info2.standardize, nil)
  T.eq(tostring(info2), "MNIST: train 6 x 6; labels +1 for the listed classes")
  T.eq(tr2:label(2), 1); T.eq(tr2:label(1), -1); T.eq(tr2:get(2, 2), 11)
  local _, te3, info3 = glass.data.mnist{dir = root, k = 2, test_stats = "train", binarize = false}
  T.eq(info3.test_standardize, info3.standardize); T.eq(te3:label(1), nil)
  T.ok(tostring(info3):find("(test: train statistics)", 1, true))
  -- Refusals name the call.
  T.raises(function() glass.data.mnist{dir = root, P = 7} end,
    "glass.data.mnist: P = 7 rows requested, the MNIST train set has 6")
  T.raises(function() glass.data.mnist{dir = root, k = 7} end,
    "glass.data.mnist: k = 7 components requested, but MNIST images have d = 6 pixels")
  T.raises(function() glass.data.mnist{dir = root, binarize = "odd"} end, "unknown rule 'odd'")
  T.raises(function() glass.data.mnist{dir = root, k = 1, binarize = {7}} end, "glass.data.mnist:", "7")
  T.raises(function() glass.data.fashion_mnist{dir = root} end, "Fashion-MNIST files",
    root .. "/fashion-mnist, " .. root)
  -- A labels file with a valid header and a class outside 0-9, or a single class.
  copy("bad-class.idx1", "train-labels-idx1-ubyte")
  T.raises(function() glass.data.mnist{dir = root, k = 1} end, "glass.data.mnist: " .. root
    .. "/mnist/train-labels-idx1-ubyte: row 4 has class 200, but MNIST's classes are 0-9",
    "bash data/fetch.sh")
  copy("bad-one-class.idx1", "train-labels-idx1-ubyte")
  T.raises(function() glass.data.mnist{dir = root, k = 1} end,
    "glass.data.mnist: MNIST train set: all 6 rows are labelled +1 (every row has class 4)")
  os.execute("rm -rf " .. root)
end)

-- glass.data.cifar10 on a made-up CIFAR-10 directory (tests/data/fake_cifar10.lua: 5 train
-- batches and a test batch of 4 rows, class of row i = i % 10): the batches in order, the
-- appendix's labels (airplane, bird, deer, frog, ship = classes 0, 2, 4, 6, 8 -> +1), and
-- the same rows as the steps by hand.
T.test("cifar10{dir=}: the paper's pipeline on CIFAR-10's batches", function()
  local root = os.tmpname()
  os.remove(root)
  local sub = dofile(fix("fake_cifar10.lua"))(root, 4)
  local train, test, info = glass.data.cifar10{dir = root, k = 3}
  T.eq(tostring(train), "glass.Dataset CIFAR-10 train: 20 x 3, labels +1: 10, -1: 10")
  T.eq(tostring(test), "glass.Dataset CIFAR-10 test: 4 x 3, labels +1: 2, -1: 2")
  T.eq(#info.train_files, 5)
  T.eq(info.train_files[5], sub .. "/data_batch_5.bin")
  T.eq(info.test_file, sub .. "/test_batch.bin")
  T.ok(tostring(info):find("PCA 3072 -> 3 fitted on train", 1, true), tostring(info))
  local paths = {}
  for k = 1, 5 do paths[k] = sub .. "/data_batch_" .. k .. ".bin" end
  local raw = glass.data.cifar{paths = paths}
  T.eq(raw:class(7), 6) -- row 7 (from 1) of the concatenation: class 6
  raw:standardize()
  raw:pca(3)
  raw:binarize{0, 2, 4, 6, 8}
  for i = 1, 20 do
    for j = 1, 3 do T.eq(train:get(i, j), raw:get(i, j), "row " .. i) end
    T.eq(train:label(i), raw:label(i))
  end
  -- A batch cut short at a row boundary (2 of its 4 rows): refused, naming it.
  local f = io.open(sub .. "/data_batch_2.bin", "rb")
  local bytes = f:read("a"); f:close()
  f = io.open(sub .. "/data_batch_2.bin", "wb"); f:write(bytes:sub(1, 2 * 3073)); f:close()
  T.raises(function() glass.data.cifar10{dir = root} end,
    sub .. "/data_batch_2.bin: 2 rows, but " .. sub .. "/data_batch_1.bin has 4", "cut short")
  f = io.open(sub .. "/data_batch_2.bin", "wb"); f:write(bytes); f:close()
  -- A missing batch: the message names the set and says how to get it.
  os.remove(sub .. "/data_batch_3.bin")
  T.raises(function() glass.data.cifar10{dir = root} end, "glass.data.cifar10: the CIFAR-10 files",
    "cannot fetch CIFAR-10", "kriz/cifar.html")
  os.execute("rm -rf " .. root)
end)

-- ---- the paper's training set (needs data/mnist: bash data/fetch.sh) -------
local have = io.open((os.getenv("GLASSVM_DATA") or "../../data") .. "/mnist/train-labels-idx1-ubyte")
if not have then
  io.stderr:write("SKIP MNIST tests: data/mnist missing (run `bash data/fetch.sh`)\n")
else
  have:close()
  T.test("mnist{}: 60000 x 10, parity labels, train PCA on the test set", function()
    local train, test, info = glass.data.mnist{}
    T.eq(tostring(train), "glass.Dataset MNIST train: 60000 x 10, labels +1: 29492, -1: 30508")
    T.eq(tostring(test), "glass.Dataset MNIST test: 10000 x 10, labels +1: 4926, -1: 5074")
    local counts = train:class_counts()
    local want = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
    for c = 0, 9 do T.eq(counts[c], want[c + 1], "class " .. c) end
    T.ok(tostring(info):match("^MNIST: train 60000 x 10"))
    T.eq(info.test_stats, "own")
    -- 67 of MNIST's 784 pixels are 0 in every train image: after the
    -- z-score the total variance is 717 · P/(P-1).
    T.ok(tostring(info.standardize):match("%(67 constant%)"))
    T.near(info.pca:total(), 717 * 60000 / 59999, 1e-6)

    -- Independent check of the PCA: the sample variance (divisor P-1) of
    -- each projected column equals the reported eigenvalue, and the columns
    -- are uncorrelated.  The projections are float32 (relative rounding
    -- ~6e-8 per value), so 1e-3 relative is a very safe bound; a wrong
    -- eigenvector would miss by far more (eigenvalues differ by >= 8%).
    local P, k = train:size()
    local mean, cols = {}, {}
    for c = 1, k do
      local col, s = train:column(c), 0
      for i = 1, P do s = s + col[i] end
      mean[c], cols[c] = s / P, col
    end
    local ev = info.explained_variance
    for c = 1, k do
      local col, m, v = cols[c], mean[c], 0
      for i = 1, P do v = v + (col[i] - m) ^ 2 end
      v = v / (P - 1)
      T.near(v / ev[c], 1, 1e-3, "variance of component " .. c)
      T.near(m, 0, 1e-4 * math.sqrt(ev[1]), "mean of component " .. c)
      if c > 1 then T.ok(ev[c] <= ev[c - 1]) end
    end
    for a = 1, 3 do
      for b = a + 1, k do
        local ca, cb, s = cols[a], cols[b], 0
        for i = 1, P do s = s + ca[i] * cb[i] end
        T.near(s / (P - 1) / math.sqrt(ev[a] * ev[b]), 0, 1e-3, "correlation " .. a .. "," .. b)
      end
    end
    local r = info.explained_variance_ratio
    T.near(r[1], ev[1] / info.pca:total(), 1e-12)
    -- Each component is a unit vector whose largest entry is positive.
    for c = 1, k do
      local v, n2, big = info.pca:component(c), 0, 0
      for j = 1, #v do
        n2 = n2 + v[j] * v[j]
        if math.abs(v[j]) > math.abs(big) then big = v[j] end
      end
      T.near(n2, 1, 1e-12); T.ok(big > 0)
    end
  end)

  T.test("mnist{test_stats='train', P=}: options change what is done", function()
    local tr, te, info = glass.data.mnist{test_stats = "train", P = 2000, seed = 1}
    T.eq(#tr, 2000); T.eq(#te, 10000)
    T.eq(info.test_standardize, info.standardize)
    local tr2 = glass.data.mnist{P = 2000, seed = 1, test = false}
    for j = 1, 10 do T.eq(tr2:get(17, j), tr:get(17, j)) end -- same seed, same rows
    local n = tr:label_counts()
    -- 2000 rows drawn from 49.15% positives: sd sqrt(2000·0.25) = 22, 6 sd = 134
    T.near(n[1], 0.4915 * 2000, 134)
  end)
end

local fm = io.open((os.getenv("GLASSVM_DATA") or "../../data") .. "/fashion-mnist/train-labels-idx1-ubyte.gz")
  or io.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")
if not fm then
  io.stderr:write("SKIP Fashion-MNIST test: not installed (apt-get install dataset-fashion-mnist)\n")
else
  fm:close()
  T.test("fashion_mnist{}: gzip IDX, balanced classes", function()
    local train, test, info = glass.data.fashion_mnist{test = false, k = 2}
    T.eq(test, nil)
    -- 6000 images of each of the 10 classes: parity splits them evenly.
    T.eq(tostring(train), "glass.Dataset Fashion-MNIST train: 60000 x 2, labels +1: 30000, -1: 30000")
    T.eq(#info.explained_variance, 2)
  end)
  -- The two sets' files have the same names and sizes: each loader refuses the other's,
  -- by their first labels, instead of naming MNIST Fashion-MNIST.
  local root = os.getenv("GLASSVM_DATA") or "../../data"
  local function exists(path)
    local f = io.open(path)
    if f then f:close() end
    return f ~= nil
  end
  if exists(root .. "/mnist/train-labels-idx1-ubyte") and exists(root .. "/fashion-mnist") then
    T.test("mnist{} and fashion_mnist{} refuse each other's files", function()
      T.raises(function() glass.data.fashion_mnist{dir = root .. "/mnist", P = 100} end,
        "glass.data.fashion_mnist:", "holds MNIST's labels", "not Fashion-MNIST's")
      T.raises(function() glass.data.mnist{dir = root .. "/fashion-mnist", P = 100} end,
        "glass.data.mnist:", "holds Fashion-MNIST's labels (its first ten: 9 0 0 3 0 2 7 2 5 5)")
    end)
  end
end

T.done()
