#!/usr/bin/env bash
# The README's test command: type-check, lint, build the binary, run every test (unit tests
# from source, Lua tests through the built binary, a smoke subset from source under Deno),
# then print one summary line.
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

echo "== embed stdlib"; "$BUN" scripts/embed-stdlib.ts
echo "== type-check"; node_modules/.bin/tsc -p .
echo "== lint"; "$DENO_BIN" lint --quiet
echo "== build"; "$BUN" scripts/build.ts >/dev/null

log=$(mktemp)
status=0
echo "== tests (binary)"
"$DENO_BIN" test -A --quiet --no-check "$@" 2>&1 | tee "$log" || status=1
echo "== tests (source under Deno, smoke subset)"
ASSAY_FROM_SOURCE=deno "$DENO_BIN" test -A --quiet --no-check tests/lua.test.ts 2>&1 | tee -a "$log" || status=1

passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
