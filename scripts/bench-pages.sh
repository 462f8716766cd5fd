#!/usr/bin/env bash
# Server time of the web pages (issue 19), on a release build:
#  1. `bulwark demo` on SQLite: every page each role's navigation leads to,
#     and one page of every kind they link to;
#  2. with BULWARK_BENCH_DATABASE_URL (a PostgreSQL database): the
#     clearinghouse queue, the priorities page and a 3,274-component SBOM's
#     page with the store's triage bench's 1,000,000 pending cases and the
#     app's priorities bench's 1,000,000 generated CVE records stored
#     (seeded on the first run, minutes; kept afterwards) and the shared
#     KEV, EPSS, CVE and OSV records imported.
#
#  3. with BULWARK_BENCH_TOOLS_PAGE=1 as well: the tools catalogue over the
#     store's tool_evidence bench (1,000 tools, BULWARK_BENCH_REPORTS
#     reports, default 10,000,000; seeded afresh, many minutes).
#
#   scripts/bench-pages.sh                       # demo only
#   BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench scripts/bench-pages.sh
#
# Needs python3 (the driver, scripts/bench_pages.py) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${BULWARK_SHARED_DATA:-../shared/data}
cargo build --release -q -p bulwark-cli
BIN=target/release/bulwark

python3 scripts/bench_pages.py demo --bin "$BIN"

if [ -n "${BULWARK_BENCH_DATABASE_URL:-}" ]; then
    # The 1,000,000 cases (kept when a complete earlier seeding is there).
    BULWARK_BENCH_REUSE=1 cargo bench -q -p bulwark-store --bench triage > /dev/null
    # The 1,000,000 CVEs beside them (kept when an earlier run made them).
    cargo bench -q -p bulwark-app --bench priorities > /dev/null
    case "$BULWARK_BENCH_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
    URL="${BULWARK_BENCH_DATABASE_URL}${SEP}options=-csearch_path%3Dtriage_bench"
    # Imports are idempotent: a second run changes nothing. Files the
    # importers refuse are named and skipped (exit 2), which is fine here.
    "$BIN" import kev "$DATA/prioritization/kev.json" --database "$URL" > /dev/null || true
    "$BIN" import epss "$DATA/prioritization/epss_scores-2026-09-29_excerpt.csv" --database "$URL" > /dev/null || true
    "$BIN" import cve "$DATA/prioritization/vulnrichment_sample" --database "$URL" > /dev/null || true
    "$BIN" import osv "$DATA/advisories/osv" --database "$URL" > /dev/null || true
    python3 scripts/bench_pages.py large --bin "$BIN" --database "$URL" \
        --sbom "$DATA/sbom/trustify-test-data/etc/test-data/spdx/OCP-TOOLS-4.11-RHEL-8.json"
fi

if [ -n "${BULWARK_BENCH_DATABASE_URL:-}" ] && [ -n "${BULWARK_BENCH_TOOLS_PAGE:-}" ]; then
    cargo bench -q -p bulwark-store --bench tool_evidence
    case "$BULWARK_BENCH_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
    URL="${BULWARK_BENCH_DATABASE_URL}${SEP}options=-csearch_path%3Dtool_evidence_bench"
    python3 scripts/bench_pages.py tools --bin "$BIN" --database "$URL" \
        --state /tmp/bulwark-bench-tools.token
fi
