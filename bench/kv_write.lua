-- wrk script: KV v2 writes to a rotating set of keys. Token from env COFFER_TOKEN.
local counter = 0
local token = os.getenv("COFFER_TOKEN") or "root"
request = function()
  counter = counter + 1
  local path = "/v1/secret/data/bench/k" .. (counter % 1000)
  local body = '{"data":{"value":"' .. counter .. '","pad":"0123456789abcdef0123456789abcdef"}}'
  return wrk.format("POST", path, {["X-Vault-Token"] = token, ["Content-Type"] = "application/json"}, body)
end
