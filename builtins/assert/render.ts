/**
 * How `assert.*` failure messages print values (builtins.md §16), matching the reference's
 * Rust formatting: integers in decimal, floats in Rust's `Display` form (shortest round-trip
 * digits, never an exponent, `1.0` as `1`), strings with quotes, backslashes and control
 * characters escaped, other values as `<typename>`.
 */
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, type LuaApi } from "../../loader/lua-api.ts";

/** A float as Rust's `{}` prints an f64: `1`, `0.1`, `100000000000000000000`, `NaN`, `inf`. */
export function renderFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  // toExponential() without an argument gives the shortest digits that round-trip.
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(exponent);
  let text: string;
  if (exp >= digits.length - 1) text = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) text = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else text = `0.${"0".repeat(-exp - 1)}${digits}`;
  return x < 0 ? `-${text}` : text;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function escapeChar(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\0":
      return "\\0";
  }
  const code = ch.codePointAt(0)!;
  // C0 controls, DEL and C1 controls, as Rust's escape_debug prints them.
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `\\u{${code.toString(16)}}`;
  return ch;
}

/**
 * Escapes a Lua string for printing between double quotes. Valid UTF-8 stays readable; a
 * byte that is not part of valid UTF-8 prints as `\xNN`, so binary data cannot break the line.
 */
export function escapeBytes(bytes: Uint8Array): string {
  try {
    return escapeText(decoder.decode(bytes));
  } catch {
    // Not valid UTF-8 as a whole: go character by character.
  }
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const ch = len && i + len <= bytes.length ? decodeOne(bytes.subarray(i, i + len)) : null;
    if (ch === null) {
      out += `\\x${b.toString(16).padStart(2, "0")}`;
      i++;
    } else {
      out += escapeText(ch);
      i += len;
    }
  }
  return out;
}

function escapeText(text: string): string {
  let out = "";
  for (const ch of text) out += escapeChar(ch);
  return out;
}

function decodeOne(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** A number at `idx` as the messages print it (integers exactly, floats via renderFloat). */
export function renderNumber(api: LuaApi, L: number, idx: number): string {
  return api.isinteger(L, idx) ? api.tointeger(L, idx).toString() : renderFloat(api.tonumber(L, idx));
}

/** The value at `idx` as it appears inside the quotes of an `assert.eq`/`ne` message. */
export function renderValue(api: LuaApi, L: number, idx: number): string {
  switch (api.type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
      return "nil";
    case LUA_TBOOLEAN:
      return api.toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER:
      return renderNumber(api, L, idx);
    case LUA_TSTRING:
      return escapeBytes(api.tobytes(L, idx)!);
    default:
      return `<${api.typename(L, idx)}>`;
  }
}
