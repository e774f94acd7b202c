/**
 * What the sandbox profiles take out of the standard library (README items 9 and 15):
 * outside `full`, `string.dump` and the `debug` library (global and `package.loaded`);
 * in `pure`, every `os` function but the clock and calendar ones (`os.getenv` reads the
 * environment the script runs in and `os.exit` ends the process). The reference's `os.arch`,
 * `os.platform` and `os.hostname` are added afterwards by builtins/os.ts, per its own profiles.
 * `io` stays whole everywhere: its host-facing functions raise the denial instead.
 */
import type { BuiltinContext } from "../plugin.ts";
import { LUA_REGISTRYINDEX } from "../lua-api.ts";

/** The `os` functions a `pure` script keeps. */
export const PURE_OS = ["time", "clock", "date", "difftime"];

export function applyProfile(ctx: BuiltinContext): void {
  const { api, L, policy } = ctx;
  if (policy.profile === "full") return;
  api.getglobal(L, "string");
  api.pushnil(L);
  api.setfield(L, -2, "dump");
  api.pop(L);
  api.pushnil(L);
  api.setglobal(L, "debug");
  api.getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  api.pushnil(L);
  api.setfield(L, -2, "debug");
  api.pop(L);
  if (policy.profile !== "pure") return;

  api.getglobal(L, "os");
  const names: string[] = [];
  api.pushnil(L);
  while (api.next(L, -2)) {
    api.pop(L);
    const key = api.tostring(L, -1);
    if (key !== null && !PURE_OS.includes(key)) names.push(key);
  }
  for (const name of names) {
    api.pushnil(L);
    api.setfield(L, -2, name);
  }
  api.pop(L);
}
