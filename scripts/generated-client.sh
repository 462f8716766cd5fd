#!/usr/bin/env bash
# Generates a Python client from docs/openapi.json with a common generator
# (openapi-python-client), and has it call the API of a running server: the
# document is only useful if a client made from it works (issue 16, item 3).
# Fails when the generator warns about any part of the document, when the
# client does not install, or when any call or check fails.
#
#   scripts/generated-client.sh [SPEC]     (default docs/openapi.json)
#
# Builds and uses target/debug/bulwark (BULWARK_BIN names another binary).
# Needs python3 with venv, and PyPI. `.ci/run` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=$(realpath "${1:-docs/openapi.json}")
# Pinned: a new generator release must not change the verdict unnoticed.
GENERATOR="openapi-python-client==0.29.1"

if [ -z "${BULWARK_BIN:-}" ]; then
  cargo build -q -p bulwark-cli
fi
BIN=$(realpath "${BULWARK_BIN:-target/debug/bulwark}")

WORK=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== $GENERATOR: generating a client from $SPEC"
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q --disable-pip-version-check "$GENERATOR"
# The generator reads request bodies only as JSON, forms or
# application/octet-stream; the other raw bodies (a TOML set, an Epoch CSV,
# a zipped Inspect log, a patch file) are sent as they are, which is what octet-stream
# means to it. No post-generation hooks: formatting is not what is tested.
cat >"$WORK/generator.yaml" <<'YAML'
project_name_override: bulwark-api-client
package_name_override: bulwark_api_client
post_hooks: []
content_type_overrides:
  application/toml: application/octet-stream
  text/csv: application/octet-stream
  application/zip: application/octet-stream
  text/x-diff: application/octet-stream
  text/x-patch: application/octet-stream
YAML
# --fail-on-warning: a part of the document the generator cannot read
# (an endpoint it leaves out, a schema it cannot type) fails the run.
if ! "$WORK/venv/bin/openapi-python-client" generate --path "$SPEC" --config "$WORK/generator.yaml" \
  --meta setup --output-path "$WORK/client" --fail-on-warning >"$WORK/generate.log" 2>&1; then
  cat "$WORK/generate.log" >&2
  echo "openapi-python-client could not generate a clean client from $SPEC" >&2
  exit 1
fi
if grep -qi "warning" "$WORK/generate.log"; then
  cat "$WORK/generate.log" >&2
  echo "openapi-python-client warned about $SPEC" >&2
  exit 1
fi
"$PY" -m pip install -q --disable-pip-version-check "$WORK/client"

echo "== bulwark serve on a temporary SQLite database"
DB="$WORK/bulwark.db"
TOKEN=$("$BIN" admin bootstrap --database "$DB" 2>"$WORK/bootstrap.log" | tail -n 1)
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" serve --database "$DB" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  if "$PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SERVER" 2>/dev/null; then
    cat "$WORK/server.log" >&2
    echo "bulwark serve stopped before answering" >&2
    exit 1
  fi
  sleep 0.2
done

echo "== the generated client against http://127.0.0.1:$PORT"
if ! BULWARK_URL="http://127.0.0.1:$PORT" BULWARK_TOKEN="$TOKEN" "$PY" scripts/generated_client_check.py; then
  echo "-- server log" >&2
  tail -n 50 "$WORK/server.log" >&2
  exit 1
fi
