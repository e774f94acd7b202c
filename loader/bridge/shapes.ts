/**
 * JSON shape marks and the JSON null, shared by every encoder (json, yaml, toml, template
 * vars, HTTP bodies). An empty Lua table is `[]` by §0.5; `json.object(t)` marks a table to be
 * written as an object (`{}` when empty) and `json.array(t)` as an array. The marks live in a
 * weak-keyed table in the registry, so they cost nothing to tables nobody marked, survive
 * `setmetatable`, and vanish with the table. `json.null` is a NULL light userdata (as in
 * lua-cjson): one value in every VM, comparable with `==`, and the only userdata §0.5 accepts.
 *
 * @example
 * ```ts
 * markShape(api, L, 1, SHAPE_OBJECT); // json.object(t)
 * const marks = pushShapes(api, L);    // before a walk; pops with api.pop(L)
 * ```
 */
import { LUA_REGISTRYINDEX, LUA_TLIGHTUSERDATA, LUA_TTABLE, type LuaApi } from "../lua-api.ts";

/** Values of the shape table (SHAPE_* in native/json.c). */
export const SHAPE_OBJECT = 1, SHAPE_ARRAY = 2;
export type Shape = typeof SHAPE_OBJECT | typeof SHAPE_ARRAY;

const KEY = "assay.json.shape";

/** Pushes the shape table (nil when no table was ever marked); true when it exists. */
export function pushShapes(api: LuaApi, L: number): boolean {
  return api.getfield(L, LUA_REGISTRYINDEX, KEY) === LUA_TTABLE;
}

/** The mark of the table at `idx`, given the shape table at `shapes`. */
export function shapeOf(api: LuaApi, L: number, shapes: number, idx: number): Shape | 0 {
  api.pushvalue(L, idx);
  api.rawget(L, shapes);
  const shape = api.isinteger(L, -1) ? Number(api.tointeger(L, -1)) : 0;
  api.pop(L);
  return shape as Shape | 0;
}

/** Marks the table at `idx` (absolute or relative) with `shape`. */
export function markShape(api: LuaApi, L: number, idx: number, shape: Shape): void {
  const at = api.absindex(L, idx);
  api.checkstack(L, 4);
  if (!pushShapes(api, L)) {
    api.pop(L);
    api.newtable(L, 0, 0);
    api.newtable(L, 0, 1);
    api.pushstring(L, "k");
    api.setfield(L, -2, "__mode");
    api.setmetatable(L, -2);
    api.pushvalue(L, -1);
    api.setfield(L, LUA_REGISTRYINDEX, KEY);
  }
  api.pushvalue(L, at);
  api.pushinteger(L, shape);
  api.rawset(L, -3);
  api.pop(L);
}

/** Whether the value at `idx` is `json.null`. */
export function isJsonNull(api: LuaApi, L: number, idx: number): boolean {
  return api.type(L, idx) === LUA_TLIGHTUSERDATA && api.touserdata(L, idx) === 0;
}
