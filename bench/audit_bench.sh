#!/usr/bin/env bash
# KV v2 read requests/s with a file audit device enabled versus none, in ONE run against one
# TLS node on storage "raft" (bench/lib.sh start_tls_node): wrk runs alternate RUNS times
# between "audit off" and "audit on" (the device is enabled before each "on" run and
# disabled after it, so both see the same server, data and page cache). Every audited
# request writes two JSON lines (request and response entries, HMACs of the token and the
# secret) to the file with one write(2) each. Prints the medians and the ratio on/off
# (issue 6 goal: >= 0.80), and the size of the audit log written.
#
# Usage: bench/audit_bench.sh [seconds per wrk run, default 10] [connections, default 32]
# Environment: RUNS=3, COFFER_BIN, BENCH_DIR, KEEP_WORK (bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=audit_bench
DUR=${1:-10}
CONNS=${2:-32}
RUNS=${RUNS:-3}
source bench/lib.sh
bench_init
start_tls_node
LOG=$WORK/audit.log
echo "== coffer, storage raft, TLS, wrk -t2 -c$CONNS -d${DUR}s, file audit device at $LOG"

declare -a OFF_R ON_R
for ((i = 1; i <= RUNS; i++)); do
  r=$(run_wrk bench/kv_read.lua); [ -n "$r" ] || die "wrk (audit off) printed no RESULT"
  echo "run $i  audit off : $r"; OFF_R+=("$r")
  api PUT sys/audit/file "{\"type\":\"file\",\"options\":{\"file_path\":\"$LOG\"}}" >/dev/null
  before=$(stat -c %s "$LOG")
  r=$(run_wrk bench/kv_read.lua); [ -n "$r" ] || die "wrk (audit on) printed no RESULT"
  after=$(stat -c %s "$LOG")
  lines=$(wc -l < "$LOG")
  api DELETE sys/audit/file >/dev/null
  echo "run $i  audit on  : $r  (log +$(( (after - before) / 1048576 )) MiB, $lines lines)"; ON_R+=("$r")
  [ "$after" -gt "$before" ] || die "the audit device wrote nothing"
  rm -f "$LOG"
done
off=$(median rps "${OFF_R[@]}")
on=$(median rps "${ON_R[@]}")
echo
echo "== summary (median of $RUNS alternated runs; $(nproc) cores, $(uname -r)) =="
printf '%-22s %10s %9s %9s  %s\n' "" "req/s" "p50 ms" "p99 ms" "runs (req/s)"
printf '%-22s %10s %9s %9s  %s\n' "KV read, audit off" "$off" "$(median p50_ms "${OFF_R[@]}")" \
  "$(median p99_ms "${OFF_R[@]}")" "$(runs_of "${OFF_R[@]}")"
printf '%-22s %10s %9s %9s  %s\n' "KV read, file audit" "$on" "$(median p50_ms "${ON_R[@]}")" \
  "$(median p99_ms "${ON_R[@]}")" "$(runs_of "${ON_R[@]}")"
echo "on / off: $(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.3f", a/b}')"
