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
NAME=login_bench
DUR=${1:-10}
CONNS=${2:-32}
RUNS=${RUNS:-3}
source bench/lib.sh
bench_init
echo "== coffer $("$BIN" version 2>/dev/null | head -1), storage raft, TLS, wrk -t2 -c$CONNS -d${DUR}s"
start_tls_node
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

export APPROLE_ROLE_ID=$ROLE_ID APPROLE_SECRET_ID=$SECRET_ID TTL_MIN=3600 TTL_MAX=3600
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
