#!/usr/bin/env bash
# Measures the HTTP server with wrk (Debian package `wrk`) on loopback against
# a release build on the embedded SQLite back-end: /healthz, and an
# authenticated API read (token lookup, policy decision, one row read).
#
#   scripts/bench-http.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
CONNECTIONS=${2:-32}
PORT=${BENCH_PORT:-18481}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

cargo build --release -q
BIN=target/release/bulwark
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

TOKEN=$("$BIN" admin bootstrap --database "$WORK/bench.db" | tail -n 1)
RUST_LOG=warn "$BIN" serve --database "$WORK/bench.db" --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

ORG=$(curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/me" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
cat > "$WORK/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

echo "== GET /healthz (${DURATION}s, $CONNECTIONS connections, 2 threads)"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|50%|99%|Non-2xx|errors"
echo "== GET /api/v1/organizations/{id} with a bearer token"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/auth.lua" "http://127.0.0.1:$PORT/api/v1/organizations/$ORG" | grep -E "Requests/sec|50%|99%|Non-2xx|errors"
