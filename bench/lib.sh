# Shared by the bench scripts (source it after `cd` to the repository root and after setting
# NAME, the script's name for messages). Provides:
#   bench_init              WORK (a work directory under BENCH_DIR), cleanup on exit, BIN
#   start_tls_node [hcl]    one TLS node on storage "raft" (single voter), initialised 1/1,
#                           unsealed, active, KV v2 at secret/ with secret/bench/read
#                           written; sets ADDR, CA, TOKEN, PID. [hcl] is appended to the
#                           config file (e.g. a telemetry block).
#   api METHOD PATH [BODY]  prints the body; dies on a non-2xx status
#   run_wrk SCRIPT          one wrk run of CONNS connections for DUR seconds; prints
#                           "rps=... p50_ms=... p99_ms=... errors=..."
#   median FIELD LINES...   the median of one field over RESULT lines
#   runs_of LINES...        "a / b / c" requests/s of each run
# Environment: COFFER_BIN (./build/src/coffer), BENCH_DIR (/tmp), KEEP_WORK=1 keeps WORK.
# A script may define bench_on_exit (e.g. to stop its background jobs); it runs first.
PY=/usr/bin/python3
PID=""

bench_init() {
  BIN=${COFFER_BIN:-./build/src/coffer}
  [ -x "$BIN" ] || { echo "$NAME: $BIN not found; build it first (ninja -C build coffer)" >&2; exit 1; }
  BIN=$(realpath "$BIN")
  WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/$NAME.XXXXXX")
  KEEP=${KEEP_WORK:-0}
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if declare -F bench_on_exit >/dev/null; then bench_on_exit; fi  # a script's own helpers
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "$NAME: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}

die() {
  echo "$NAME: FAILED: $*" >&2
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
cf() { curl -sS --cacert "$CA" --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --max-time 5 "$@"; }

api() {
  local out
  out=$(cf -X "$1" -H "X-Vault-Token: $TOKEN" ${3:+-d "$3"} -w '\n%{http_code}' "$ADDR/v1/$2") ||
    die "$1 $2: curl failed"
  [[ "$(tail -n1 <<< "$out")" == 2?? ]] || die "$1 $2: $out"
  sed '$d' <<< "$out"
}

start_tls_node() {
  CA=$WORK/c.pem
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
    -out "$CA" -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
  local port cport
  port=$(free_port)
  cport=$(free_port)
  ADDR=https://127.0.0.1:$port
  mkdir -p "$WORK/data"
  cat > "$WORK/c.hcl" <<HCL
storage "raft" {
  path    = "$WORK/data"
  node_id = "bench"
}
listener "tcp" {
  address         = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$cport"
  tls_cert_file   = "$CA"
  tls_key_file    = "$WORK/k.pem"
}
api_addr      = "$ADDR"
cluster_addr  = "https://127.0.0.1:$cport"
disable_mlock = true
log_level     = "warn"
${1:-}
HCL
  "$BIN" server -config="$WORK/c.hcl" > "$WORK/server.log" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 60))
  until cf --max-time 2 "$ADDR/v1/sys/seal-status" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || die "server exited"
    [ $SECONDS -lt $deadline ] || die "server not listening after 60 s"
    sleep 0.1
  done
  local init key
  init=$(cf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init") || die "sys/init"
  key=$(echo "$init" | jget 'd["keys_base64"][0]')
  TOKEN=$(echo "$init" | jget 'd["root_token"]')
  cf -X PUT -d "{\"key\":\"$key\"}" "$ADDR/v1/sys/unseal" >/dev/null || die "sys/unseal"
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
}

run_wrk() {
  cat "$1" bench/report.lua > "$WORK/run.lua"
  COFFER_TOKEN=$TOKEN wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$WORK/run.lua" "$ADDR" 2>&1 | sed -n 's/^RESULT //p'
}

median() {
  local f=$1
  shift
  printf '%s\n' "$@" | field "$f" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
runs_of() { printf '%s\n' "$@" | field rps | paste -sd/ | sed 's|/| / |g'; }
