-- luapeer.lua: bfsgil-bench's peer in stock Lua 5.4, run by bfsgil-lua
-- under each policy (bfsgil-lua --policy P luapeer.lua ...).  It speaks
-- gilpeer.py's protocol (bench/peer/gilpeer.py), with Lua twins of its
-- workloads:
--
--   cpu       Lua arithmetic, one op = one LCG step
--   cnogil    a long C call that keeps the lock: string.find on a large
--             string, calibrated to ~2 ms, like re.search in CPython
--   crelease  C work with the lock released: compute(), ~2 ms
--
--   luapeer.lua latency --workload {none,cpu,cnogil,crelease} --threads N
--       a UDP echo on 127.0.0.1 beside N workload threads; prints
--       "ready PORT"; the datagram "quit" stops it ("done"); exits 3 by
--       itself after 30 s without a datagram
--   luapeer.lua throughput --workload W --threads N --seconds S [--paired]
--       N workload threads; prints "ops TOTAL seconds ELAPSED".  With
--       --paired (and N > 1): six pairs of windows of S/5 seconds, one
--       of N threads and one of a single thread, in alternating order,
--       in this process; the line gives each kind's totals, then
--       " one TOTAL seconds ELAPSED".  A one-thread figure taken seconds
--       apart in another process moved with this machine's drift by up
--       to half; so did single pairs of long windows (0.85 to 1.17).

local IDLE_TIMEOUT_S = 30
local CALL_TARGET_S = 0.002
local PACKET_WORK_STEPS = 20

local function usage(out)
  out:write("usage: luapeer.lua latency --workload W --threads N\n",
            "       luapeer.lua throughput --workload W --threads N --seconds S\n",
            "workloads: none (latency only), cpu, cnogil, crelease\n")
end

local function emit(line)
  io.stdout:write(line, "\n")
  io.stdout:flush()
end

local function fail(msg)
  io.stderr:write("luapeer: ", msg, "\n")
  usage(io.stderr)
  os.exit(2)
end

-- Median wall time of f(x) over 5 runs.
local function median_time(f, x)
  local t = {}
  for i = 1, 5 do
    local t0 = thread.now()
    f(x)
    t[i] = thread.now() - t0
  end
  table.sort(t)
  return t[3]
end

-- The size for which f(make(size)) takes about CALL_TARGET_S.
local function calibrate(make, f, size)
  local arg, took
  for _ = 1, 6 do
    arg = make(size)
    took = median_time(f, arg)
    if math.abs(took - CALL_TARGET_S) < 0.05 * CALL_TARGET_S then break end
    size = math.max(1000, math.floor(size * CALL_TARGET_S / math.max(took, 1e-6)))
  end
  arg = make(size)
  return arg, size, median_time(f, arg)
end

local WORKLOADS = {}

-- Each body adds its ops to acc.n, one line with no call in it, so no
-- switch splits it (bfsgil-lua switches at line starts only), and the
-- main thread reads it in one line too: a total and a time that belong
-- together.  (Summing per-thread slots in a loop let the reader be
-- preempted halfway and counted 170% of one thread on two cores.)

function WORKLOADS.cpu()
  return function(stop, acc, slot)
    local x = slot
    while not stop[1] do
      for _ = 1, 1000 do x = (x * 1103515245 + 12345) & 0xffffffff end
      acc.n = acc.n + 1000
    end
  end
end

-- A body whose one op is one call of f(x), a C call of about 2 ms.
local function calls_of(f, x)
  return function(stop, acc)
    while not stop[1] do
      f(x)
      acc.n = acc.n + 1
    end
  end
end

function WORKLOADS.cnogil()
  -- Lower-case words and no digit: at every start the pattern runs to
  -- the end of the word and fails; time linear in the length.
  local words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
  local function make(size)
    return words:rep(size // #words + 1):sub(1, size)
  end
  local function search(text) return text:find("[a-z]+%d") end
  local text, size, took = calibrate(make, search, 100000)
  io.stderr:write(string.format("luapeer: cnogil call %.2f ms (string %d chars)\n",
                                took * 1e3, size))
  return calls_of(search, text)
end

function WORKLOADS.crelease()
  local units, _, took = calibrate(function(n) return n end, compute, 1000)
  io.stderr:write(string.format("luapeer: crelease call %.2f ms (%d units)\n",
                                took * 1e3, units))
  return calls_of(compute, units)
end

local function start_workers(workload, n, stop, acc)
  local body = WORKLOADS[workload]()   -- calibrate before any thread runs
  local ts = {}
  for i = 1, n do ts[i] = thread.spawn(body, stop, acc, i) end
  return ts
end

local function cmd_latency(opt)
  local stop, acc, workers = { false }, { n = 0 }, {}
  local sock = udp.bind(0)
  sock:settimeout(IDLE_TIMEOUT_S)
  if opt.workload ~= "none" then
    workers = start_workers(opt.workload, opt.threads, stop, acc)
  end
  local server = thread.spawn(function()
    thread.name("echo")
    local x = 1
    while true do
      local data, ip, port = sock:recvfrom(2048)
      if data == nil then
        io.stderr:write("luapeer: no datagram for ", IDLE_TIMEOUT_S,
                        " s, giving up\n")
        return 3
      end
      if data == "quit" then return 0 end
      for _ = 1, PACKET_WORK_STEPS do
        x = (x * 1103515245 + 12345) & 0xffffffff
      end
      sock:sendto(data, ip, port)
    end
  end)
  emit("ready " .. sock:port())
  local status = thread.join(server)
  stop[1] = true
  for _, t in ipairs(workers) do thread.join(t) end
  if status == 0 then emit("done") end
  return status
end

-- One window of n threads of body: ops and seconds.
local function window(body, n, seconds)
  local stop, acc, ts = { false }, { n = 0 }, {}
  for i = 1, n do ts[i] = thread.spawn(body, stop, acc, i) end
  thread.sleep(seconds / 10)            -- every thread under way
  local ops0, t0 = acc.n, thread.now()
  thread.sleep(seconds)
  local ops1, t1 = acc.n, thread.now()
  stop[1] = true
  for _, t in ipairs(ts) do thread.join(t) end
  return ops1 - ops0, t1 - t0
end

local function cmd_throughput(opt)
  local body = WORKLOADS[opt.workload]()   -- calibrate first
  if not opt.paired or opt.threads == 1 then
    emit(string.format("ops %d seconds %.6f",
                       window(body, opt.threads, opt.seconds)))
    return 0
  end
  local ops, s, one_ops, one_s = 0, 0, 0, 0
  for pair = 1, 6 do
    for k = 1, 2 do
      local n = (pair + k) % 2 == 0 and 1 or opt.threads
      local o, t = window(body, n, opt.seconds / 5)
      if n == 1 then one_ops, one_s = one_ops + o, one_s + t
      else ops, s = ops + o, s + t end
    end
  end
  emit(string.format("ops %d seconds %.6f one %d seconds %.6f", ops, s,
                     one_ops, one_s))
  return 0
end

local function parse(args)
  if args[1] == "--help" then usage(io.stdout); os.exit(0) end
  local opt = { command = args[1] }
  if opt.command ~= "latency" and opt.command ~= "throughput" then
    fail("no command '" .. tostring(args[1]) .. "'")
  end
  local i = 2
  while i <= #args do
    local k, v = args[i], args[i + 1]
    if v == nil and k ~= "--paired" then fail("missing value for " .. k) end
    if k == "--paired" then opt.paired = true; i = i - 1
    elseif k == "--workload" then opt.workload = v
    elseif k == "--threads" then opt.threads = math.tointeger(tonumber(v))
    elseif k == "--seconds" then opt.seconds = tonumber(v)
    else fail("unknown option " .. k) end
    i = i + 2
  end
  local known = opt.workload == "none" or WORKLOADS[opt.workload or ""]
  if not known or (opt.workload == "none" and opt.command ~= "latency") then
    fail("bad --workload")
  end
  if not opt.threads or opt.threads < 0 or opt.threads > 1024 then
    fail("--threads must be between 0 and 1024")
  end
  if (opt.workload == "none") ~= (opt.threads == 0) then
    fail("--threads 0 goes with --workload none, and only with it")
  end
  if opt.command == "throughput" and not (opt.seconds and opt.seconds > 0) then
    fail("--seconds must be positive")
  end
  return opt
end

local opt = parse(arg)
local status
if opt.command == "latency" then status = cmd_latency(opt)
else status = cmd_throughput(opt) end
if status ~= 0 then os.exit(status) end
