/**
 * The `io` functions that reach the host by name ask the policy first (README items 9 and
 * 15): `io.open` needs `read` and/or `write` by its mode, `io.lines(name)` and
 * `io.input(name)` need `read`, `io.output(name)` and `io.tmpfile` need `write`, `io.popen`
 * needs `run`. Reading and writing handles already open (the standard streams among them)
 * is never checked, so `print`, `io.write` and `io.read` work in every profile and stay C.
 */
import type { BuiltinContext } from "../plugin.ts";
import { callOriginal, checkCString, checkOpenFile, keepOriginal, optCString, replace } from "./cfn.ts";
import type { Errno } from "./errno.ts";
import { installPopen } from "./popen.ts";
import { LUA_TNONE, LUA_TNUMBER, LUA_TSTRING } from "../lua-api.ts";

/** Lua's l_checkmode: r, w or a, an optional +, then only b's. */
const VALID_MODE = /^[rwa]\+?b*$/;
/** io.lines accepts at most this many formats (MAXARGLINE). */
const MAXARGLINE = 250;

export function installIo(ctx: BuiltinContext, errno: Errno): void {
  const { api, L, policy } = ctx;
  const refs = Object.fromEntries(
    ["open", "lines", "input", "output", "tmpfile"].map((name) => [name, keepOriginal(api, L, "io", name)]),
  );
  const isName = (L: number, arg: number) => {
    const t = api.type(L, arg);
    return t === LUA_TSTRING || t === LUA_TNUMBER;
  };

  const open = (L: number): number => {
    const name = checkCString(api, L, 1);
    const mode = optCString(api, L, 2, "r");
    if (!VALID_MODE.test(mode)) api.argerror(L, 2, "invalid mode");
    const update = mode.includes("+");
    if (mode[0] === "r" || update) policy.check("io.open", "read", name);
    if (mode[0] !== "r" || update) policy.check("io.open", "write", name);
    return callOriginal(api, L, refs.open, api.gettop(L));
  };

  const lines = (L: number): number => {
    if (api.type(L, 1) === LUA_TNONE) api.pushnil(L);
    if (!api.isnoneornil(L, 1)) policy.check("io.lines", "read", checkCString(api, L, 1));
    if (api.gettop(L) - 1 > MAXARGLINE) api.argerror(L, MAXARGLINE + 2, "too many arguments");
    return callOriginal(api, L, refs.lines, api.gettop(L));
  };

  const defaultFile = (fn: "input" | "output", cap: "read" | "write") => (L: number): number => {
    if (!api.isnoneornil(L, 1)) {
      if (isName(L, 1)) policy.check(`io.${fn}`, cap, checkCString(api, L, 1));
      else checkOpenFile(api, L, 1);
    }
    return callOriginal(api, L, refs[fn], api.gettop(L));
  };

  // musl's tmpfile creates (and unlinks) /tmp/tmpfile_XXXXXX.
  const tmpfile = (L: number): number => {
    policy.check("io.tmpfile", "write", "/tmp");
    return callOriginal(api, L, refs.tmpfile, api.gettop(L));
  };

  const fns: Record<string, (L: number) => number> = {
    open,
    lines,
    input: defaultFile("input", "read"),
    output: defaultFile("output", "write"),
    tmpfile,
    popen: installPopen(ctx, errno, refs.open),
  };
  for (const [name, fn] of Object.entries(fns)) replace(api, L, "io", name, fn);
}
