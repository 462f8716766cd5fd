#!/usr/bin/env bash
# Matching through the HTTP API (issue 7): SBOM uploads with their results
# and osv.dev-style querybatch calls, against every shared OSV advisory.
#
#   scripts/bench-matching-http.sh [DATABASE]
#
# Builds the release binary (or uses $CARGO_TARGET_DIR/release/bulwark),
# imports every OSV record under ../shared/data/advisories/osv into a fresh
# SQLite file (or DATABASE, a postgres:// URL of an existing, empty
# database), starts `bulwark serve`, then times with curl:
#   - the first advisory lookup (the server builds its engine from the store
#     as it starts);
#   - uploads of the largest shared SBOMs (the SBOMs trustify's own test data
#     ships, among them the ones the issue cites as 10-13 s per SBOM there),
#     each one POST /api/v1/sboms answered with its hits;
#   - 20 querybatch calls of 1,000 purls each, drawn from those SBOMs.
# It prints figures and asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared="$root/../shared/data"
work=$(mktemp -d)
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
db=${1:-sqlite://$work/bulwark.db}
target_dir=${CARGO_TARGET_DIR:-$root/target}

if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -q -p bulwark-cli --manifest-path "$root/Cargo.toml"
fi
bulwark="$target_dir/release/bulwark"

sboms=(
    "$shared/sbom/trustify-test-data/etc/test-data/quarkus-bom-2.13.8.Final-redhat-00004.json"
    "$shared/sbom/trustify-test-data/etc/test-data/cyclonedx/rh/latest_filters/middleware/quarkus-bom-sbom.json"
    "$shared/sbom/trustify-test-data/etc/test-data/spdx/SATELLITE-6.15-RHEL-8.json"
    "$shared/sbom/trustify-test-data/etc/test-data/spdx/OCP-TOOLS-4.11-RHEL-8.json"
)

export BULWARK_DATABASE="$db"
"$bulwark" db migrate >/dev/null
token=$("$bulwark" admin bootstrap | tail -n 1 | sed 's/^export BULWARK_TOKEN=//')
start=$(date +%s.%N)
# Exit code 2: the shared data holds a few broken records, named and skipped.
"$bulwark" import osv "$shared/advisories/osv" >"$work/import.txt" 2>&1 || [ $? -eq 2 ]
end=$(date +%s.%N)
python3 -c "print(f'import osv: {$end - $start:.1f} s')"
tail -n 2 "$work/import.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bulwark" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
api="http://127.0.0.1:$port/api/v1"
auth=(-H "Authorization: Bearer $token")

t() { python3 -c "import time; print(time.monotonic())"; }
start=$(t)
curl -fsS "${auth[@]}" "$api/advisories?q=CVE-2021-44228" >"$work/lookup.json"
end=$(t)
python3 -c "print(f'first advisory lookup: {$end - $start:.2f} s')"

for sbom in "${sboms[@]}"; do
    name=$(basename "$sbom")
    start=$(t)
    curl -fsS "${auth[@]}" -H 'Content-Type: application/octet-stream' \
        --data-binary "@$sbom" "$api/sboms?name=$name" >"$work/upload.json"
    end=$(t)
    python3 - "$work/upload.json" "$name" "$start" "$end" "$(stat -c %s "$sbom")" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = float(sys.argv[4]) - float(sys.argv[3])
res = r["results"]
print(f"upload {sys.argv[2]} ({int(sys.argv[5]) / 1e6:.1f} MB, {r['sbom']['format']}): {s:.2f} s; "
      f"{r['sbom']['components']} components, {res['distinct_targets']} distinct, "
      f"{len(res['hits'])} hits, {len(res['indeterminate'])} indeterminate, "
      f"{len(res['unmatchable'])} unmatchable, against {r['advisories']} advisories")
EOF
done

# 1,000 purls a call, from the SBOMs' components.
python3 - "$work/batch.json" "${sboms[@]}" <<'EOF'
import json, re, sys
purls = []
for path in sys.argv[2:]:
    purls += re.findall(r'"(pkg:[^"\s]+)"', open(path, encoding="utf-8").read())
purls = [p.replace("\\/", "/") for p in dict.fromkeys(purls)]
# Spread over all the SBOMs: every k-th distinct purl.
step = max(1, len(purls) // 1000)
batch = {"queries": [{"package": {"purl": p}} for p in (purls[::step] * 2)[:1000]]}
json.dump(batch, open(sys.argv[1], "w"))
print(f"querybatch: 1,000 of {len(purls)} distinct purls")
EOF
start=$(t)
for _ in $(seq 20); do
    curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "@$work/batch.json" "$api/querybatch" >"$work/batch-out.json"
done
end=$(t)
python3 - "$work/batch-out.json" "$start" "$end" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
s = (float(sys.argv[3]) - float(sys.argv[2])) / 20
with_vulns = sum(1 for q in r if q.get("vulns"))
print(f"querybatch of {len(r)} queries: {s * 1000:.0f} ms a call (mean of 20); "
      f"{with_vulns} queries with advisories")
EOF
awk '/VmHWM/ {printf "server peak RSS: %.0f MB\n", $2/1024}' "/proc/$server/status"
