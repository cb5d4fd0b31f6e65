#!/usr/bin/env bash
# AppRole login requests/s next to KV v2 read requests/s (and, as the reference for the write
# a login makes, auth/token/create of a 1h token), in ONE run against one TLS node on
# storage "raft" (single voter, as bench/http_bench.sh part 2):
#   setup: init 1/1, unseal, KV v2 at secret/ with secret/bench/read written, approle enabled
#   at auth/approle/, role "bench" (token_ttl=1h, secret_id_num_uses=0, token_policies
#   ["default"]), its role-id read and one secret-id generated;
#   then wrk runs alternate RUNS times: login (bench/approle_login.lua), KV read
#   (bench/kv_read.lua), token create (bench/token_create.lua with TTL 1h) — and the medians
#   and the ratios to the KV read median are printed. Every login and every token create
#   writes a token and its lease (one Raft batch, fdatasync'ed); a KV read writes nothing.
#
# Usage: bench/login_bench.sh [seconds per wrk run, default 10] [connections, default 32]
# Environment:
#   RUNS=3                 alternations
#   COFFER_BIN=./build/src/coffer
#   BENCH_DIR=/tmp         where the work directory (data, logs, certificate) is created
#   KEEP_WORK=1            keep the work directory after the run
# Needs: a built coffer with src/auth/approle (ninja -C build coffer), wrk, openssl, curl,
# /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-32}
RUNS=${RUNS:-3}
BIN=${COFFER_BIN:-./build/src/coffer}
PY=/usr/bin/python3
[ -x "$BIN" ] || { echo "login_bench: $BIN not found; build it first (ninja -C build coffer)" >&2; exit 1; }
BIN=$(realpath "$BIN")
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/login-bench.XXXXXX")
KEEP=${KEEP_WORK:-0}
PID=""

cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "login_bench: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
die() {
  echo "login_bench: FAILED: $*" >&2
  if [ -f "$WORK/server.log" ]; then
    echo "--- tail of $WORK/server.log" >&2
    tail -n 30 "$WORK/server.log" >&2
  fi
  KEEP=1
  exit 1
}
free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jget() { $PY -c 'import json,sys;d=json.load(sys.stdin);print(eval(sys.argv[1],{},{"d":d}))' "$1"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }

CA=$WORK/c.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$CA" -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
PORT=$(free_port)
CPORT=$(free_port)
ADDR=https://127.0.0.1:$PORT
mkdir -p "$WORK/data"
cat > "$WORK/c.hcl" <<HCL
storage "raft" {
  path    = "$WORK/data"
  node_id = "bench"
}
listener "tcp" {
  address         = "127.0.0.1:$PORT"
  cluster_address = "127.0.0.1:$CPORT"
  tls_cert_file   = "$CA"
  tls_key_file    = "$WORK/k.pem"
}
api_addr      = "$ADDR"
cluster_addr  = "https://127.0.0.1:$CPORT"
disable_mlock = true
log_level     = "warn"
HCL

cf() { curl -sS --cacert "$CA" --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --max-time 5 "$@"; }
api() {  # method path [body]: prints the body; fails on a non-2xx status
  local out
  out=$(cf -X "$1" -H "X-Vault-Token: $TOKEN" ${3:+-d "$3"} -w '\n%{http_code}' "$ADDR/v1/$2") ||
    die "$1 $2: curl failed"
  [[ "$(tail -n1 <<< "$out")" == 2?? ]] || die "$1 $2: $out"
  sed '$d' <<< "$out"
}

echo "== coffer $("$BIN" version 2>/dev/null | head -1), storage raft, TLS, wrk -t2 -c$CONNS -d${DUR}s"
"$BIN" server -config="$WORK/c.hcl" > "$WORK/server.log" 2>&1 &
PID=$!
deadline=$((SECONDS + 60))
until cf --max-time 2 "$ADDR/v1/sys/seal-status" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || die "server exited"
  [ $SECONDS -lt $deadline ] || die "server not listening after 60 s"
  sleep 0.1
done
INIT=$(cf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init") || die "sys/init"
KEY=$(echo "$INIT" | jget 'd["keys_base64"][0]')
TOKEN=$(echo "$INIT" | jget 'd["root_token"]')
cf -X PUT -d "{\"key\":\"$KEY\"}" "$ADDR/v1/sys/unseal" >/dev/null || die "sys/unseal"
deadline=$((SECONDS + 60))
until [ "$(code "$ADDR/v1/sys/health")" = 200 ]; do
  [ $SECONDS -lt $deadline ] || die "not active 60 s after unseal"
  sleep 0.1
done
api POST sys/mounts/secret '{"type":"kv","options":{"version":"2"}}' >/dev/null
deadline=$((SECONDS + 30))
until cf -f -H "X-Vault-Token: $TOKEN" -X POST -d '{"data":{"value":"x"}}' \
  "$ADDR/v1/secret/data/bench/read" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || die "writing secret/bench/read"
  sleep 0.2
done
api POST sys/auth/approle '{"type":"approle"}' >/dev/null
api POST auth/approle/role/bench \
  '{"token_ttl":"1h","secret_id_num_uses":0,"token_policies":["default"]}' >/dev/null
ROLE_ID=$(api GET auth/approle/role/bench/role-id | jget 'd["data"]["role_id"]')
SECRET_ID=$(api POST auth/approle/role/bench/secret-id '{}' | jget 'd["data"]["secret_id"]')
# One login by hand: a token with the role's TTL.
LOGIN=$(cf -X POST -d "{\"role_id\":\"$ROLE_ID\",\"secret_id\":\"$SECRET_ID\"}" "$ADDR/v1/auth/approle/login") ||
  die "login"
LOGIN_TTL=$(echo "$LOGIN" | jget 'd["auth"]["lease_duration"]') || die "login: $LOGIN"
[ "$LOGIN_TTL" = 3600 ] || die "login token TTL $LOGIN_TTL, expected 3600"
echo "role bench: role_id ${ROLE_ID:0:8}..., one secret ID; a login returns a token with TTL $LOGIN_TTL s"

run_wrk() {  # script: prints "rps=... p50_ms=... p99_ms=... errors=..."
  cat "$1" bench/report.lua > "$WORK/run.lua"
  COFFER_TOKEN=$TOKEN APPROLE_ROLE_ID=$ROLE_ID APPROLE_SECRET_ID=$SECRET_ID TTL_MIN=3600 TTL_MAX=3600 \
    wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$WORK/run.lua" "$ADDR" 2>&1 | sed -n 's/^RESULT //p'
}
# token_create.lua has its own done(); strip it so report.lua's is the one wrk calls.
sed '/^done = function/,$d' bench/token_create.lua > "$WORK/token_create.lua"

declare -a LOGIN_R READ_R CREATE_R
for ((i = 1; i <= RUNS; i++)); do
  r=$(run_wrk bench/approle_login.lua); [ -n "$r" ] || die "wrk (login) printed no RESULT"
  echo "run $i  approle login : $r"; LOGIN_R+=("$r")
  r=$(run_wrk bench/kv_read.lua); [ -n "$r" ] || die "wrk (KV read) printed no RESULT"
  echo "run $i  KV v2 read    : $r"; READ_R+=("$r")
  r=$(run_wrk "$WORK/token_create.lua"); [ -n "$r" ] || die "wrk (token create) printed no RESULT"
  echo "run $i  token create  : $r"; CREATE_R+=("$r")
done
COUNT=$(cf -H "X-Vault-Token: $TOKEN" --max-time 40 "$ADDR/v1/sys/leases/count" | jget 'd["data"]["lease_count"]')

# median of one field over a list of RESULT lines
median() {  # field lines...
  local f=$1
  shift
  printf '%s\n' "$@" | field "$f" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
runs_of() { printf '%s\n' "$@" | field rps | paste -sd/ | sed 's|/| / |g'; }
errs_of() { printf '%s\n' "$@" | field errors | awk '{s+=$1} END{print s}'; }
read_med=$(median rps "${READ_R[@]}")
echo
echo "== summary (median of $RUNS alternated runs; wrk -t2 -c$CONNS -d${DUR}s; TLS, storage raft, 1 node; $(nproc) cores, $(uname -r)) =="
printf '%-34s %10s %9s %9s %8s  %s\n' request "req/s" "p50 ms" "p99 ms" "vs read" "runs (req/s); errors"
row() {  # label lines...
  local label=$1
  shift
  local rps
  rps=$(median rps "$@")
  printf '%-34s %10s %9s %9s %8s  %s; %s\n' "$label" "$rps" "$(median p50_ms "$@")" "$(median p99_ms "$@")" \
    "$(awk -v a="$rps" -v b="$read_med" 'BEGIN{printf "%.3f", a/b}')" "$(runs_of "$@")" "$(errs_of "$@")"
}
row "KV v2 read" "${READ_R[@]}"
row "AppRole login (token TTL 1h)" "${LOGIN_R[@]}"
row "auth/token/create (TTL 1h)" "${CREATE_R[@]}"
echo "leases at the end (sys/leases/count): $COUNT"
