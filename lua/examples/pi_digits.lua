-- pi_digits.lua: CPU-bound Lua threads sharing the lock.
--
--   bfsgil-lua --policy bfsgil lua/examples/pi_digits.lua [THREADS] [DIGITS]
--
-- Each of THREADS threads (default 3) computes DIGITS (default 800)
-- digits of pi with Rabinowitz and Wagon's spigot, pure Lua integer
-- arithmetic.  One lock means no parallelism: the threads take turns,
-- and the policy decides how evenly.  Each thread reports when it
-- finished; under bfsgil the finishing times are close together (equal
-- deadlines, 5 ms slices, round robin), and the total is about THREADS
-- times one thread's time.

local nthreads = tonumber(arg[1]) or 3
local ndigits = tonumber(arg[2]) or 800

local function pi_digits(n)
  local len = n * 10 // 3 + 1
  local a = {}
  for i = 1, len do a[i] = 2 end
  local out, nines, predigit = {}, 0, 0
  for _ = 1, n do
    local q = 0
    for i = len, 1, -1 do
      local x = 10 * a[i] + q * i
      a[i] = x % (2 * i - 1)
      q = x // (2 * i - 1)
    end
    a[1] = q % 10
    q = q // 10
    if q == 9 then
      nines = nines + 1
    elseif q == 10 then
      out[#out + 1] = tostring(predigit + 1)
      for _ = 1, nines do out[#out + 1] = "0" end
      predigit, nines = 0, 0
    else
      out[#out + 1] = tostring(predigit)
      predigit = q
      for _ = 1, nines do out[#out + 1] = "9" end
      nines = 0
    end
  end
  out[#out + 1] = tostring(predigit)
  return table.concat(out):sub(2)   -- drop the leading 0
end

local t0 = thread.now()
local one = pi_digits(ndigits)
local alone = thread.now() - t0
print(string.format("%s: one thread alone: %.3f s, pi = %s...%s",
                    thread.policy(), alone, one:sub(1, 12), one:sub(-6)))

t0 = thread.now()
local ts = {}
for i = 1, nthreads do
  ts[i] = thread.spawn(function()
    local digits = pi_digits(ndigits)
    return digits == one, thread.now() - t0
  end)
end
for i = 1, nthreads do
  local same, finished = thread.join(ts[i])
  print(string.format("  thread %d finished at %.3f s%s", i, finished,
                      same and "" or "  (WRONG DIGITS)"))
end
local total = thread.now() - t0
print(string.format("%d threads: %.3f s in all, %.2fx one thread's time",
                    nthreads, total, total / alone))
