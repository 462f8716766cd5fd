#!/usr/bin/env bash
# `bulwark match` from a cold start (issue 21): every shared OSV record
# against 25 real SBOMs of 50-3,000 components, from the compiled index
# and from the directory of records; and, given a larger source (the
# output of scripts/osv_scale.py), its compile and load.
#
#   scripts/bench-match-cold.sh [BIG_SOURCE]
#
# Uses target/release/bulwark (built unless SKIP_BUILD is set). The SBOMs
# are the first 25, in path order, of the shared SBOMs whose matchable
# component count (as `bulwark match` counts them) is 50 to 3,000. Each
# figure is the median wall time of 7 runs (3 for BIG_SOURCE), with the
# peak resident memory of the last. Prints figures, asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared="$root/../shared/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target_dir=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -q -p bulwark-cli --manifest-path "$root/Cargo.toml"
fi
bulwark="$target_dir/release/bulwark"
fixtures="$root/crates/matching/tests/fixtures"

# The SBOMs: counted by bulwark itself.
: >"$work/sboms"
while IFS= read -r f; do
    n=$("$bulwark" match --advisories "$fixtures" --sbom "$f" 2>&1 >/dev/null \
        | sed -n 's/^1 SBOMs, \([0-9]*\) components.*/\1/p' || true)
    if [ -n "$n" ] && [ "$n" -ge 50 ] && [ "$n" -le 3000 ]; then
        echo "$n $f" >>"$work/sboms"
    fi
    [ "$(wc -l <"$work/sboms")" -ge 25 ] && break
done < <(find "$shared/sbom" -type f \( -name '*.json' -o -name '*.xml' -o -name '*.spdx' \) | sort)
sbom_args=()
while read -r n f; do sbom_args+=(--sbom "$f"); done <"$work/sboms"
echo "SBOMs: $(wc -l <"$work/sboms"), components $(awk '{s+=$1} END {print s}' "$work/sboms") (min $(sort -n "$work/sboms" | head -1 | cut -d' ' -f1), max $(sort -n "$work/sboms" | tail -1 | cut -d' ' -f1))"

# median wall seconds and the last run's peak RSS (KiB) of a command.
timed() {
    local runs=$1; shift
    python3 - "$runs" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
walls = []
for _ in range(runs):
    t = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    walls.append(time.monotonic() - t)
    if p.returncode not in (0, 2):
        sys.exit(f"{cmd[:3]} exited {p.returncode}: {p.stderr.decode()[-400:]}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
last = p.stderr.decode().strip().splitlines()
print(f"median {statistics.median(walls)*1e3:.0f} ms (min {min(walls)*1e3:.0f}, max {max(walls)*1e3:.0f}), peak RSS {rss/1024:.0f} MiB")
for l in last:
    if l.startswith("advisories:") or " records compiled " in l or l.endswith("ecosystem covers"):
        print("   ", l[:220])
PY
}

osv="$shared/advisories/osv"
echo "compile the shared records:"
timed 3 "$bulwark" advisories compile "$osv" -o "$work/shared.idx"
echo "match from the compiled index (25 SBOMs):"
timed 7 "$bulwark" match --index "$work/shared.idx" "${sbom_args[@]}"
echo "match from the directory of records (25 SBOMs):"
timed 7 "$bulwark" match --advisories "$osv" "${sbom_args[@]}"

if [ -n "${1:-}" ]; then
    big=$1
    largest=$(sort -n "$work/sboms" | tail -1 | cut -d' ' -f2-)
    echo "compile $big:"
    timed 1 "$bulwark" advisories compile "$big" -o "$work/big.idx"
    ls -l "$work/big.idx" | awk '{printf "    index file: %.0f MiB\n", $5/1048576}'
    echo "match the largest of the SBOMs from the big index (load + match):"
    timed 3 "$bulwark" match --index "$work/big.idx" --sbom "$largest"
    if [ -n "${KEEP_INDEX:-}" ]; then cp "$work/big.idx" "$KEEP_INDEX"; fi
fi
