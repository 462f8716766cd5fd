#!/usr/bin/env bash
# The write tail under concurrent intake (issue 16, item 7): CLIENTS clients
# (default 8), each an organization of its own, send SARIF logs to one
# server as fast as it answers; prints the latency of POST /api/v1/reports
# over all requests (p50, p90, p99, max) and the answers that were not 201.
#
#   scripts/bench-intake-load.sh [REQUESTS_PER_CLIENT] [CLIENTS] [DATABASE]
#
# Builds the release binary (or takes BULWARK_BIN), starts `bulwark serve` on
# a fresh SQLite file in a temporary directory (or on DATABASE, a postgres://
# URL of an existing, empty database) and drives it from Python's standard
# library (no other tool). Each log holds RESULTS results (default 40): half
# of them findings every client reports (the same fingerprints, so intakes
# meet on the same cases), half the client's own. Nothing is asserted: it
# prints figures.
#
# Measured (2 shared cores, `scripts/bench-intake-load.sh 200 8`, three runs):
#   SQLite, before the store queued its writers (10c5074):
#     p50 7.6-8.1 ms, p99 434-535 ms, max 1.8-2.2 s, 211-230 requests/s
#   SQLite, writers queued, first batch parsed before the write:
#     p50 33-35 ms, p99 42-46 ms, max 44-53 ms, 225-236 requests/s
#   PostgreSQL, same build: p50 24 ms, p99 59 ms, max 115 ms, 286 requests/s
# (The median rose because nobody jumps the queue any more: eight clients
# behind one writer wait for each other, 8 / 230 per second = 35 ms.)
set -euo pipefail

requests=${1:-100}
clients=${2:-8}
results=${RESULTS:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
db=${3:-sqlite://$work/bulwark.db}
port=${BENCH_PORT:-18491}

if [ -n "${BULWARK_BIN:-}" ]; then
    bulwark=$BULWARK_BIN
else
    cargo build --release -q -p bulwark-cli --manifest-path "$root/Cargo.toml"
    bulwark="$root/target/release/bulwark"
fi

token=$("$bulwark" admin bootstrap --database "$db" | tail -n 1)
RUST_LOG=warn "$bulwark" serve --database "$db" --listen "127.0.0.1:$port" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

export BULWARK_URL="http://127.0.0.1:$port"
tokens=()
for i in $(seq 1 "$clients"); do
    org=$(BULWARK_TOKEN=$token "$bulwark" org create --name "Scanner $i" --kind researcher --format json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    user=$(BULWARK_TOKEN=$token "$bulwark" user create --org "$org" --username "scanner$i" \
        --display-name "Scanner $i" --role analyst --format json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    tokens+=("$(BULWARK_TOKEN=$token "$bulwark" token issue --user "$user" --name load --format json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')")
done

echo "== $clients clients x $requests SARIF logs of $results results, $("$bulwark" --version), ${db%%:*}"
python3 - "$port" "$requests" "$results" "${tokens[@]}" <<'EOF'
import http.client, json, sys, threading, time

port, requests, results = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tokens = sys.argv[4:]

def sarif(client, n):
    rs = []
    for k in range(results):
        shared = k % 2 == 0
        key = "shared-%d-%d" % (n, k) if shared else "own-%d-%d-%d" % (client, n, k)
        rs.append({
            "ruleId": "LOAD%d" % (k % 7),
            "message": {"text": "finding %s" % key},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/f%d.c" % (k % 13)},
                                                "region": {"startLine": 10 + k}}}],
            "partialFingerprints": {"primaryLocationLineHash": key},
        })
    return json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "load"}}, "results": rs}]}).encode()

latencies, failures, lock = [], {}, threading.Lock()
start = threading.Barrier(len(tokens))

def client(i, token):
    docs = [sarif(i, n) for n in range(requests)]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    start.wait()
    for body in docs:
        t = time.perf_counter()
        conn.request("POST", "/api/v1/reports", body=body, headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/sarif+json"})
        resp = conn.getresponse()
        resp.read()
        ms = (time.perf_counter() - t) * 1000
        with lock:
            latencies.append(ms)
            if resp.status != 201:
                failures[resp.status] = failures.get(resp.status, 0) + 1

threads = [threading.Thread(target=client, args=(i, t)) for i, t in enumerate(tokens)]
t0 = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - t0
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
print("requests %d in %.1f s (%.0f/s); latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" % (
    len(latencies), wall, len(latencies) / wall, pct(50), pct(90), pct(99), latencies[-1]))
print("not 201: %s" % (failures or "none"))
EOF
