#!/usr/bin/env bash
# A node with many leases in storage: how fast it becomes active and serves after a restart,
# and how much memory it keeps (issue: "with 1,000,000 leases in storage, a node becomes
# active and serves requests within 5 s, expiry data loaded lazily or in the background, and
# its resident memory stays under 1 GB").
#   1. One TLS node on storage "raft" (single voter, disable_mlock), init 1/1, unseal, KV v2
#      at secret/, one secret written (secret/bench/read, as bench/kv_read.lua reads), and
#      wrk KV reads of it on the empty store (the reference for step 3's reads).
#   2. Fill: wrk (2 threads, FILL_CONNS connections) POSTs auth/token/create with the root
#      token (bench/token_create.lua: policies ["default"], a TTL drawn per request between
#      1h and 768h, so the due index has one bucket per minute of that range, ~46,000); each
#      thread stops after its share of 200s, a few curl requests top up to exactly N, and
#      GET sys/leases/count must then report N. Prints the fill rate.
#   3. VmRSS/VmHWM after the fill; then, for each of RESTARTS (a warm restart, then a cold
#      one with our data files evicted from the page cache): SIGTERM, the same server
#      restarted on the same data, and
#      (a) sys/unseal sent → first 200 from GET secret/data/bench/read (root token): target
#          < 5 s; memory at that point;
#      (b) time until GET sys/leases/count returns N (the background count finished), polled
#          from the moment of (a) while wrk reads KV for READ_SECS; memory at that point;
#      then wrk KV reads again (count finished) for comparison, and memory 30 s after (b).
#   Prints a summary. Memory: VmRSS (with RssAnon = heap, RssFile = mapped LMDB pages) and
#   VmHWM from /proc/<pid>/status.
#
# Usage: bench/lease_scale.sh [N leases, default 1000000]
# Environment:
#   FILL_CONNS=64          wrk connections for the fill (2 threads)
#   READ_SECS=10           seconds per wrk KV-read run (32 connections, 2 threads)
#   COFFER_BIN=./build/src/coffer
#   BENCH_DIR=/tmp         where the work directory (data, logs, certificate) is created
#   RESTARTS="warm cold"   the restarts measured, in order: warm = the data files stay in
#                          the page cache; cold = they are evicted first (fdatasync +
#                          POSIX_FADV_DONTNEED on each file of the data directory only)
#   KEEP_WORK=1            keep the work directory (with init.json: unseal key, root token)
# Needs: a built coffer (ninja -C build coffer), wrk, openssl, curl, /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
FILL_CONNS=${FILL_CONNS:-64}
READ_SECS=${READ_SECS:-10}
RESTARTS=${RESTARTS:-warm cold}
NAME=lease_scale
source bench/lib.sh
bench_init
WRK_PID="" POLL_PID=""
bench_on_exit() {
  local p
  for p in $WRK_PID $POLL_PID; do kill "$p" 2>/dev/null || true; done
}
now() { echo "$EPOCHREALTIME"; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (b-a)*1000}'; }
# Memory of the server: "VmRSS=<MiB> (anon <MiB>, file <MiB>) VmHWM=<MiB>".
mem() {
  awk '/^VmRSS:/{r=$2} /^RssAnon:/{a=$2} /^RssFile:/{f=$2} /^VmHWM:/{h=$2}
       END{printf "VmRSS=%.0fMiB (anon %.0f, file %.0f) VmHWM=%.0fMiB", r/1024, a/1024, f/1024, h/1024}' \
    "/proc/$PID/status"
}

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

cf() { curl -sS --cacert "$CA" --max-time 40 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --max-time 5 "$@"; }
start_server() {
  "$BIN" server -config="$WORK/c.hcl" >> "$WORK/server.log" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 60))
  until cf --max-time 2 "$ADDR/v1/sys/seal-status" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || die "server exited"
    [ $SECONDS -lt $deadline ] || die "server not listening after 60 s"
    sleep 0.05
  done
}
kv_ok() { [ "$(code -H "X-Vault-Token: $TOKEN" "$ADDR/v1/secret/data/bench/read")" = 200 ]; }
lease_count() {  # prints lease_count, or "-" (not counted yet / error)
  cf -H "X-Vault-Token: $TOKEN" "$ADDR/v1/sys/leases/count" 2>/dev/null |
    jget 'd["data"]["lease_count"]' 2>/dev/null || echo -
}
run_read_wrk() {  # prints "rps=... p50_ms=... p99_ms=... errors=..."
  cat bench/kv_read.lua bench/report.lua > "$WORK/read.lua"
  COFFER_TOKEN=$TOKEN wrk -t2 -c32 -d"${READ_SECS}s" -s "$WORK/read.lua" "$ADDR" 2>&1 |
    sed -n 's/^RESULT //p'
}

# --- 1. server, init, unseal, KV v2, one secret ---
echo "== coffer $("$BIN" version 2>/dev/null | head -1), storage raft, TLS, work dir $WORK"
start_server
INIT=$(cf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init") || die "sys/init"
KEY=$(echo "$INIT" | jget 'd["keys_base64"][0]')
TOKEN=$(echo "$INIT" | jget 'd["root_token"]')
(umask 077; echo "$INIT" > "$WORK/init.json")  # unseal key and root token, for KEEP_WORK=1
cf -X PUT -d "{\"key\":\"$KEY\"}" "$ADDR/v1/sys/unseal" >/dev/null || die "sys/unseal"
deadline=$((SECONDS + 60))
until [ "$(code "$ADDR/v1/sys/health")" = 200 ]; do
  [ $SECONDS -lt $deadline ] || die "not active 60 s after unseal"
  sleep 0.1
done
cf -H "X-Vault-Token: $TOKEN" -X POST -d '{"type":"kv","options":{"version":"2"}}' \
  "$ADDR/v1/sys/mounts/secret" >/dev/null || die "mount secret/"
deadline=$((SECONDS + 30))
until cf -f -H "X-Vault-Token: $TOKEN" -X POST -d '{"data":{"value":"x"}}' \
  "$ADDR/v1/secret/data/bench/read" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || die "writing secret/bench/read"
  sleep 0.2
done
kv_ok || die "reading secret/bench/read"
C0=$(lease_count)
[ "$C0" = 0 ] || die "sys/leases/count is $C0 before the fill, expected 0"
READ0=$(run_read_wrk)
echo "KV read before the fill, ${READ_SECS}s: $READ0"

# --- 2. fill N leases ---
echo "== fill: $N tokens (auth/token/create, TTL 1h..768h), wrk -t2 -c$FILL_CONNS"
T_FILL0=$(now)
PER_THREAD=$(( N / 2 - FILL_CONNS / 2 ))  # each thread's in-flight requests land after it stops
WRK_RES="(skipped, N too small)"
if [ "$PER_THREAD" -gt 0 ]; then
  mkdir -p "$WORK/filldone"
  COFFER_TOKEN=$TOKEN FILL_PER_THREAD=$PER_THREAD FILL_DONE_DIR=$WORK/filldone \
    wrk -t2 -c"$FILL_CONNS" -d24h --timeout 30s -s bench/token_create.lua "$ADDR" \
    > "$WORK/fill.out" 2>&1 &
  WRK_PID=$!
  last=$SECONDS
  while [ "$(ls "$WORK/filldone" | wc -l)" -lt 2 ]; do
    kill -0 "$WRK_PID" 2>/dev/null || { cat "$WORK/fill.out" >&2; die "wrk (fill) exited early"; }
    sleep 0.2
    if [ $((SECONDS - last)) -ge 30 ]; then
      last=$SECONDS
      c=$(lease_count)
      echo "  $(ms_between "$T_FILL0" "$(now)") ms: $c leases, $(mem)"
    fi
  done
  kill -INT "$WRK_PID"
  wait "$WRK_PID" || true
  WRK_PID=""
  WRK_RES=$(sed -n 's/^FILL //p' "$WORK/fill.out")
  echo "wrk: $WRK_RES"
fi
C=$(lease_count)
[[ "$C" =~ ^[0-9]+$ ]] || die "sys/leases/count after wrk: $C"
[ "$C" -le "$N" ] || die "overshoot: $C leases > $N"
TOPUP=$((N - C))
for ((i = 0; i < TOPUP; i++)); do
  cf -f -H "X-Vault-Token: $TOKEN" -X POST \
    -d "{\"policies\":[\"default\"],\"display_name\":\"lease-bench\",\"ttl\":\"$((3600 + RANDOM * 84))s\"}" \
    "$ADDR/v1/auth/token/create" >/dev/null || die "top-up token create"
done
T_FILL1=$(now)
FILL_MS=$(ms_between "$T_FILL0" "$T_FILL1")
C=$(lease_count)
[ "$C" = "$N" ] || die "sys/leases/count after the fill: $C, expected $N"
FILL_RATE=$(awk -v n="$N" -v ms="$FILL_MS" 'BEGIN{printf "%.0f", n/(ms/1000)}')
MEM_FILL=$(mem)
DATA_SIZE=$(du -sh "$WORK/data" | cut -f1)
echo "filled: $N leases in $FILL_MS ms = $FILL_RATE tokens/s (top-up $TOPUP by curl); sys/leases/count = $C"
echo "after the fill: $MEM_FILL; data directory $DATA_SIZE"

# --- 3. restarts on the same data ---
# evict: fdatasync + POSIX_FADV_DONTNEED on every file of the data directory (only our
# files leave the page cache; nothing global like drop_caches).
evict() {
  $PY - "$WORK/data" <<'PYEOF'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        fd = os.open(os.path.join(root, f), os.O_RDWR)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
PYEOF
}
cached() { fincore -b -n -o RES "$WORK/data/fsm/data.mdb" 2>/dev/null | awk '{printf "%.0f MiB", $1/1048576}'; }
# Rss of the LMDB mapping alone (from smaps)
mdb_rss() {
  awk '/^[0-9a-f]+-[0-9a-f]+ /{m=($6 ~ /data\.mdb$/)} m && /^Rss:/{s+=$2} END{printf "%.0f MiB", s/1024}' \
    "/proc/$PID/smaps"
}
declare -A R
restart_measure() {  # mode (warm | cold)
  local m=$1 t0 t1 tb tr1 tr1e wait_s mem_b read1 read2 overlap
  kill -TERM "$PID"
  t0=$(now)
  wait "$PID" || true
  PID=""
  R[$m,stop]=$(ms_between "$t0" "$(now)")
  [ "$m" != cold ] || evict
  R[$m,cached]=$(cached)
  echo "== $m restart (SIGTERM took ${R[$m,stop]} ms; data.mdb in the page cache: ${R[$m,cached]})"
  t0=$(now)
  start_server
  R[$m,listen]=$(ms_between "$t0" "$(now)")
  R[$m,mem_sealed]=$(mem)
  echo "listening (sealed) after ${R[$m,listen]} ms: ${R[$m,mem_sealed]}"
  rm -f "$WORK/counted" "$WORK/count-polls"
  t0=$(now)
  cf -X PUT -d "{\"key\":\"$KEY\"}" "$ADDR/v1/sys/unseal" > "$WORK/unseal.json" || die "sys/unseal after restart"
  R[$m,unseal_ret]=$(ms_between "$t0" "$(now)")
  until kv_ok; do
    kill -0 "$PID" 2>/dev/null || die "server exited after unseal"
    [ "$(ms_between "$t0" "$(now)")" -lt 120000 ] || die "no KV read 120 s after unseal"
  done
  t1=$(now)
  R[$m,a]=$(ms_between "$t0" "$t1")
  R[$m,mem_a]=$(mem)
  echo "(a) unseal sent → first KV read 200: ${R[$m,a]} ms (the unseal request returned after ${R[$m,unseal_ret]} ms); ${R[$m,mem_a]}"
  # (b) poll sys/leases/count in the background until it reports N; note time and memory.
  (
    while :; do
      c=$(lease_count)
      if [ "$c" = "$N" ]; then
        echo "$(now) $(mem)" > "$WORK/counted"
        exit 0
      fi
      echo "$(now) $c" >> "$WORK/count-polls"
      sleep 0.05
    done
  ) &
  POLL_PID=$!
  tr1=$(now)
  read1=$(run_read_wrk)
  tr1e=$(now)
  echo "KV read right after (a), ${READ_SECS}s: $read1"
  local deadline=$((SECONDS + 900))
  while [ ! -s "$WORK/counted" ]; do
    kill -0 "$POLL_PID" 2>/dev/null || die "count poller exited"
    [ $SECONDS -lt $deadline ] || die "sys/leases/count did not reach $N within 900 s after (a)"
    sleep 0.1
  done
  wait "$POLL_PID" || true
  POLL_PID=""
  read -r tb mem_b < "$WORK/counted"
  R[$m,b]=$(ms_between "$t0" "$tb")
  R[$m,mem_b]=$mem_b
  echo "(b) unseal sent → sys/leases/count = $N: ${R[$m,b]} ms; $mem_b"
  if awk -v b="$tb" -v e="$tr1e" 'BEGIN{exit !(b < e)}'; then
    overlap="the count finished $(ms_between "$tr1" "$tb") ms into this run"
  else
    overlap="the count ran during the whole run"
  fi
  read2=$(run_read_wrk)
  echo "KV read after the count finished, ${READ_SECS}s: $read2"
  wait_s=$(awk -v b="$tb" -v n="$(now)" 'BEGIN{w=b+30-n; printf "%.2f", (w > 0 ? w : 0)}')
  sleep "$wait_s"
  R[$m,mem_c]="$(mem), of which the LMDB map $(mdb_rss)"
  echo "30 s after (b) (+$(ms_between "$tb" "$(now)") ms): ${R[$m,mem_c]}"
  R[$m,count_end]=$(lease_count)
  R[$m,read1]="$read1 ($overlap)"
  R[$m,read2]=$read2
  R[$m,ratio]=$(awk -v a="$(echo "$read1" | field rps)" -v b="$(echo "$read2" | field rps)" \
    'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
  R[$m,hwm]=$(awk '/^VmHWM:/{printf "%.0f", $2/1024}' "/proc/$PID/status")
}
for mode in $RESTARTS; do restart_measure "$mode"; done

met() { if [ "$1" -lt "$2" ]; then echo met; else echo MISSED; fi; }
echo
echo "== summary (N=$N; coffer storage raft, TLS, single node; $(nproc) cores, $(uname -r)) =="
printf '%-46s %s\n' \
  "fill (wrk -t2 -c$FILL_CONNS auth/token/create)" "$N in $FILL_MS ms = $FILL_RATE tokens/s ($WRK_RES; top-up $TOPUP)" \
  "sys/leases/count after fill" "$C" \
  "memory after fill" "$MEM_FILL" \
  "data directory" "$DATA_SIZE" \
  "KV read before the fill (empty store)" "$READ0"
for m in $RESTARTS; do
  printf '%-46s %s\n' \
    "$m restart: data.mdb cached before start" "${R[$m,cached]}" \
    "$m restart: listening (sealed)" "${R[$m,listen]} ms; ${R[$m,mem_sealed]}" \
    "$m (a) unseal sent -> first KV read 200" "${R[$m,a]} ms (target < 5000: $(met "${R[$m,a]}" 5000)); ${R[$m,mem_a]}" \
    "$m (b) unseal sent -> leases/count = N" "${R[$m,b]} ms; ${R[$m,mem_b]}" \
    "$m 30 s after (b)" "${R[$m,mem_c]}; count ${R[$m,count_end]}" \
    "$m KV read right after (a)" "${R[$m,read1]}" \
    "$m KV read after the count" "${R[$m,read2]}" \
    "$m ratio (first / second)" "${R[$m,ratio]}" \
    "$m peak RSS since restart (VmHWM)" "${R[$m,hwm]} MiB (target < 1024: $(met "${R[$m,hwm]}" 1024))"
done
