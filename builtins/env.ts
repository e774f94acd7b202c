/**
 * `env.get`, `env.set` and `env.list` (builtins.md §14) over the run's variable provider (the
 * process environment unless a test supplies a map). Reads ask the policy for `env`, writes
 * for `env-write`, so `restricted` reads freely and denies `env.set`.
 *
 * | function | |
 * |---|---|
 * | `env.get(name) -> string\|nil` | a variable's value, nil when unset |
 * | `env.set(name, value\|nil)` | sets (numbers converted) or, with nil, unsets a variable |
 * | `env.list() -> {{key=, value=}, ...}` | every variable the policy lets the script read |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";

/** A name the OS environment can hold: non-empty, without `=` or NUL. */
function validName(name: string): boolean {
  return name !== "" && !/[=\0]/.test(name);
}

registerBuiltin({
  name: "env",
  description: "Read, set and list environment variables",
  keywords: ["environment", "variable", "getenv", "setenv", "config", "secret"],
  example: 'local token = env.get("GITHUB_TOKEN") or error("GITHUB_TOKEN is not set")',
  functions: {
    get: {
      signature: "env.get(name) -> string|nil",
      description: "The value of an environment variable, or nil when it is unset",
      args: [{ name: "name", type: "text" }],
      returns: [{ type: "string?", description: "nil when unset" }],
      capabilities: ["env"],
      profiles: ["restricted"],
    },
    set: {
      signature: "env.set(name, value|nil)",
      description: "Set an environment variable (child processes see it); nil unsets it",
      args: [
        { name: "name", type: "text" },
        { name: "value", type: "text", optional: true, expect: "a string, a number or nil", description: "nil unsets it" },
      ],
      returns: [],
      errors: ['env.set: invalid variable name "<name>"', 'env.set: value of "<name>" contains a NUL byte'],
      capabilities: ["env"],
      profiles: ["restricted"],
    },
    list: {
      signature: "env.list() -> {{key=, value=}, ...}",
      description: "Every environment variable the sandbox lets the script read, as key/value entries",
      args: [],
      returns: [{ type: "env.Entry[]" }],
      capabilities: ["env"],
      profiles: ["restricted"],
    },
  },
  classes: {
    "env.Entry": {
      description: "One environment variable, as env.list returns it",
      fields: { key: { type: "string" }, value: { type: "string" } },
    },
  },
  install: ({ vars, policy }) => ({
    get: ([name]: [string]) => {
      policy.check("env.get", "env", name);
      return vars.get(name) ?? null;
    },
    set: ([name, value]: [string, string | undefined]) => {
      if (!validName(name)) throw new LuaError(`env.set: invalid variable name ${JSON.stringify(name)}`);
      if (value?.includes("\0")) throw new LuaError(`env.set: value of ${JSON.stringify(name)} contains a NUL byte`);
      policy.check("env.set", "env-write", name);
      vars.set(name, value);
    },
    // Variables the policy would refuse to `env.get` are left out rather than failing the call.
    list: () => vars.entries().filter(([key]) => policy.allows("env", key)).map(([key, value]) => ({ key, value })),
  }),
});
