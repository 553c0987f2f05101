-- 8 Lua threads add to one table field and one shared upvalue, each
-- increment one line with no call in it.  bfsgil-lua switches threads
-- only where a line begins or a loop jumps back (lua/preempt.c), so no
-- increment is split and the totals are exact; a host that let a thread
-- run Lua beside another, or switched between two instructions of a
-- line, would lose updates.  Prints the totals.
local per = tonumber(arg[1]) or 100000
local shared = { n = 0 }
local m = 0
local ts = {}
for i = 1, 8 do
  ts[i] = thread.spawn(function()
    for _ = 1, per do
      shared.n = shared.n + 1
      m = m + 1
    end
  end)
end
for i = 1, 8 do thread.join(ts[i]) end
print("table " .. shared.n .. " upvalue " .. m)
