#!/usr/bin/env bash
# The server with the whole OSV database (issue 21): BIG_SOURCE (records
# made by scripts/osv_scale.py, a directory or zip) imported into a fresh
# SQLite file (or DATABASE, a postgres:// URL of an existing, empty
# database); then `bulwark serve` started and timed from its launch to the
# answer of its first SBOM upload (the engine is built from the stored
# compiled records as it starts), and SBOM's matching through the API
# timed: its upload (stored and matched) and GET /api/v1/sboms/{id} (its
# stored components matched again), median of 7 each.
#
#   scripts/bench-osv-scale-server.sh BIG_SOURCE SBOM [DATABASE]
#
# Uses target/release/bulwark (built unless SKIP_BUILD is set). With
# SKIP_IMPORT=1 and BULWARK_TOKEN set, DATABASE is used as it is (an
# earlier run's, imported already). Prints figures and asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
big=$1
sbom=$2
work=$(mktemp -d)
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
db=${3:-sqlite://$work/bulwark.db}
target_dir=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -q -p bulwark-cli --manifest-path "$root/Cargo.toml"
fi
bulwark="$target_dir/release/bulwark"

export BULWARK_DATABASE="$db"
"$bulwark" db migrate >/dev/null
if [ -n "${SKIP_IMPORT:-}" ]; then
    token=$BULWARK_TOKEN
else
    token=$("$bulwark" admin bootstrap | tail -n 1 | sed 's/^export BULWARK_TOKEN=//')
    echo "token: $token"
    start=$(date +%s.%N)
    "$bulwark" import osv "$big" >"$work/import.txt" 2>&1 || [ $? -eq 2 ]
    end=$(date +%s.%N)
    python3 -c "print(f'import osv: {$end - $start:.1f} s')"
    tail -n 1 "$work/import.txt"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$bulwark" "$port" "$token" "$sbom" "$work" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request
bulwark, port, token, sbom, work = sys.argv[1:]
api = f"http://127.0.0.1:{port}/api/v1"
body = open(sbom, "rb").read()
def call(method, path, data=None):
    req = urllib.request.Request(api + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)
t0 = time.monotonic()
server = subprocess.Popen([bulwark, "serve", "--listen", f"127.0.0.1:{port}"],
                          stdout=open(f"{work}/server.log", "w"), stderr=subprocess.STDOUT)
try:
    while True:
        try:
            r = call("POST", "/sboms?name=first", body)
            break
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.02)
    first = time.monotonic() - t0
    res = r["results"]
    print(f"first SBOM upload answered {first:.2f} s after launching the server: "
          f"{r['sbom']['components']} components, {len(res['hits'])} hits, against {r['advisories']} advisories")
    ups, gets = [], []
    for i in range(7):
        t = time.monotonic(); r = call("POST", f"/sboms?name=again{i}", body); ups.append(time.monotonic() - t)
        t = time.monotonic(); g = call("GET", f"/sboms/{r['sbom']['id']}"); gets.append(time.monotonic() - t)
    ms = lambda xs: f"median {statistics.median(xs)*1e3:.0f} ms (min {min(xs)*1e3:.0f}, max {max(xs)*1e3:.0f})"
    print(f"upload (stored and matched): {ms(ups)}")
    print(f"GET /sboms/{{id}} (matched again): {ms(gets)}")
    for line in open(f"/proc/{server.pid}/status"):
        if line.startswith("VmHWM"):
            print(f"server peak RSS: {int(line.split()[1]) / 1024:.0f} MiB")
    for line in open(f"{work}/server.log"):
        if "advisory index built" in line:
            print("   ", line.strip()[:300])
finally:
    server.terminate()
PY
