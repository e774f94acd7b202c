/**
 * Equality for `assert.eq`/`assert.ne`. Scalars follow builtins.md §16 (nil, booleans,
 * strings by value; integers exactly; a float on either side within 2.220446049250313e-16,
 * or exactly equal so `math.huge` equals itself). Tables compare by deep structural equality
 * (README §0 item 2, overriding §16's "tables are never equal"):
 *
 * - same raw keys on both sides (keys are matched by Lua's own raw lookup, so a table used as
 *   a key matches only that same table), and deeply equal values under each key;
 * - metatables and metamethods (`__eq`, `__index`, `__pairs`) are ignored: contents are read raw;
 * - cycles terminate: a pair of tables already being compared is assumed equal, so two
 *   self-referencing structures of the same shape are equal;
 * - functions, userdata and threads are equal only to themselves.
 */
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TTABLE, type LuaApi } from "../../loader/lua-api.ts";

/** f64 machine epsilon, the reference's absolute tolerance for floats. */
export const FLOAT_TOLERANCE = 2.220446049250313e-16;

/** Whether two numbers are equal under the §16 rules. */
export function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  const x = Number(a), y = Number(b);
  return x === y || Math.abs(x - y) < FLOAT_TOLERANCE;
}

/** Deep equality of the values at stack indices i and j of L. */
export function valuesEqual(api: LuaApi, L: number, i: number, j: number): boolean {
  i = api.absindex(L, i);
  j = api.absindex(L, j);
  if (kind(api, L, i) !== LUA_TTABLE || kind(api, L, j) !== LUA_TTABLE) return scalarsEqual(api, L, i, j);
  api.checkstack(L, 8);
  // Pairs of tables still to compare, kept in a Lua table so deep nesting needs neither JS
  // recursion nor Lua stack.
  api.newtable(L);
  const work = api.gettop(L);
  try {
    return tablesEqual(api, L, i, j, work);
  } finally {
    api.settop(L, work - 1);
  }
}

/** The type at idx, with "none" counted as nil. */
function kind(api: LuaApi, L: number, idx: number): number {
  const t = api.type(L, idx);
  return t === LUA_TNONE ? LUA_TNIL : t;
}

function number(api: LuaApi, L: number, idx: number): number | bigint {
  return api.isinteger(L, idx) ? api.tointeger(L, idx) : api.tonumber(L, idx);
}

/** Equality of two values of which at most one is a table (so no descent is needed). */
function scalarsEqual(api: LuaApi, L: number, i: number, j: number): boolean {
  const t = kind(api, L, i);
  if (t !== kind(api, L, j)) return false;
  switch (t) {
    case LUA_TNIL:
      return true;
    case LUA_TBOOLEAN:
      return api.toboolean(L, i) === api.toboolean(L, j);
    case LUA_TNUMBER:
      return numbersEqual(number(api, L, i), number(api, L, j));
    default:
      // Strings by content, functions, userdata and threads by identity.
      return api.m._lua_rawequal(L, i, j) !== 0;
  }
}

function tablesEqual(api: LuaApi, L: number, a0: number, b0: number, work: number): boolean {
  const assumed = new Set<string>();
  let queued = 0, taken = 0;
  const enqueue = (a: number, b: number) => {
    api.pushvalue(L, a);
    api.rawseti(L, work, ++queued);
    api.pushvalue(L, b);
    api.rawseti(L, work, ++queued);
  };
  enqueue(a0, b0);
  while (taken < queued) {
    api.settop(L, work);
    api.rawgeti(L, work, ++taken);
    api.rawgeti(L, work, ++taken);
    const a = work + 1, b = work + 2;
    if (api.m._lua_rawequal(L, a, b) !== 0) continue;
    // A pair met again is assumed equal: that is what makes cycles terminate.
    const pair = `${api.topointer(L, a)}:${api.topointer(L, b)}`;
    if (assumed.has(pair)) continue;
    assumed.add(pair);
    let count = 0;
    api.pushnil(L);
    while (api.next(L, a)) {
      // Stack: a, b, key, value in a.
      count++;
      api.pushvalue(L, -2);
      api.rawget(L, b);
      const va = work + 4, vb = work + 5;
      if (kind(api, L, vb) === LUA_TNIL) return false;
      if (kind(api, L, va) === LUA_TTABLE && kind(api, L, vb) === LUA_TTABLE) enqueue(va, vb);
      else if (!scalarsEqual(api, L, va, vb)) return false;
      api.pop(L, 2);
    }
    api.pushnil(L);
    while (api.next(L, b)) {
      api.pop(L);
      if (--count < 0) return false;
    }
    if (count !== 0) return false;
  }
  return true;
}
