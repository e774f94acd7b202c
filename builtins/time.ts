/**
 * `time()` and `sleep(seconds)` (builtins.md §13).
 *
 * | function | |
 * |---|---|
 * | `time() -> number` | Unix time in seconds, a float with sub-second precision |
 * | `sleep(seconds)` | suspends the calling task; other tasks keep running (async) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { float } from "../loader/bridge/values.ts";
import { sleepFor } from "../loader/timers.ts";

registerBuiltin({
  name: "time",
  description: "Current Unix time in seconds, as a float with sub-second precision",
  keywords: ["clock", "now", "timestamp", "epoch", "unix", "elapsed"],
  example: 'local t0 = time(); work(); log.info(("took %.3f s"):format(time() - t0))',
  callable: true,
  functions: {
    time: {
      signature: "time() -> number",
      description: "Current Unix time in seconds, as a float with sub-second precision",
      args: [],
      returns: [{ type: "number", description: "seconds since 1970-01-01 UTC" }],
      profiles: ["restricted", "pure"],
    },
  },
  install: () => ({ time: () => float(Date.now() / 1000) }),
});

registerBuiltin({
  name: "sleep",
  description: "Pause the calling task for a number of seconds; other tasks keep running",
  keywords: ["wait", "pause", "delay", "seconds", "timer"],
  example: "sleep(0.5)",
  callable: true,
  functions: {
    sleep: {
      signature: "sleep(seconds)",
      description: "Pause the calling task for a number of seconds (fractions allowed); other tasks keep running",
      args: [{ name: "seconds", type: "number", description: "how long; 0 lets other tasks run" }],
      returns: [],
      errors: ["sleep: invalid duration <seconds>: must be a finite number >= 0"],
      capabilities: ["timer"],
      profiles: ["restricted"],
      async: true,
    },
  },
  install: () => ({
    sleep: ([seconds]: [number], { signal }) => {
      if (!(seconds >= 0) || !Number.isFinite(seconds)) {
        throw new LuaError(`sleep: invalid duration ${numberText(seconds)}: must be a finite number >= 0`);
      }
      return sleepFor(seconds * 1000, signal);
    },
  }),
});

/** A number as Lua's tostring shows the ones sleep refuses (`inf`, `nan`). */
function numberText(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return String(x);
}

