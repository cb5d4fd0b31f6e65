-- wrk script: KV v2 reads of one key written beforehand by bench/http_bench.sh.
local token = os.getenv("COFFER_TOKEN") or "root"
request = function()
  return wrk.format("GET", "/v1/secret/data/bench/read", {["X-Vault-Token"] = token})
end
