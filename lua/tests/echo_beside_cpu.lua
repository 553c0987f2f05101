-- A Lua thread answering UDP pings beside a CPU-bound Lua thread that
-- never blocks: the echo is served only if the policy preempts the
-- worker.  With arg[1] == "coroutine" (coroutine.wrap) or "resume"
-- (coroutine.resume) the worker loops inside a coroutine, where only a
-- hook armed on the coroutine stops it.
-- Prints "answered N of M max SECONDS".
local mode = arg[1] or "plain"
local npings = tonumber(arg[2]) or 50
local sock = udp.bind(0)
local port = sock:port()
local stop = false

local server = thread.spawn(function()
  while true do
    local data, ip, from = sock:recvfrom(64)
    if data == "quit" then break end
    sock:sendto(data, ip, from)
  end
end)

local function burn()
  local x = 1
  while not stop do
    for _ = 1, 1000 do x = (x * 1103515245 + 12345) & 0xffffffff end
  end
  return x
end

local worker = thread.spawn(function()
  if mode == "coroutine" then
    return coroutine.wrap(burn)()
  elseif mode == "resume" then
    return select(2, coroutine.resume(coroutine.create(burn)))
  end
  return burn()
end)

local rtts = udp.ping(port, npings, 0.002, 2.0)
stop = true
udp.bind(0):sendto("quit", "127.0.0.1", port)
thread.join(server)
thread.join(worker)
local answered, max = 0, 0
for _, r in ipairs(rtts) do
  if r then
    answered = answered + 1
    if r > max then max = r end
  end
end
print(string.format("answered %d of %d max %.6f", answered, npings, max))
