-- wrk script: etcd v3 JSON gateway puts (POST /v3/kv/put), a distinct key per request
-- (bench/<thread>/<counter>), a value of the same size as bench/kv_write.lua's body.
local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  return ((s:gsub(".", function(c)
    local bits, b = "", c:byte()
    for i = 8, 1, -1 do bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#s % 3 + 1])
end

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0
request = function()
  counter = counter + 1
  local key = base64("bench/" .. tostring(id) .. "/" .. counter)
  local value = base64('{"value":"' .. counter .. '","pad":"0123456789abcdef0123456789abcdef"}')
  local body = '{"key":"' .. key .. '","value":"' .. value .. '"}'
  return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"}, body)
end
