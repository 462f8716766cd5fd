#!/usr/bin/env bash
# Vectors per second through `bulwark score cvss --file` on a release build.
#
#   crates/scoring/scripts/bench-score-cvss.sh            # builds, then times
#   SKIP_BUILD=1 N=1000000 crates/scoring/scripts/bench-score-cvss.sh
#
# The input is the shared CVSS reference vectors (v3.0, v3.1, v4.0) repeated
# to N lines (default 100,000) in /tmp. Target: 100,000 in under a second.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
data=${BULWARK_PRIORITIZATION_DATA:-$root/../shared/data/prioritization}
n=${N:-100000}
format=${FORMAT:-json}
vectors=/tmp/bulwark-bench-cvss-vectors.txt
bin=${CARGO_TARGET_DIR:-$root/target}/release/bulwark

if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release -p bulwark-cli --manifest-path "$root/Cargo.toml"
fi

# One vector per line, the three files' vectors in turn, repeated to N lines.
tail -q -n +2 "$data/cvss30_vectors.csv" "$data/cvss31_vectors.csv" "$data/cvss40_vectors.csv" \
  | cut -d, -f1 > "$vectors.one"
awk -v n="$n" '{ v[NR] = $0 } END { for (i = 0; i < n; i++) print v[i % NR + 1] }' \
  "$vectors.one" > "$vectors"
rm -f "$vectors.one"

start=$(date +%s.%N)
"$bin" score cvss --file "$vectors" --format "$format" > /tmp/bulwark-bench-cvss-out.txt
end=$(date +%s.%N)

lines=$(wc -l < /tmp/bulwark-bench-cvss-out.txt)
awk -v n="$lines" -v s="$start" -v e="$end" \
  'BEGIN { t = e - s; printf "%d vectors in %.3f s: %.0f vectors/s\n", n, t, n / t }'
