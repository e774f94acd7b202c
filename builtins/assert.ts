/**
 * `assert` (builtins.md §16 with README §0 item 2): Lua's own `assert` function that also
 * carries the assertion functions (`assert.eq`...), so scripts written for either the
 * reference or plain Lua work. `eq`/`ne` compare tables deeply (see assert/equal.ts).
 */
import { Buffer } from "node:buffer";
import { type FunctionDecl, registerBuiltin } from "../loader/plugin.ts";
import { LUA_OK, LUA_TNUMBER, LUA_TSTRING, type LuaApi, LuaError } from "../loader/lua-api.ts";
import { valuesEqual } from "./assert/equal.ts";
import { escapeBytes, renderNumber, renderValue } from "./assert/render.ts";

const LUA_OPLT = 1;

/**
 * Raises `text` (positioned at the caller, like every builtin error) followed by
 * ` - <msg>` when the optional message argument at `msgArg` is present. The message goes
 * through `tostring` on the Lua side so its bytes survive unchanged.
 */
function fail(api: LuaApi, L: number, text: string, msgArg: number): never {
  const hasMsg = !api.isnoneornil(L, msgArg);
  api.checkstack(L, 4);
  api.m._luaL_where(L, 1);
  api.pushstring(L, text);
  if (hasMsg) {
    api.pushstring(L, " - ");
    api.m._luaL_tolstring(L, msgArg, 0);
  }
  api.m._lua_concat(L, hasMsg ? 4 : 2);
  api.m._lua_error(L);
  throw new Error("unreachable: lua_error returned");
}

function requireString(api: LuaApi, L: number, arg: number, fn: string): void {
  if (api.type(L, arg) !== LUA_TSTRING) {
    throw new LuaError(`${fn}: ${arg === 1 ? "first" : "second"} argument must be a string`);
  }
}

function requireNumbers(api: LuaApi, L: number, fn: string): void {
  if (api.type(L, 1) !== LUA_TNUMBER || api.type(L, 2) !== LUA_TNUMBER) {
    throw new LuaError(`${fn}: both arguments must be numbers`);
  }
}

/** Whether `needle` occurs in `haystack` (plain bytes; the empty needle always does). */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle) !== -1;
}

/**
 * Per function: signature, description, operands and their kind (documentation; checked in the
 * raw code), and the failure's text (` - <msg>` follows when a message is given).
 */
const DECLARED = {
  eq: ["assert.eq(a, b, msg?)", "Fail unless a equals b (tables compared deeply, ignoring metatables)", ["a", "b"], "value", [
    'assert.eq failed: "<a>" != "<b>"',
  ]],
  ne: ["assert.ne(a, b, msg?)", "Fail if a equals b (tables compared deeply)", ["a", "b"], "value", ['assert.ne failed: "<a>" == "<b>"']],
  gt: ["assert.gt(a, b, msg?)", "Fail unless the number a is greater than b", ["a", "b"], "number", [
    "assert.gt failed: <a> is not > <b>",
    "assert.gt: both arguments must be numbers",
  ]],
  lt: ["assert.lt(a, b, msg?)", "Fail unless the number a is less than b", ["a", "b"], "number", [
    "assert.lt failed: <a> is not < <b>",
    "assert.lt: both arguments must be numbers",
  ]],
  contains: ["assert.contains(s, sub, msg?)", "Fail unless the string s contains sub (plain bytes)", ["s", "sub"], "bytes", [
    'assert.contains failed: "<s>" does not contain "<sub>"',
  ]],
  not_nil: ["assert.not_nil(v, msg?)", "Fail if v is nil", ["v"], "value", ["assert.not_nil failed: value is nil"]],
  matches: ["assert.matches(s, pattern, msg?)", "Fail unless the string s matches the Lua pattern", ["s", "pattern"], "bytes", [
    'assert.matches failed: "<s>" does not match pattern "<pattern>"',
    "assert.matches: pattern error: <why>",
  ]],
} as const;

/** The declarations: every assertion takes its operands as raw values and an optional message. */
const FUNCTIONS: Record<string, FunctionDecl> = Object.fromEntries(
  Object.entries(DECLARED).map(([name, [signature, description, operands, kind, errors]]) => [name, {
    signature,
    description,
    args: [
      ...operands.map((operand) => ({ name: operand, type: kind, strict: true, optional: kind === "value" })),
      { name: "msg", type: "value" as const, optional: true, description: "added to the failure's text" },
    ],
    returns: [],
    errors: [...errors],
    profiles: ["restricted", "pure"],
  }]),
);

registerBuiltin({
  name: "assert",
  description: "Assertions: callable like Lua's assert, plus eq, ne, gt, lt, contains, not_nil, matches",
  keywords: ["test", "testing", "check", "expect", "equal", "verify", "assertion"],
  example: 'assert.eq(resp.status, 200, "health check")',
  call: {
    signature: "assert(v, msg?) -> ...",
    description: "Lua's own assert: raises msg (default \"assertion failed!\") when v is false or nil, else returns all its arguments",
    args: [{ name: "v", type: "value", optional: true }, { name: "msg", type: "value", optional: true }],
    returns: [{ type: "any", name: "...", description: "v, msg and any further arguments" }],
    errors: ["assertion failed!"],
  },
  functions: FUNCTIONS,
  install({ api, L }) {
    // string.find as the runtime started, so a script replacing it cannot change matches().
    api.getglobal(L, "string");
    api.getfield(L, -1, "find");
    const findRef = api.ref(L);
    api.pop(L);

    const render = (L: number, idx: number) => renderValue(api, L, idx);

    return {
      eq: {
        raw: (L) => {
          if (!valuesEqual(api, L, 1, 2)) fail(api, L, `assert.eq failed: "${render(L, 1)}" != "${render(L, 2)}"`, 3);
          return 0;
        },
      },
      ne: {
        raw: (L) => {
          if (valuesEqual(api, L, 1, 2)) fail(api, L, `assert.ne failed: "${render(L, 1)}" == "${render(L, 2)}"`, 3);
          return 0;
        },
      },
      gt: {
        raw: (L) => {
          requireNumbers(api, L, "assert.gt");
          if (!api.m._lua_compare(L, 2, 1, LUA_OPLT)) {
            fail(api, L, `assert.gt failed: ${renderNumber(api, L, 1)} is not > ${renderNumber(api, L, 2)}`, 3);
          }
          return 0;
        },
      },
      lt: {
        raw: (L) => {
          requireNumbers(api, L, "assert.lt");
          if (!api.m._lua_compare(L, 1, 2, LUA_OPLT)) {
            fail(api, L, `assert.lt failed: ${renderNumber(api, L, 1)} is not < ${renderNumber(api, L, 2)}`, 3);
          }
          return 0;
        },
      },
      contains: {
        raw: (L) => {
          requireString(api, L, 1, "assert.contains");
          requireString(api, L, 2, "assert.contains");
          const haystack = api.tobytes(L, 1)!, needle = api.tobytes(L, 2)!;
          if (!containsBytes(haystack, needle)) {
            fail(api, L, `assert.contains failed: "${escapeBytes(haystack)}" does not contain "${escapeBytes(needle)}"`, 3);
          }
          return 0;
        },
      },
      not_nil: {
        raw: (L) => {
          if (api.isnoneornil(L, 1)) fail(api, L, "assert.not_nil failed: value is nil", 2);
          return 0;
        },
      },
      matches: {
        raw: (L) => {
          requireString(api, L, 1, "assert.matches");
          requireString(api, L, 2, "assert.matches");
          api.pushref(L, findRef);
          api.pushvalue(L, 1);
          api.pushvalue(L, 2);
          if (api.pcall(L, 2, 1) !== LUA_OK) {
            const why = api.tolstring(L, -1);
            throw new LuaError(`assert.matches: pattern error: ${why}`);
          }
          const found = !api.isnoneornil(L, -1);
          api.pop(L);
          if (!found) {
            const s = escapeBytes(api.tobytes(L, 1)!), p = escapeBytes(api.tobytes(L, 2)!);
            fail(api, L, `assert.matches failed: "${s}" does not match pattern "${p}"`, 3);
          }
          return 0;
        },
      },
    };
  },
  publish({ api, L }, table) {
    api.pushvalue(L, table);
    // `assert` stays Lua's own C function, so `type(assert)`, hooks and tracebacks are those
    // of lua5.4 (the official test suite checks all three), and the assertion functions are
    // reached through the metatable that all functions share: indexing `assert` finds them,
    // indexing any other function fails as it does without a metatable.
    const tableRef = api.ref(L);
    api.getglobal(L, "assert");
    const assertFn = api.topointer(L, -1);
    api.newtable(L, 0, 1);
    api.pushfunction(L, (L) => {
      if (api.topointer(L, 1) !== assertFn) throw new LuaError("attempt to index a function value");
      api.pushref(L, tableRef);
      api.pushvalue(L, 2);
      api.rawget(L, -2);
      return 1;
    });
    api.setfield(L, -2, "__index");
    api.setmetatable(L, -2);
    api.pop(L);
  },
});
