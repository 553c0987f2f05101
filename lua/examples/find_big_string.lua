-- find_big_string.lua: a long C call keeps the lock, and no policy can
-- take it back; C work that lets the lock go costs the others nothing.
--
--   bfsgil-lua --policy bfsgil lua/examples/find_big_string.lua [MB]
--
-- A Lua thread answers UDP pings while another runs, in turn:
--  1. string.find on an MB-megabyte string (default 4) with a pattern
--     that never matches: one C call of tens of milliseconds, holding
--     the lock all along (Lua's core cannot be entered meanwhile);
--  2. compute(), C work of about the same length that releases the lock,
--     as CPython's bz2 or hashlib do.
-- In phase 1 a ping waits, on average, half a call, whatever the policy;
-- in phase 2 pings are answered in about a tenth of a millisecond.

local mb = tonumber(arg[1]) or 4
local text = ("lorem ipsum dolor sit amet "):rep(mb * 1024 * 1024 // 27)

local sock = udp.bind(0)
local port = sock:port()
local server = thread.spawn(function()
  while true do
    local data, ip, from = sock:recvfrom(64)
    if data == "quit" then break end
    sock:sendto(data, ip, from)
  end
end)

local function median_ms(rtts)
  local got = {}
  for _, r in ipairs(rtts) do if r then got[#got + 1] = r * 1e3 end end
  table.sort(got)
  return got[(#got + 1) // 2] or 0 / 0, #got
end

-- One C call's length, to size compute() to match.
local t0 = thread.now()
text:find("[a-z]+%d")
local call = thread.now() - t0
t0 = thread.now()
compute(1000)
local units = math.max(1, math.floor(1000 * call / (thread.now() - t0)))

for _, phase in ipairs({ "find", "compute" }) do
  local stop = false
  local busy = thread.spawn(function()
    local calls = 0
    while not stop do
      if phase == "find" then text:find("[a-z]+%d") else compute(units) end
      calls = calls + 1
    end
    return calls
  end)
  local med, n = median_ms(udp.ping(port, 40, 0.005))
  stop = true
  local calls = thread.join(busy)
  print(string.format("%s: %-7s calls of %.1f ms (%d made): ping median " ..
                      "%.3f ms (%d/40 answered)", thread.policy(), phase,
                      call * 1e3, calls, med, n))
end
udp.bind(0):sendto("quit", "127.0.0.1", port)
thread.join(server)
