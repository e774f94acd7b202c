/** The text of `assay --help`. */
export function helpText(version: string): string {
  return `assay ${version}: a Lua 5.4 runtime for infrastructure scripting

Usage:
  assay [FLAGS] <file.lua> [ARGS...]      run a Lua script (arg[1..n] = ARGS)
  assay [FLAGS] <file.yaml|file.yml>      run a YAML check config
  assay [FLAGS] run <file> [--] [ARGS...] same as the bare form
  assay [FLAGS] exec -e <code> [ARGS...]  run inline Lua code
  assay [FLAGS] exec <file> [ARGS...]     run a file as Lua, whatever its extension
  assay [FLAGS] - [ARGS...]               run Lua read from standard input
  assay context <query> [-l N]            print Markdown context for matching modules
  assay modules                           list every discoverable module

Subcommands: context, exec, modules, run

Flags (only before the script, or between run/exec and their file; everything after the
script goes to the script; -- ends the flags):
  -h, --help                 print this help
  -V, --version              print the version
  -v, --verbose              log at debug level
  --sandbox PROFILE          full (default), restricted or pure
  --allow-net[=HOST[:PORT],...]  --allow-read[=PATH,...]  --allow-write[=PATH,...]
  --allow-env[=NAME,...]     --allow-run[=CMD,...]       --allow-listen[=PORT,...]
  --deny-net, --deny-read, --deny-write, --deny-env, --deny-run, --deny-listen  (same forms)
                             without =LIST the whole capability; a deny always wins
  --memory-limit=BYTES       Lua heap limit, K/M/G suffixes allowed (default 64M)
  --timeout=SECONDS          wall-clock limit of the run (exit 124; restricted: 60)
  --log-format text|json     format of log lines on stderr

Environment: ASSAY_LIB_PATH, ASSAY_MODULES_PATH, LUA_PATH, RUST_LOG, NO_COLOR
`;
}
