-- Spawn 1,000 threads at once, then join them all.
local n = tonumber(arg[1]) or 1000
local ts = {}
for i = 1, n do
  ts[i] = thread.spawn(function(k) return k * 2 end, i)
end
local sum = 0
for i = 1, n do sum = sum + thread.join(ts[i]) end
-- And as many again whose handles are dropped unjoined: the host must
-- still wait for them and free them.
for i = 1, n do thread.spawn(function() return i end) end
collectgarbage()
print("sum " .. sum)
