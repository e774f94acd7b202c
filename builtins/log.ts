/**
 * `log.info`, `log.warn`, `log.error` (builtins.md §15) and `log.debug`: one record per call
 * to the run's log sink with target `lua`, so `RUST_LOG` directives such as `lua=warn` filter
 * them and `--log-format json` shows `"target":"lua"`. `log.debug` is a superset over the
 * reference (README item 15): its lines show only at debug level (`-v`, `RUST_LOG=debug` or
 * `lua=debug`), yet its argument is checked at every level, so a bad call fails the same way
 * whether or not the line would be shown.
 *
 * | function | |
 * |---|---|
 * | `log.debug(msg)` | a DEBUG line, shown at debug level only |
 * | `log.info(msg)`, `log.warn(msg)`, `log.error(msg)` | an INFO, WARN or ERROR line |
 */
import { type FunctionDecl, registerBuiltin } from "../loader/plugin.ts";
import type { Level } from "../loader/log-sink.ts";

/** Log lines are text: bytes that are not UTF-8 show as U+FFFD there (display only). */
const display = new TextDecoder();

const LEVELS: Record<string, Level> = { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR" };

/**
 * A message is a string or a number (as `tostring` shows it), read as bytes so that a
 * non-UTF-8 message is still logged rather than refused. Extra arguments are ignored, as in
 * the reference.
 */
const declare = (name: string): FunctionDecl => ({
  signature: `log.${name}(msg)`,
  description: `Write a ${LEVELS[name]} line with target lua to stderr`,
  args: [{ name: "msg", type: "bytes", description: "a string or number" }],
  returns: [],
  profiles: ["restricted", "pure"],
});

const names = Object.keys(LEVELS);

registerBuiltin({
  name: "log",
  description: "Write DEBUG, INFO, WARN and ERROR lines to stderr",
  keywords: ["logging", "logger", "stderr", "message", "warning", "verbose"],
  example: 'log.info("deployed " .. version)',
  functions: Object.fromEntries(names.map((name) => [name, declare(name)])),
  install: ({ log }) =>
    Object.fromEntries(names.map((name) => [name, ([msg]: unknown[]) => {
      log.write(LEVELS[name], "lua", display.decode(msg as Uint8Array));
    }])),
});
