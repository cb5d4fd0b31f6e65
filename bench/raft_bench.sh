#!/usr/bin/env bash
# Replicated writes, side by side in ONE run on loopback, all data on the same disk:
#   1. the disk's own fdatasync rate (bench/fsync_bench.py: 4 KiB write + fdatasync in a
#      loop, appending like Coffer's WAL and overwriting a preallocated file like etcd's);
#   2. a 3-member etcd cluster (Debian's etcd-server, default fsync behaviour, TLS on client
#      and peer ports): wrk puts through the v3 JSON gateway (POST /v3/kv/put, a distinct key
#      per request, bench/etcd_put.lua) against the leader;
#   3. a 3-node Coffer cluster (storage "raft", TLS, performance_multiplier = 1, nodes 2 and 3
#      joined by retry_join, autopilot promotes them to voters): wrk KV v2 writes
#      (bench/kv_write.lua) against the active node;
#   4. failover (bench/failover_bench.py): under a light write load, kill -9 the active node,
#      time until the first KV write succeeds through a surviving node, restart + unseal the
#      killed node, wait for it to catch up; repeated, median and worst reported.
# Then a summary table. wrk uses 2 threads and the same connection count for 2 and 3.
#
# Usage: bench/raft_bench.sh [seconds per wrk run, default 10] [connections, default 32]
# Environment:
#   FAILOVER_RUNS=10   kills in step 4 (passed to failover_bench.py --runs)
#   BENCH_DIR=/tmp     where the data directories live (the disk measured in step 1)
#   COFFER_BIN=./build/src/coffer
#   KEEP_WORK=1        keep the work directory (configs, logs, data) after the run
#   PARTS=fsync,etcd,coffer,failover   the steps to run (failover needs coffer)
# Needs: a built coffer (ninja -C build coffer), wrk, openssl, curl, /usr/bin/python3 with
# requests, and etcd (installed on demand: scripts/setup --bench --no-build).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-32}
RUNS=${FAILOVER_RUNS:-10}
BIN=${COFFER_BIN:-./build/src/coffer}
PY=/usr/bin/python3
PARTS=${PARTS:-fsync,etcd,coffer,failover}
want() { [[ ",$PARTS," == *",$1,"* ]]; }
if want coffer; then
  [ -x "$BIN" ] || { echo "raft_bench: $BIN not found; build it first (ninja -C build coffer)" >&2; exit 1; }
  BIN=$(realpath "$BIN")
fi
if want etcd; then command -v etcd >/dev/null || ./scripts/setup --bench --no-build; fi
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/raft-bench.XXXXXX")
KEEP=${KEEP_WORK:-0}

# Servers are started in the background and disowned (so bash does not report the kill -9s of
# step 4); their pids are kept here and killed at exit if their command line is still ours.
declare -a SERVER_PIDS=()
ours() { { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null | grep -qF "$WORK"; }
cleanup() {
  local pid deadline=$((SECONDS + 20))
  for pid in "${SERVER_PIDS[@]}"; do ours "$pid" && kill "$pid" 2>/dev/null; done
  for pid in "${SERVER_PIDS[@]}"; do
    while ours "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  done
  if [ "$KEEP" = 1 ]; then echo "raft_bench: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jget() { $PY -c 'import json,sys;d=json.load(sys.stdin);print(eval(sys.argv[1],{},{"d":d}))' "$1"; }
cf() { curl -sS --cacert "$CA" --max-time 10 "$@"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }  # value of key=value in a RESULT line

declare -a EC EP CP CCP ETCD_PIDS
FSYNC_APPEND="not run" FSYNC_OVER="not run" ETCD="not run" COFFER="not run" FAILOVER="not run"
summary() {
  echo
  echo "== summary (one run, side by side; wrk -t2 -c$CONNS -d${DUR}s; data in $(dirname "$WORK")) =="
  printf '%-34s %s\n' "fdatasync/s append (p50/p99 ms)" "$FSYNC_APPEND" \
    "fdatasync/s prealloc (p50/p99 ms)" "$FSYNC_OVER" \
    "etcd 3-member put (v3 gateway)" "$ETCD" \
    "coffer 3-node KV v2 put" "$COFFER" \
    "coffer failover median / worst" "$FAILOVER"
  echo "machine: nproc=$(nproc) kernel=$(uname -r) disk=$(df -P "$WORK" | awk 'NR==2{print $1" ("$2" 1K-blocks)"}')"
}
die() {
  echo "raft_bench: FAILED: $*" >&2
  if [ -n "${TOKEN:-}" ] && [ -n "${CP[1]:-}" ]; then
    echo "--- autopilot state on node1:" >&2
    cf -H "X-Vault-Token: $TOKEN" "$(addr 1)/v1/sys/storage/raft/autopilot/state" >&2 || true
    echo >&2
  fi
  for f in "$WORK/$PART"*.log; do
    [ -f "$f" ] || continue
    echo "--- tail of $f" >&2
    tail -n 20 "$f" >&2
  done
  KEEP=1
  summary
  exit 1
}
wait_for() {  # seconds description command...: retries the command every 0.2 s
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}
run_wrk() {  # url script [extra env]: prints "rps=... p50_ms=... p99_ms=... errors=..."
  cat "$2" bench/report.lua > "$WORK/wrk.lua"
  COFFER_TOKEN=${TOKEN:-} wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$WORK/wrk.lua" "$1" 2>&1 |
    sed -n 's/^RESULT //p'
}
fmt() { echo "$(echo "$1" | field rps) req/s (p99 $(echo "$1" | field p99_ms) ms, errors $(echo "$1" | field errors))"; }

# --- TLS: a CA and one certificate for 127.0.0.1 (server and client auth), as tests/e2e ---
CA=$WORK/ca.crt CERT=$WORK/server.crt KEY_FILE=$WORK/server.key
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$WORK/ext.cnf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" \
  -out "$CA" -days 2 -subj "/CN=raft-bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$KEY_FILE" \
  -out "$WORK/server.csr" -subj /CN=localhost 2>/dev/null
openssl x509 -req -in "$WORK/server.csr" -CA "$CA" -CAkey "$WORK/ca.key" -CAcreateserial \
  -out "$CERT" -days 2 -extfile "$WORK/ext.cnf" 2>/dev/null

# --- 1. fdatasync rate of the data directory's disk ---
fsync_part() {
  echo "== 1. fdatasync, ${DUR}s per mode, in $WORK"
  local fs line v mode
  fs=$($PY bench/fsync_bench.py "$WORK" --secs "$DUR" --mode both) || die "fsync_bench.py"
  echo "$fs"
  for mode in append overwrite; do
    line=$(echo "$fs" | grep "mode=$mode")
    v="$(echo "$line" | field fsyncs_per_s) ($(echo "$line" | field p50_ms)/$(echo "$line" | field p99_ms))"
    if [ $mode = append ]; then FSYNC_APPEND=$v; else FSYNC_OVER=$v; fi
  done
}

# --- 2. etcd, 3 members ---
etcd_healthy() { cf "https://127.0.0.1:${EC[1]}/health" | grep -q '"health":"true"'; }

etcd_part() {
  echo "== 2. etcd $(etcd --version | sed -n 's/^etcd Version: //p'), 3 members, TLS"
  local i st leader="" r keys initial
  for i in 1 2 3; do EC[$i]=$(free_port); EP[$i]=$(free_port); done
  initial="e1=https://127.0.0.1:${EP[1]},e2=https://127.0.0.1:${EP[2]},e3=https://127.0.0.1:${EP[3]}"
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$WORK/etcd$i" \
      --listen-client-urls "https://127.0.0.1:${EC[$i]}" \
      --advertise-client-urls "https://127.0.0.1:${EC[$i]}" \
      --listen-peer-urls "https://127.0.0.1:${EP[$i]}" \
      --initial-advertise-peer-urls "https://127.0.0.1:${EP[$i]}" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token raft-bench \
      --cert-file "$CERT" --key-file "$KEY_FILE" --peer-cert-file "$CERT" \
      --peer-key-file "$KEY_FILE" --peer-trusted-ca-file "$CA" --peer-client-cert-auth \
      --logger zap --log-outputs stderr --log-level warn > "$WORK/etcd$i.log" 2>&1 &
    ETCD_PIDS[$i]=$!
    SERVER_PIDS+=($!)
    disown
  done
  wait_for 60 "etcd cluster health" etcd_healthy
  for i in 1 2 3; do
    st=$(cf -X POST -d '{}' "https://127.0.0.1:${EC[$i]}/v3/maintenance/status")
    [ "$(echo "$st" | jget 'd["leader"]==d["header"]["member_id"]')" = True ] && leader=$i
  done
  [ -n "$leader" ] || die "no etcd leader found"
  echo "leader: e$leader (https://127.0.0.1:${EC[$leader]})"
  r=$(run_wrk "https://127.0.0.1:${EC[$leader]}" bench/etcd_put.lua)
  [ -n "$r" ] || die "wrk against etcd printed no RESULT"
  echo "etcd put: $r"
  ETCD=$(fmt "$r")
  # Every request wrote a distinct key: count the keys under the "bench/" prefix.
  keys=$(cf -X POST "https://127.0.0.1:${EC[$leader]}/v3/kv/range" \
    -d "{\"key\":\"$(printf bench/ | base64)\",\"range_end\":\"$(printf bench0 | base64)\",\"count_only\":true}" |
    jget 'd.get("count","0")')
  echo "etcd keys under bench/: $keys"
  kill "${ETCD_PIDS[@]}"
  for i in 1 2 3; do while ours "${ETCD_PIDS[$i]}"; do sleep 0.1; done; done
}

# --- 3. Coffer, 3 nodes ---
write_coffer_config() {  # i
  local i=$1 join=""
  [ "$i" = 1 ] || join="
  retry_join {
    leader_api_addr     = \"https://127.0.0.1:${CP[1]}\"
    leader_ca_cert_file = \"$CA\"
  }"
  mkdir -p "$WORK/coffer$i"
  cat > "$WORK/coffer$i.hcl" <<HCL
storage "raft" {
  path                   = "$WORK/coffer$i"
  node_id                = "node$i"
  performance_multiplier = 1$join
}

listener "tcp" {
  address         = "127.0.0.1:${CP[$i]}"
  cluster_address = "127.0.0.1:${CCP[$i]}"
  tls_cert_file   = "$CERT"
  tls_key_file    = "$KEY_FILE"
}

api_addr      = "https://127.0.0.1:${CP[$i]}"
cluster_addr  = "https://127.0.0.1:${CCP[$i]}"
disable_mlock = true
log_level     = "info"
pid_file      = "$WORK/coffer$i.pid"
HCL
}
start_node() {
  "$BIN" server -config="$WORK/coffer$1.hcl" >> "$WORK/coffer$1.log" 2>&1 &
  SERVER_PIDS+=($!)
  disown
}
addr() { echo "https://127.0.0.1:${CP[$1]}"; }
listening() { cf "$(addr "$1")/v1/sys/seal-status" >/dev/null; }
unsealed() { cf "$(addr "$1")/v1/sys/seal-status" | grep -q '"sealed":false'; }
active() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --max-time 2 "$(addr "$1")/v1/sys/health")" = 200 ]
}
unseal() { cf -X PUT -d "{\"key\":\"$UNSEAL_KEY\"}" "$(addr "$1")/v1/sys/unseal"; }
# A node started with retry_join gets a join challenge from the leader and stays sealed until
# it has the unseal key; sys/unseal then answers the challenge, waits for the cluster's data
# and unseals (it can take a while). The key is sent again if the node is still sealed.
unseal_joiner() {
  curl -sS --cacert "$CA" --max-time 150 -X PUT -d "{\"key\":\"$UNSEAL_KEY\"}" \
    "$(addr "$1")/v1/sys/unseal" >> "$WORK/unseal-node$1.out" 2>&1 || true
  echo >> "$WORK/unseal-node$1.out"
  unsealed "$1"
}
initialized() { cf "$(addr "$1")/v1/sys/seal-status" | grep -q '"initialized":true'; }
three_voters() {
  cf -H "X-Vault-Token: $TOKEN" "$(addr 1)/v1/sys/storage/raft/configuration" > "$WORK/raft.json" &&
    [ "$(jget 'sum(1 for s in d["data"]["config"]["servers"] if s["voter"])' < "$WORK/raft.json")" = 3 ]
}
token_post() {  # path body: prints the body and then the HTTP status
  cf -X POST -H "X-Vault-Token: $TOKEN" -d "$2" -w ' HTTP %{http_code}' "$(addr "$ACTIVE")/v1/$1"
}

coffer_part() {
  echo "== 3. Coffer ($("$BIN" version 2>/dev/null | head -1)), 3 nodes, TLS"
  local i init out r
  for i in 1 2 3; do CP[$i]=$(free_port); CCP[$i]=$(free_port); done
  for i in 1 2 3; do write_coffer_config $i; done
  start_node 1
  wait_for 30 "node1 listening" listening 1
  init=$(cf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$(addr 1)/v1/sys/init") ||
    die "sys/init on node1: $init"
  UNSEAL_KEY=$(echo "$init" | jget 'd["keys_base64"][0]') || die "sys/init on node1: $init"
  TOKEN=$(echo "$init" | jget 'd["root_token"]')
  unseal 1 >/dev/null || die "sys/unseal on node1"
  wait_for 30 "node1 active (sys/health 200)" active 1
  ACTIVE=1
  out=$(token_post sys/storage/raft/autopilot/configuration '{"server_stabilization_time":"1s"}') || true
  echo "autopilot server_stabilization_time=1s:$out"
  for i in 2 3; do
    start_node $i
    wait_for 30 "node$i listening" listening $i
  done
  for i in 2 3; do
    wait_for 60 "node$i to get its join challenge (seal-status initialized)" initialized $i
    wait_for 100 "node$i to join and unseal (answers: $WORK/unseal-node$i.out)" unseal_joiner $i
  done
  wait_for 120 "3 voters in sys/storage/raft/configuration" three_voters
  jget '"raft configuration: " + ", ".join("%s%s voter=%s" % (s["node_id"], "(leader)" if s["leader"] else "", s["voter"]) for s in d["data"]["config"]["servers"])' < "$WORK/raft.json"
  ACTIVE=""
  for i in 1 2 3; do active $i && ACTIVE=$i; done
  [ -n "$ACTIVE" ] || die "no active Coffer node (sys/health 200)"
  out=$(token_post sys/mounts/secret '{"type":"kv","options":{"version":"2"}}')
  [[ "$out" == *"HTTP 20"? ]] || die "mount secret/: $out"
  out=$(token_post secret/data/bench/first '{"data":{"value":"x"}}')
  [[ "$out" == *"HTTP 20"? ]] || die "first KV v2 write: $out"
  echo "active: node$ACTIVE ($(addr "$ACTIVE"))"
  r=$(run_wrk "$(addr "$ACTIVE")" bench/kv_write.lua)
  [ -n "$r" ] || die "wrk against Coffer printed no RESULT"
  echo "coffer KV v2 put: $r"
  COFFER=$(fmt "$r")
}

# --- 4. failover ---
failover_part() {
  echo "== 4. failover, $RUNS kills of the active node"
  local i fo nodes=""
  for i in 1 2 3; do
    nodes+="${nodes:+,}
  {\"name\": \"node$i\", \"addr\": \"$(addr $i)\", \"config\": \"$WORK/coffer$i.hcl\",
   \"pid_file\": \"$WORK/coffer$i.pid\", \"log\": \"$WORK/coffer$i.log\"}"
  done
  cat > "$WORK/cluster.json" <<JSON
{"bin": "$BIN", "ca": "$CA", "unseal_key": "$UNSEAL_KEY", "token": "$TOKEN", "nodes": [$nodes]}
JSON
  local rc=0
  $PY bench/failover_bench.py --cluster "$WORK/cluster.json" --runs "$RUNS" | tee "$WORK/failover.out" ||
    rc=$?
  fo=$(sed -n 's/^RESULT //p' "$WORK/failover.out")
  [ -z "$fo" ] || FAILOVER="$(echo "$fo" | field median_ms) ms / $(echo "$fo" | field worst_ms) ms ($(echo "$fo" | field ok) of $RUNS kills)"
  [ "$rc" = 0 ] || die "failover_bench.py exited $rc"
  [ -n "$fo" ] || die "failover_bench.py printed no RESULT"
}

PART=""  # the step running: die prints the tails of its server logs ($WORK/<PART>*.log)
for step in fsync etcd coffer failover; do
  PART=$step
  [ "$PART" != failover ] || PART=coffer
  if want $step; then "${step}_part"; fi
done
summary
