-- Calls that must be refused with a clear error, one per line.
local function try(what, f, ...)
  local ok, err = pcall(f, ...)
  print(what .. ": " .. (ok and "accepted" or tostring(err)))
end
try("join a number", thread.join, 42)
try("spawn a number", thread.spawn, 42)
local t = thread.spawn(function() return 1 end)
thread.join(t)
try("join twice", thread.join, t)
try("nice 20", thread.nice, 20)
try("sleep -1", thread.sleep, -1)
try("bind port 70000", udp.bind, 70000)
print("nice 5: " .. tostring(thread.nice(5)))
-- Coroutines keep their standard behaviour.
local co = coroutine.create(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
print("resume", coroutine.resume(co, 1))
print("resume", coroutine.resume(co, 10))
print("resume", coroutine.resume(co))
local w = coroutine.wrap(function() error("wrapped boom") end)
try("wrap error", function()
  w() end)
-- A handle closed while another thread is joining it: that join fails
-- (and nothing is used after it is freed: ASan watches this in CI).
-- The sleep only makes "while joining" likely; if the joiner is not yet
-- waiting, its join finds the handle closed, which is also an error.
local joiner
do
  local h <close> = thread.spawn(function() thread.sleep(0.2); return 1 end)
  joiner = thread.spawn(function() return pcall(thread.join, h) end)
  thread.sleep(0.05)
end
local ok, err = thread.join(joiner)
print("join across close: " .. tostring(ok) .. " " .. tostring(err))
-- thread.name names the OS thread too (its first 15 bytes): what top -H,
-- traces and bfsgil-stat show.
local named = thread.spawn(function()
  thread.name("a-long-lua-thread-name")
  local f = io.open("/proc/thread-self/comm")
  local comm = f and f:read("l")
  if f then f:close() end
  return comm
end)
print("os name: " .. tostring(thread.join(named)))
