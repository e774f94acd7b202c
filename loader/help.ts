/**
 * The text of `assay --help`. It lists only what this build does: check mode, `context` and
 * `modules` are parsed (so their flags and `--help` work) but answer "not yet available".
 */
export function helpText(version: string): string {
  return `assay ${version}: a Lua 5.4 runtime for infrastructure scripting

Usage:
  assay [FLAGS] <file.lua> [ARGS...]      run a Lua script (arg[1..n] = ARGS)
  assay [FLAGS] run <file> [--] [ARGS...] same as the bare form
  assay [FLAGS] exec -e <code> [ARGS...]  run inline Lua code
  assay [FLAGS] exec <file> [ARGS...]     run a file as Lua, whatever its extension
  assay [FLAGS] - [ARGS...]               run Lua read from standard input
  assay <file.yaml|file.yml>              check mode: not yet available in this build
  assay context <query> [-l N]            not yet available in this build
  assay modules                           not yet available in this build

Subcommands: context, exec, modules, run

Builtin globals: json, base64, log, assert, env, time, sleep, async, http (the
sandbox profile decides which are installed); os adds hostname, arch and platform.

Flags (only before the script, or between run/exec and their file; everything after the
script goes to the script; -- ends the flags):
  -h, --help                 print this help
  -V, --version              print the version
  -v, --verbose              log at debug level (log.debug lines, the runtime's DEBUG lines)
  --sandbox PROFILE          full (default), restricted or pure
  --allow-net[=HOST[:PORT],...]  --allow-read[=PATH,...]  --allow-write[=PATH,...]
  --allow-env[=NAME,...]     --allow-run[=CMD,...]       --allow-listen[=PORT,...]
  --deny-net, --deny-read, --deny-write, --deny-env, --deny-run, --deny-listen  (same forms)
                             without =LIST the whole capability; a deny always wins
  --memory-limit=BYTES       Lua heap limit, K/M/G suffixes allowed (default 64M)
  --timeout=SECONDS          wall-clock limit of the run (exit 124; restricted: 60)
  --log-format text|json     format of log lines on stderr

Environment: ASSAY_LIB_PATH, ASSAY_MODULES_PATH, LUA_PATH, LUA_PATH_5_4, RUST_LOG, HOME
`;
}
