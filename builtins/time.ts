/** `time()` and `sleep(seconds)` (builtins.md §13). */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { delay } from "./timers.ts";

registerBuiltin({
  name: "time",
  description: "Current Unix time in seconds, as a float with sub-second precision",
  capabilities: [],
  profiles: ["restricted", "pure"],
  install({ api, L }) {
    api.pushfunction(L, (L) => {
      api.pushnumber(L, Date.now() / 1000);
      return 1;
    });
    api.setglobal(L, "time");
  },
});

registerBuiltin({
  name: "sleep",
  description: "Pause the calling task for a number of seconds; other tasks keep running",
  capabilities: ["timer"],
  profiles: ["restricted"],
  install({ api, L, scheduler }) {
    api.pushfunction(L, (L) => {
      const seconds = api.checknumber(L, 1);
      if (!(seconds >= 0) || !Number.isFinite(seconds)) {
        throw new LuaError(`sleep: invalid duration ${api.tolstring(L, 1)}: must be a finite number >= 0`);
      }
      return scheduler.suspend(L, delay(seconds * 1000).promise.then(() => () => 0));
    });
    api.setglobal(L, "sleep");
  },
});
