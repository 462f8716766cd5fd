#!/usr/bin/env bash
# Peak memory of the server while it ingests one large SARIF log over HTTP
# (issue 5: "peak memory for a 1 GB SARIF file: flat, under 200 MB").
#
#   scripts/bench-intake-memory.sh [SIZE_MB] [DATABASE]
#
# Builds the release binary, writes a SARIF log of about SIZE_MB megabytes
# (default 1024) to a temporary directory, starts `bulwark serve` on a fresh
# SQLite file (or on DATABASE, a postgres:// URL of an existing, empty
# database), submits the log with `bulwark report submit` and prints the
# server's peak resident memory (VmHWM) before and after, the time taken and
# the results per second. Nothing is asserted: it prints figures.
set -euo pipefail

size_mb=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
db=${2:-sqlite://$work/bulwark.db}

cargo build --release -q -p bulwark-cli --manifest-path "$root/Cargo.toml"
bulwark="$root/target/release/bulwark"

# ~560 bytes a result; each has its own partial fingerprint, so every result
# opens a case.
python3 - "$work/big.sarif" "$size_mb" <<'EOF'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
target = mb * 1024 * 1024
with open(path, "w") as f:
    f.write('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bulk-scanner","version":"1.0"}},"results":[')
    i, written, pad = 0, 0, "x" * 300
    while written < target:
        r = ('%s{"ruleId":"B%d","message":{"text":"overflow of buf%d %s"},"locations":[{"physicalLocation":'
             '{"artifactLocation":{"uri":"src/f%d.c"},"region":{"startLine":%d,"snippet":{"text":"memcpy(buf%d, src, n);"}}}}],'
             '"partialFingerprints":{"h":"%016x"}}') % ("," if i else "", i % 50, i, pad, i % 2000, 10 + i % 900, i, i)
        f.write(r)
        written += len(r)
        i += 1
    f.write("]}]}")
print(i, file=sys.stderr)
EOF
bytes=$(stat -c %s "$work/big.sarif")

export BULWARK_DATABASE="$db"
"$bulwark" db migrate >/dev/null
token=$("$bulwark" admin bootstrap | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bulwark" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
hwm() { awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$server/status"; }
echo "document: $((bytes / 1024 / 1024)) MB; server peak RSS before: $(hwm)"
start=$(date +%s.%N)
BULWARK_URL="http://127.0.0.1:$port" BULWARK_TOKEN="$token" \
    "$bulwark" report submit "$work/big.sarif" --format json >"$work/receipt.json"
end=$(date +%s.%N)
reports=$(python3 -c "import json; print(json.load(open('$work/receipt.json'))['reports'])")
python3 -c "
s = $end - $start
print(f'ingested $reports results in {s:.1f} s = {$reports / s:,.0f} results/s')"
echo "server peak RSS after: $(hwm)"
