/**
 * `env.get`, `env.set` and `env.list` (builtins.md §14) over the run's variable provider (the
 * process environment unless a test supplies a map). Reads ask the policy for `env`, writes
 * for `env-write`, so `restricted` reads freely and denies `env.set`.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { isStringLike, stringArg } from "./arg-check.ts";

/** A name the OS environment can hold: non-empty, without `=` or NUL. */
function validName(name: string): boolean {
  return name !== "" && !/[=\0]/.test(name);
}

registerBuiltin({
  name: "env",
  description: "Read, set and list environment variables",
  capabilities: ["env"],
  profiles: ["restricted"],
  install({ api, L, vars, policy }) {
    api.newtable(L);
    api.setfuncs(L, -1, {
      get(L) {
        const name = stringArg(api, L, 1, "env.get");
        policy.check("env.get", "env", name);
        const value = vars.get(name);
        if (value === undefined) api.pushnil(L);
        else api.pushstring(L, value);
        return 1;
      },
      set(L) {
        const name = stringArg(api, L, 1, "env.set");
        const unset = api.isnoneornil(L, 2);
        if (!unset && !isStringLike(api, L, 2)) {
          throw new LuaError("env.set: second argument must be a string, a number or nil");
        }
        if (!validName(name)) throw new LuaError(`env.set: invalid variable name ${JSON.stringify(name)}`);
        const value = unset ? undefined : stringArg(api, L, 2, "env.set");
        if (value?.includes("\0")) throw new LuaError(`env.set: value of ${JSON.stringify(name)} contains a NUL byte`);
        policy.check("env.set", "env-write", name);
        vars.set(name, value);
        return 0;
      },
      list(L) {
        // Variables the policy would refuse to `env.get` are left out rather than failing the call.
        const entries = vars.entries().filter(([key]) => policy.allows("env", key));
        api.newtable(L, entries.length, 0);
        entries.forEach(([key, value], i) => {
          api.newtable(L, 0, 2);
          api.pushstring(L, key);
          api.setfield(L, -2, "key");
          api.pushstring(L, value);
          api.setfield(L, -2, "value");
          api.rawseti(L, -2, i + 1);
        });
        return 1;
      },
    });
    api.setglobal(L, "env");
  },
});
