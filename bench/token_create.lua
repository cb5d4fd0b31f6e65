-- wrk script (bench/lease_scale.sh): POST /v1/auth/token/create, one service token per
-- request, each a lease. Body: policies ["default"], a TTL drawn uniformly from
-- [TTL_MIN, TTL_MAX] seconds (default 1h..768h, so the due index gets one bucket per minute
-- of that range), display_name "lease-bench".
-- Environment:
--   COFFER_TOKEN      the token creating them (the root token)
--   FILL_PER_THREAD   each thread stops after this many 200 responses (0 = run for -d)
--   FILL_DONE_DIR     a thread that stopped writes FILL_DONE_DIR/thread<i> (so the caller can
--                     end wrk with SIGINT instead of waiting for -d)
--   TTL_MIN, TTL_MAX  seconds
-- done() prints "FILL ok=<200 responses> failed=<other statuses>" (summed over threads).
local token = os.getenv("COFFER_TOKEN") or "root"
local quota = tonumber(os.getenv("FILL_PER_THREAD") or "0")
local done_dir = os.getenv("FILL_DONE_DIR")
local ttl_min = tonumber(os.getenv("TTL_MIN") or "3600")
local ttl_max = tonumber(os.getenv("TTL_MAX") or tostring(768 * 3600))
local headers = {["X-Vault-Token"] = token, ["Content-Type"] = "application/json"}

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

ok, failed = 0, 0
local stopped = false
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end

request = function()
  local ttl = math.random(ttl_min, ttl_max)
  local body = '{"policies":["default"],"display_name":"lease-bench","ttl":"' .. ttl .. 's"}'
  return wrk.format("POST", "/v1/auth/token/create", headers, body)
end

response = function(status, hdrs, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
  if quota > 0 and ok >= quota and not stopped then
    stopped = true
    if done_dir then
      local f = io.open(done_dir .. "/thread" .. id, "w")
      if f then f:write(ok, "\n"); f:close() end
    end
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local o, f = 0, 0
  for _, t in ipairs(threads) do
    o = o + (t:get("ok") or 0)
    f = f + (t:get("failed") or 0)
  end
  io.write(string.format("FILL ok=%d failed=%d p50_ms=%.3f p99_ms=%.3f\n", o, f,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
