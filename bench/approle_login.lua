-- wrk script: AppRole logins, POST /v1/auth/approle/login {role_id, secret_id} (no token
-- header; the method is mounted at auth/approle/). Each login issues a service token, i.e.
-- one token entry and one lease written in a Raft batch. Role and secret ID from env
-- APPROLE_ROLE_ID and APPROLE_SECRET_ID (bench/login_bench.sh sets them up; the role's
-- secret_id_num_uses = 0, so the one secret ID logs in any number of times).
local role_id = os.getenv("APPROLE_ROLE_ID") or ""
local secret_id = os.getenv("APPROLE_SECRET_ID") or ""
local body = '{"role_id":"' .. role_id .. '","secret_id":"' .. secret_id .. '"}'
local headers = {["Content-Type"] = "application/json"}
request = function()
  return wrk.format("POST", "/v1/auth/approle/login", headers, body)
end
