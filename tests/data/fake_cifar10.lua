-- fake_cifar10.lua: a CIFAR-10 binary directory of made-up images, for tests (the real
-- files are not redistributable from here). DIR/cifar-10-batches-bin/ gets the six files
-- of the "binary version" archive, data_batch_1.bin ... data_batch_5.bin (ROWS rows each)
-- and test_batch.bin (ROWS rows), in CIFAR's layout: per row 1 class byte, then 3072
-- pixel bytes. Class of row i (from 0, over all batches): i % 10. Pixels: a deterministic
-- pattern (a linear congruential generator seeded by the row), so PCA has variance in
-- every direction.
--   glassvm tests/data/fake_cifar10.lua DIR [ROWS]       (ROWS: default 4)
--   dofile("fake_cifar10.lua")(dir, rows)                 (from a test)
local function write(dir, rows)
  rows = rows or 4
  local sub = dir .. "/cifar-10-batches-bin"
  assert(os.execute("mkdir -p '" .. sub .. "'"))
  local names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                 "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
  local i = 0
  for _, name in ipairs(names) do
    local f = assert(io.open(sub .. "/" .. name, "wb"))
    for _ = 1, rows do
      local x, bytes = 12345 + 7919 * i, {}
      for j = 1, 3072 do
        x = (1103515245 * x + 12345) % 2147483648
        bytes[j] = x >> 23 -- 0..255
      end
      f:write(string.char(i % 10))
      for j = 1, 3072, 512 do f:write(string.char(table.unpack(bytes, j, j + 511))) end
      i = i + 1
    end
    f:close()
  end
  return sub
end

if arg and arg[0] and arg[0]:match("fake_cifar10%.lua$") and arg[1] then
  print(write(arg[1], tonumber(arg[2])))
end
return write
