-- One thread fails; the others finish, and the main thread learns of the
-- failure from join.
local ts = {}
for i = 1, 3 do
  ts[i] = thread.spawn(function()
    if i == 2 then
      thread.name("failing")
      local function inner() error("boom in worker " .. i) end
      inner()
    end
    thread.sleep(0.05)
    return "ok " .. i
  end)
end
for i = 1, 3 do
  local ok, res = pcall(thread.join, ts[i])
  if ok then print(res) else print("join error: " .. res) end
end
