#!/usr/bin/env bash
# KV v2 read and write requests/s and p99 with wrk against (1) a dev server (in-memory,
# plain HTTP) and (2) a TLS server on LMDB storage, next to GET /v1/sys/health on the same
# server as the ceiling of the HTTP stack — all in one run so the ratios are comparable.
# Usage: bench/http_bench.sh [seconds per run, default 10] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-32}
BIN=./build/src/coffer
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

run_wrk() {  # name url script
  local name=$1 url=$2 script=$3
  local out
  out=$(cat "$script" bench/report.lua > "$WORK/s.lua"; COFFER_TOKEN=$TOKEN wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$WORK/s.lua" "$url" 2>&1 | grep RESULT)
  printf "%-28s %s\n" "$name" "${out#RESULT }"
}

bench_server() {  # label addr curl_opts...
  local label=$1 addr=$2
  shift 2
  curl -sf "$@" -H "X-Vault-Token: $TOKEN" -X POST -d '{"data":{"value":"x"}}' "$addr/v1/secret/data/bench/read" >/dev/null
  echo "$label"
  printf 'request = function() return wrk.format("GET", "/v1/sys/health") end\n' > "$WORK/health.lua"
  run_wrk "  GET sys/health" "$addr" "$WORK/health.lua"
  run_wrk "  KV v2 read" "$addr" bench/kv_read.lua
  run_wrk "  KV v2 write" "$addr" bench/kv_write.lua
}

# 1. Dev server
PORT=$(free_port)
TOKEN=root
$BIN server -dev -dev-root-token-id=root -dev-listen-address=127.0.0.1:$PORT -dev-no-store-token -log-level=error >"$WORK/dev.log" 2>&1 &
sleep 1
bench_server "dev server (inmem, http)" "http://127.0.0.1:$PORT"
kill %1; wait %1 2>/dev/null || true

# 2. TLS server on LMDB (storage "raft" single node), initialised 1/1 and unsealed.
PORT=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
cat > "$WORK/c.hcl" <<HCL
storage "raft" {
  path = "$WORK/data"
  node_id = "bench"
}
listener "tcp" {
  address = "127.0.0.1:$PORT"
  tls_cert_file = "$WORK/c.pem"
  tls_key_file = "$WORK/k.pem"
}
disable_mlock = true
log_level = "error"
cluster_addr = "https://127.0.0.1:8201"
HCL
mkdir -p "$WORK/data"
$BIN server -config="$WORK/c.hcl" >"$WORK/tls.log" 2>&1 &
sleep 1
ADDR=https://127.0.0.1:$PORT
INIT=$(curl -sf --cacert "$WORK/c.pem" -X PUT -d '{"secret_shares":1,"secret_threshold":1}' $ADDR/v1/sys/init)
KEY=$(echo "$INIT" | /usr/bin/python3 -c 'import json,sys;print(json.load(sys.stdin)["keys_base64"][0])')
TOKEN=$(echo "$INIT" | /usr/bin/python3 -c 'import json,sys;print(json.load(sys.stdin)["root_token"])')
curl -sf --cacert "$WORK/c.pem" -X PUT -d "{\"key\":\"$KEY\"}" $ADDR/v1/sys/unseal >/dev/null
curl -sf --cacert "$WORK/c.pem" -H "X-Vault-Token: $TOKEN" -X POST -d '{"type":"kv","options":{"version":"2"}}' $ADDR/v1/sys/mounts/secret >/dev/null
bench_server "TLS server (raft WAL+LMDB)" "$ADDR" --cacert "$WORK/c.pem"
