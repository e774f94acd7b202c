#!/usr/bin/env bash
# Runs the official Lua 5.4 test suite (the `testes/` directory of lua/lua at tag v5.4.5,
# fetched separately and never committed) against the built assay binary, one file at a
# time, and prints a pass/fail table.
#
# Each file runs as an ordinary script, so it is the scheduler's main task like any user
# script: a small wrapper sets the globals `all.lua` would (`_port`, `_soft`, `_nomsg`, `ARG`)
# and then `dofile`s the test with the suite directory as the working directory, exactly the
# way `all.lua` runs them.
#
# usage: scripts/run-lua-testes.sh TESTES_DIR [FILE.lua...]
#   (default: every *.lua except all.lua, the suite's own driver, which runs the others
#   again, errors.lua included, so it cannot pass while errors.lua does not)
#   ASSAY_BIN      binary to run (default dist/assay)
#   TESTES_TIMEOUT seconds per file (default 600)
#   TESTES_LOG     directory that keeps each file's output (default: a temp dir)
# Exit status: 0 when every file passes except the known errors.lua failure, else 1.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/run-lua-testes.sh TESTES_DIR [FILE.lua...]}
dir=$(cd "$dir" && pwd)
shift
bin=${ASSAY_BIN:-$root/dist/assay}
[[ $bin = /* ]] || bin=$root/$bin
limit=${TESTES_TIMEOUT:-600}
# errors.lua fails at line 379 because of wasmoon's own Lua snapshot (see the README).
known_failures=" errors.lua "

work=$(mktemp -d "${TMPDIR:-/tmp}/assay-testes.XXXXXX")
logs=${TESTES_LOG:-$work/logs}
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
trap 'rm -rf "$work"' EXIT

if [ $# -gt 0 ]; then files=("$@")
else
  files=()
  for f in "$dir"/*.lua; do
    [ "$(basename "$f")" = all.lua ] || files+=("$(basename "$f")")
  done
fi

printf '%-16s %-8s %8s  %s\n' FILE RESULT SECONDS DETAIL
bad=0
for name in "${files[@]}"; do
  wrapper=$work/run-${name}
  cat >"$wrapper" <<EOF
_port = true
_soft = true
_nomsg = true
ARG = arg
return dofile("$name")
EOF
  start=$(date +%s.%N)
  (cd "$dir" && timeout --signal=KILL "$limit" "$bin" "$wrapper" </dev/null >"$logs/$name.out" 2>&1)
  code=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  if [ $code -eq 0 ]; then result=pass; detail=""
  else
    result=FAIL
    [ $code -eq 137 ] && detail="timeout after ${limit}s" || detail=$(grep -m1 -E 'ERROR|error' "$logs/$name.out" | cut -c1-110)
    [ -n "$detail" ] || detail="exit $code: $(tail -n1 "$logs/$name.out" | cut -c1-100)"
    if [[ $known_failures == *" $name "* ]]; then result="fail*"; else bad=$((bad + 1)); fi
  fi
  printf '%-16s %-8s %8s  %s\n' "$name" "$result" "$secs" "$detail"
done
echo "(* known failure; logs in $logs)"
[ -z "${TESTES_LOG:-}" ] && echo "(set TESTES_LOG=DIR to keep the logs)"
[ $bad -eq 0 ]
