#!/usr/bin/env bash
# The benchmark (`npm run bench`): whole-process wall time, default profile, measured by
# hyperfine in one run, against lua5.4 and lua-cjson; writes bench/RESULTS.md.
#
#   startup   print("hi"): assay vs lua5.4 vs a bare `bun -e`
#   cpu       bench/cpu.lua (fib(30), string building, sorting) on assay and lua5.4
#   calls     100k calls of the `time()` builtin minus the same loop empty, per call
#   json      json.parse + json.encode of a 1.6 MB pod list vs cjson.decode + cjson.encode
#   vm-cost   a fresh VM (in-thread and on a Worker), RSS per VM, the counting allocator's cost
#   checks    check mode: 50 trivial script checks (a fresh VM each) minus an empty config, per check
#   yaml/toml parse+encode of a 1 MB multi-document manifest / a 200 KB file, in-process, vs the
#             same library called from TypeScript under Bun
#   regex     100k regex.match calls vs lua5.4's string.find with the equivalent Lua pattern
#   hash_file crypto.hash_file sha256 of a 100 MB file vs sha256sum
#   http      http.serve GET /health under wrk -t2 -c50 vs raw Bun+hono and nginx+lua; idle RSS;
#             2000 sequential http.get vs Bun fetch
#
# Environment: ASSAY_BIN (default dist/assay, built when missing), BENCH_RUNS (default 20),
# TESTES_DIR (optional: also run the Lua 5.4.5 suite with scripts/run-lua-testes.sh and
# record the per-file result). Needs: apt-get install -y hyperfine lua5.4 lua-cjson wrk nginx-light
# libnginx-mod-http-lua (the http section is skipped without wrk; nginx alone is optional)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUN=$root/node_modules/.bin/bun
runs=${BENCH_RUNS:-20}

assay=${ASSAY_BIN:-dist/assay}
[[ $assay = /* ]] || assay=$root/$assay
if [ ! -x "$assay" ]; then
  echo "== building $assay"
  "$BUN" scripts/build.ts --outfile "$assay" >/dev/null
fi
for tool in hyperfine lua5.4; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y hyperfine lua5.4 lua-cjson)" >&2; exit 1; }
done
lua5.4 -e 'require("cjson")' 2>/dev/null || { echo "bench: lua-cjson is missing (apt-get install -y lua-cjson)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/assay-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
hf() { hyperfine --shell=none --style=basic --warmup 3 "$@"; }

# Same answers from both runtimes before timing anything.
if [ "$("$assay" bench/cpu.lua)" != "$(lua5.4 bench/cpu.lua)" ]; then
  echo "bench: assay and lua5.4 disagree on bench/cpu.lua" >&2; exit 1
fi

echo "== startup"
hf --runs $((runs * 2)) --export-json "$work/startup.json" \
  -n assay "$assay bench/hello.lua" \
  -n lua5.4 "lua5.4 bench/hello.lua" \
  -n "bun -e" "$BUN -e 'console.log(\"hi\")'"

echo "== cpu"
hf --runs "$runs" --export-json "$work/cpu.json" \
  -n assay "$assay bench/cpu.lua" \
  -n lua5.4 "lua5.4 bench/cpu.lua"

echo "== builtin calls"
hf --runs $((runs * 2)) --export-json "$work/calls.json" \
  -n "assay call" "$assay bench/calls.lua call 100000" \
  -n "assay empty" "$assay bench/calls.lua empty 100000"
# Cross-check from inside the process, where start-up noise cannot blur a few milliseconds.
"$assay" bench/calls.lua inner 100000 > "$work/calls-inner.txt"

echo "== check mode"
echo 'local t = {} for i = 1, 10 do t[i] = i end assert(#t == 10)' > "$work/trivial.lua"
{ echo "checks:"; for i in $(seq 1 50); do printf '  - { name: c%d, type: script, file: %s }\n' "$i" "$work/trivial.lua"; done; } > "$work/checks-50.yaml"
echo "checks: []" > "$work/checks-0.yaml"
hf --runs "$runs" --export-json "$work/checks.json" \
  -n "50 script checks" "$assay $work/checks-50.yaml" \
  -n "empty config" "$assay $work/checks-0.yaml"

if [ -f bench/gen-podlist.ts ] && "$assay" exec -e 'assert(json and json.parse and json.encode)' 2>/dev/null; then
  echo "== json"
  "$BUN" bench/gen-podlist.ts > "$work/podlist.json"
  hf --runs "$runs" --export-json "$work/json.json" \
    -n "assay roundtrip" "$assay bench/json.lua $work/podlist.json roundtrip" \
    -n "assay read" "$assay bench/json.lua $work/podlist.json read" \
    -n "cjson roundtrip" "lua5.4 bench/json-cjson.lua $work/podlist.json roundtrip" \
    -n "cjson read" "lua5.4 bench/json-cjson.lua $work/podlist.json read"
  wc -c < "$work/podlist.json" > "$work/podlist.size"
else
  echo "== json: skipped (no json builtin or bench/gen-podlist.ts yet)"
fi

echo "== fresh VM and allocator"
# Compiled as the binary is, so that its Worker loads bytecode too; run from the root, where
# it finds the wasm modules.
"$BUN" build --compile --minify --bytecode --format=esm bench/vm-cost.ts bench/vm-worker.ts \
  --outfile "$work/vm-cost" >/dev/null
"$work/vm-cost" > "$work/vm-cost.json"
cat "$work/vm-cost.json"

echo "== yaml and toml (in-process; the bare libraries under Bun)"
"$BUN" bench/gen-manifest.ts > "$work/manifest.yaml"
"$BUN" bench/gen-toml.ts > "$work/config.toml"
wc -c < "$work/manifest.yaml" > "$work/manifest.size"
wc -c < "$work/config.toml" > "$work/config.size"
"$assay" bench/codec.lua yaml "$work/manifest.yaml" | tee "$work/yaml-assay.txt"
"$BUN" bench/codec-bare.ts yaml "$work/manifest.yaml" | tee "$work/yaml-bare.txt"
"$assay" bench/codec.lua toml "$work/config.toml" | tee "$work/toml-assay.txt"
"$BUN" bench/codec-bare.ts toml "$work/config.toml" | tee "$work/toml-bare.txt"

echo "== db (10k rows inserted in one transaction, then selected back; the bare drivers under Bun)"
"$assay" bench/db.lua sqlite::memory: | tee "$work/db-sqlite-assay.txt"
"$BUN" bench/db-bare.ts sqlite :memory: | tee "$work/db-sqlite-bare.txt"
# A throwaway PostgreSQL for both runs; skipped (with the reason) where none can be started.
"$BUN" bench/with-postgres.ts sh -c '"$0" bench/db.lua "$ASSAY_BENCH_PG_URL" | tee "$1/db-postgres-assay.txt" &&
  "$2" bench/db-bare.ts postgres "$ASSAY_BENCH_PG_URL" | tee "$1/db-postgres-bare.txt"' "$assay" "$work" "$BUN" ||
  echo "== db postgres: skipped"

echo "== regex"
if [ "$("$assay" bench/regex.lua)" != "$(lua5.4 bench/regex-lua.lua)" ]; then
  echo "bench: bench/regex.lua and bench/regex-lua.lua disagree" >&2; exit 1
fi
hf --runs "$runs" --export-json "$work/regex.json" \
  -n "assay regex.match" "$assay bench/regex.lua" \
  -n "lua5.4 string.find" "lua5.4 bench/regex-lua.lua" \
  -n "assay string.find" "$assay bench/regex-lua.lua"

echo "== crypto.hash_file"
head -c 100000000 /dev/urandom > "$work/100m.bin"
if [ "$("$assay" bench/hash-file.lua "$work/100m.bin")" != "$(sha256sum "$work/100m.bin" | cut -d' ' -f1)" ]; then
  echo "bench: crypto.hash_file and sha256sum disagree" >&2; exit 1
fi
hf --runs 10 --export-json "$work/hash.json" \
  -n "assay crypto.hash_file" "$assay bench/hash-file.lua $work/100m.bin" \
  -n "sha256sum" "sha256sum $work/100m.bin"
rm -f "$work/100m.bin"

if command -v wrk >/dev/null; then
  echo "== http"
  bash bench/http.sh "$assay" "$work"
else
  echo "== http: skipped (no wrk)"
fi

if [ -n "${TESTES_DIR:-}" ] && [ -x scripts/run-lua-testes.sh ]; then
  echo "== Lua 5.4.5 test suite"
  ASSAY_BIN=$assay scripts/run-lua-testes.sh "$TESTES_DIR" > "$work/testes.txt" || true
  cat "$work/testes.txt"
fi

"$BUN" bench/report.ts "$work" "$assay" > bench/RESULTS.md
echo "== wrote bench/RESULTS.md"
sed -n '/^## Targets/,/^## /p' bench/RESULTS.md | sed '$d'
