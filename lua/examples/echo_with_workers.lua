-- echo_with_workers.lua: the convoy effect, in stock Lua.
--
--   bfsgil-lua --policy bfsgil lua/examples/echo_with_workers.lua [WORKERS] [PINGS]
--   bfsgil-lua --policy newgil lua/examples/echo_with_workers.lua
--
-- A Lua thread answers UDP pings on loopback while WORKERS (default 2)
-- Lua threads burn CPU.  Each request gives the lock up in recvfrom() and
-- must get it back to answer.  The pings come from udp.ping, a client
-- written in C that never takes the lock, so what it measures is the
-- server's wait.  Under newgil (CPython 3.2+'s policy) that wait is about
-- one 5 ms switch interval per request; under bfsgil the server's early
-- deadline preempts a worker at once.

local nworkers = tonumber(arg[1]) or 2
local npings = tonumber(arg[2]) or 200

local sock = udp.bind(0)
local port = sock:port()
local stop = false

local server = thread.spawn(function()
  thread.name("echo")
  while true do
    local data, ip, from = sock:recvfrom(64)
    if data == "quit" then break end
    -- A little Lua work per request, with the lock held.
    local x = 1
    for _ = 1, 20 do x = (x * 1103515245 + 12345) & 0xffffffff end
    sock:sendto(data, ip, from)
  end
end)

local workers = {}
for i = 1, nworkers do
  workers[i] = thread.spawn(function()
    thread.name("cpu-" .. i)
    local x, ops = i, 0
    while not stop do
      for _ = 1, 1000 do x = (x * 1103515245 + 12345) & 0xffffffff end
      ops = ops + 1000
    end
    return ops
  end)
end

local t0 = thread.now()
local rtts = udp.ping(port, npings, 0.002)
local elapsed = thread.now() - t0
stop = true
udp.bind(0):sendto("quit", "127.0.0.1", port)
thread.join(server)
local ops = 0
for i = 1, nworkers do ops = ops + thread.join(workers[i]) end

local got = {}
for _, r in ipairs(rtts) do if r then got[#got + 1] = r * 1e3 end end
table.sort(got)
local function pct(p)
  if #got == 0 then return 0 / 0 end
  return got[math.min(#got, math.floor(p * (#got - 1)) + 1)]
end
print(string.format(
  "%-7s %d cpu threads: %d/%d pings answered, round trip median %.3f ms, " ..
  "p99 %.3f ms, max %.3f ms; workers %.1f M ops/s",
  thread.policy(), nworkers, #got, npings, pct(0.5), pct(0.99),
  got[#got] or 0 / 0, ops / elapsed / 1e6))
