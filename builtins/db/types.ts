/**
 * Values between Lua and the engines. Parameters arrive as `Param` (read by db.ts from the
 * Lua array); results leave as the JS values the conversion layer pushes: `bigint` for a
 * 64-bit integer beyond 2^53, `LuaFloat` so a float column stays a float even when integral,
 * `Uint8Array` for bytes, plain objects and arrays for JSON.
 */
import { LuaFloat } from "../../loader/bridge/values.ts";

/** One bound parameter: integers are `bigint` so every engine binds them as 64-bit integers. */
export type Param = null | boolean | bigint | number | string | Uint8Array;

/** A number from a float column, kept a Lua float. */
export function floatValue(x: number): LuaFloat | number {
  return Number.isInteger(x) ? new LuaFloat(x) : x;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER), MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer as Lua gets it: a number when exact, else a bigint. */
export function intValue(x: bigint | number | string): number | bigint {
  if (typeof x === "number") return x;
  const big = typeof x === "bigint" ? x : BigInt(x);
  return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

/** UTF-8 text of a column or a statement; a leading U+FEFF is text, not a byte order mark. */
export const utf8Text = new TextDecoder("utf-8", { ignoreBOM: true });
