import { builtins } from "./plugin.ts";

/** Builtins that add functions to one of Lua's own libraries rather than making a global. */
const LUA_LIBRARIES = new Set(["os"]);

/** The registered builtin globals, wrapped to the help's width. */
function globalsList(): string {
  const names = builtins().map((b) => b.name).filter((n) => !LUA_LIBRARIES.has(n));
  const lines: string[] = [];
  let line = "Builtin globals:";
  for (const [i, name] of names.entries()) {
    const word = ` ${name}${i < names.length - 1 ? "," : ""}`;
    if (line.length + word.length > 92) {
      lines.push(line);
      line = "";
    }
    line += line ? word : word.trimStart();
  }
  return [...lines, line].join("\n");
}

/**
 * The text of `assay --help`. The builtins are those registered (builtins/index.ts is imported
 * before this is called).
 */
export function helpText(version: string): string {
  return `assay ${version}: a Lua 5.4 runtime for infrastructure scripting

Usage:
  assay [FLAGS] <file.lua> [ARGS...]      run a Lua script (arg[1..n] = ARGS)
  assay [FLAGS] run <file> [--] [ARGS...] same as the bare form
  assay [FLAGS] exec -e <code> [ARGS...]  run inline Lua code (short: assay -e <code> [ARGS...])
  assay [FLAGS] exec <file> [ARGS...]     run a file as Lua, whatever its extension
  assay [FLAGS] - [ARGS...]               run Lua read from standard input
  assay [FLAGS] <file.yaml|file.yml>      check mode: run the checks, print a report
  assay [FLAGS] serve-checks [--port N] [--host H] [--cache 5s] <file.yaml>
                                          answer GET /healthz with the checks' report
                                          (200 when all pass, 503 otherwise)
  assay [FLAGS] test [--filter TEXT] [--format text|junit|tap] [PATHS...]
                                          run *_test.lua and *.test.lua files (default: .,
                                          recursively), each in a fresh VM; --timeout is per file
  assay context <query> [-l N]            Markdown about the modules matching the query
                                          (default 5), then every builtin's signature
  assay modules [--json]                  list the modules scripts can use: ./modules,
                                          ASSAY_LIB_PATH, the global dir, stdlib, builtins
  assay types [DIR]                       write editor type files (LuaCATS) to DIR
                                          (default .assay/types) and add DIR to .luarc.json
  assay [FLAGS]                           on a terminal: the REPL (history in ~/.assay_history)
  lua [options] [script [args]]           through a link named lua or lua5.4: lua.c's command line

Subcommands: context, exec, modules, run, serve-checks, test, types

${globalsList()}
(the sandbox profile decides which are installed); os adds hostname, arch and platform.

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
  --format json|junit|tap|text  check mode's report format on stdout (default json;
                             assay test: text, junit or tap, default text)

Environment: ASSAY_LIB_PATH, ASSAY_MODULES_PATH, LUA_PATH, LUA_PATH_5_4, RUST_LOG, HOME
`;
}
