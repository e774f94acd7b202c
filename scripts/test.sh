#!/usr/bin/env bash
# The README's test command: type-check, lint, build the binary, run every test (unit tests
# from source, Lua tests through the built binary; from source under Deno, every Lua test, so
# `deno task assay` keeps to the same tests as the binary, and the network tests, whose fetch,
# TLS, server and WebSocket paths differ by runtime), then print one summary line. Each phase
# prints the seconds it took, to see where time goes.

# Runs one phase: prints its name, runs the command, then prints the seconds it took, on
# stdout like the name (bash's `time` reports on stderr; the command keeps its own stderr).
# .ci/run sources this file for this function alone, hence the return below.
phase() {
  local name=$1
  shift
  echo "== $name"
  local TIMEFORMAT="== $name: %1R s"
  { time "$@" 2>&3; } 3>&2 2>&1
}
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

set -euo pipefail
export NO_COLOR=1
cd "$(dirname "$0")/.."

BUN=node_modules/.bin/bun
# Deno must not live in node_modules/.bin: `deno task` would run it as a JS bin script.
if [ -z "${DENO_BIN:-}" ]; then
  if command -v deno >/dev/null 2>&1; then DENO_BIN=$(command -v deno)
  else
    [ -x .tools/node_modules/deno/deno ] || npm install --prefix .tools --no-save --no-audit --no-fund deno@2.9.6 >/dev/null
    DENO_BIN=$PWD/.tools/node_modules/deno/deno
  fi
fi
export DENO_BIN

log=$(mktemp)
trap 'rm -f "$log"' EXIT
build() { "$BUN" scripts/build.ts >/dev/null; }
binary_tests() { "$DENO_BIN" test -A --quiet --no-check "$@" 2>&1 | tee "$log"; }
# One file at a time (no --parallel): the network tests time concurrent requests.
DENO_SOURCE_TESTS=(tests/lua.test.ts tests/http-client.test.ts tests/http-serve.test.ts tests/ws.test.ts tests/db.test.ts)
source_tests() { ASSAY_FROM_SOURCE=deno "$DENO_BIN" test -A --quiet --no-check "${DENO_SOURCE_TESTS[@]}" 2>&1 | tee -a "$log"; }

phase "embed stdlib" "$BUN" scripts/embed-stdlib.ts
phase "type-check" node_modules/.bin/tsc -p .
phase "lint" "$DENO_BIN" lint --quiet
phase "build" build

status=0
phase "tests (binary)" binary_tests "$@" || status=1
phase "tests (source under Deno: Lua tests and network)" source_tests || status=1

passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
