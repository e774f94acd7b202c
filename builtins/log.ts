/**
 * `log.info`, `log.warn` and `log.error` (builtins.md §15): one record per call to the run's
 * log sink with target `lua`, so `RUST_LOG` directives such as `lua=warn` filter them and
 * `--log-format json` shows `"target":"lua"`. There is deliberately no `log.debug`.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import type { Level } from "../loader/log-sink.ts";
import type { CFunction } from "../loader/lua-api.ts";
import { stringArg } from "./arg-check.ts";

registerBuiltin({
  name: "log",
  description: "Write INFO, WARN and ERROR lines to stderr",
  capabilities: [],
  profiles: ["restricted", "pure"],
  install({ api, L, log }) {
    const writer = (name: string, level: Level): CFunction => (L) => {
      // Extra arguments are ignored, as in the reference.
      const message = stringArg(api, L, 1, `log.${name}`);
      log.write(level, "lua", message);
      return 0;
    };
    api.newtable(L);
    api.setfuncs(L, -1, { info: writer("info", "INFO"), warn: writer("warn", "WARN"), error: writer("error", "ERROR") });
    api.setglobal(L, "log");
  },
});
