/**
 * Lua values to compact JSON bytes (builtins.md §0.5), walking tables with `lua_next` and
 * writing into one growing byte buffer. Nothing is converted to JS objects on the way: strings
 * are read from wasm memory through `lua_tolstring` pointers, validated and escaped byte by
 * byte, and numbers keep their integer/float subtype.
 *
 * Object keys must come out byte-wise sorted, but `lua_next` yields them in hash order. A table
 * is first walked on the guess that it is an array (keys 1, 2, 3... in traversal order, which
 * is how the array part is traversed), writing values as they come. The first key that breaks
 * the guess restarts the walk in object mode: every key/value pair is left on the Lua stack
 * (lua_next plus one pushvalue), the keys are sorted in JS, then the values are written in that
 * order; this mode also recognises arrays whose elements live in the hash part.
 *
 * Encoding creates no Lua objects (only the Lua stack may grow), and every string it reads is
 * reachable from the value being encoded, so string addresses, and the per-call key cache
 * keyed by them, stay valid for the whole call.
 */
import { type LuaApi, LuaError, LUA_TBOOLEAN, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } from "../../loader/lua-api.ts";
import { formatFloat, nonFiniteName } from "./float-format.ts";

/** Nesting depth at which encoding stops; deeper structures are almost surely a mistake. */
export const MAX_ENCODE_DEPTH = 1000;

const HEX = new TextEncoder().encode("0123456789abcdef");
/** Per byte: 0 = copied as is, 1 = short escape (`\n`), 2 = `\u00XX`, 3 = starts a UTF-8 sequence. */
const CLASS = new Uint8Array(256);
/** The letter after the backslash for the short escapes. */
const SHORT = new Uint8Array(128);
for (let b = 0; b < 0x20; b++) CLASS[b] = 2;
for (let b = 0x80; b < 0x100; b++) CLASS[b] = 3;
for (const [b, e] of [[0x22, 0x22], [0x5c, 0x5c], [0x08, 0x62], [0x0c, 0x66], [0x0a, 0x6e], [0x0d, 0x72], [0x09, 0x74]]) {
  CLASS[b] = 1;
  SHORT[b] = e;
}

/** A member key: its text for sorting (one char per byte, so `<` compares byte-wise) and its
 * JSON form `"key":` ready to copy. */
interface Key {
  sort: string;
  json: Uint8Array;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const ascii = new TextEncoder();

/** A reusable encoder bound to one VM's API; `encode` may be called any number of times. */
export class JsonEncoder {
  private readonly api: LuaApi;
  // deno-lint-ignore no-explicit-any
  private readonly m: any;
  private readonly lenPtr: number;
  /** Output bytes; allocated on first use so that start-up does not pay for it. */
  private out = new Uint8Array(0);
  private n = 0;
  /** Tables being encoded, outermost first, for cycle detection. */
  private path: number[] = [];
  /** String keys already seen in this call, by address (short strings are interned). */
  private keys = new Map<number, Key>();
  /**
   * The members of the objects being encoded, innermost last: each object uses the slots from
   * its own base up, and finishes with them before its parent moves on.
   */
  private memberKeys: Key[] = [];
  /** Integer key value of each member, or 0 when it is not an array index. */
  private memberIndex: number[] = [];
  /** The order to write members in, as offsets from the object's base. */
  private memberOrder: number[] = [];
  /** First free slot of the member arrays. */
  private sp = 0;

  constructor(api: LuaApi) {
    this.api = api;
    this.m = api.m;
    this.lenPtr = api.m._malloc(8);
  }

  /** Encodes the value at stack index `idx` and pushes the JSON string. */
  encode(L: number, idx: number): void {
    this.n = 0;
    this.path.length = 0;
    this.sp = 0;
    this.keys.clear();
    try {
      this.value(L, this.m._lua_absindex(L, idx));
      this.api.pushbytes(L, this.out.subarray(0, this.n));
    } finally {
      this.keys.clear();
      // Keep the buffers for the next call unless one huge value made them huge.
      if (this.out.length > 1 << 22) this.out = new Uint8Array(0);
      if (this.memberKeys.length > 1 << 16) this.memberKeys = [];
    }
  }

  private fail(detail: string): never {
    throw new LuaError(`json.encode: ${detail}`);
  }

  private reserve(extra: number): Uint8Array {
    if (this.n + extra > this.out.length) {
      let size = Math.max(this.out.length * 2, 1 << 16);
      while (size < this.n + extra) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.out.subarray(0, this.n));
      this.out = grown;
    }
    return this.out;
  }

  private byte(b: number): void {
    if (this.n === this.out.length) this.reserve(1);
    this.out[this.n++] = b;
  }

  private ascii(s: string): void {
    const out = this.reserve(s.length);
    let n = this.n;
    for (let i = 0; i < s.length; i++) out[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Writes the value at absolute stack index `idx`. */
  private value(L: number, idx: number): void {
    const m = this.m;
    switch (m._lua_type(L, idx)) {
      case LUA_TSTRING: {
        const p = m._lua_tolstring(L, idx, this.lenPtr);
        this.string(p, m.HEAPU32[this.lenPtr >> 2]);
        return;
      }
      case LUA_TNUMBER:
        return this.number(L, idx);
      case LUA_TTABLE:
        return this.table(L, idx);
      case LUA_TBOOLEAN:
        return this.ascii(m._lua_toboolean(L, idx) ? "true" : "false");
      case LUA_TNIL:
        return this.ascii("null");
      default:
        this.fail(`unsupported Lua type for JSON: ${this.api.typename(L, idx)}`);
    }
  }

  private number(L: number, idx: number): void {
    const m = this.m;
    const x: number = m._lua_tonumberx(L, idx, 0);
    if (m._lua_isinteger(L, idx)) {
      if (x <= 9007199254740991 && x >= -9007199254740991) this.integer(x);
      else this.ascii(m._lua_tointegerx(L, idx, 0).toString());
    } else {
      if (!Number.isFinite(x)) this.fail(`cannot encode ${nonFiniteName(x)} as JSON number`);
      this.ascii(formatFloat(x));
    }
  }

  /** Writes a safe integer's decimal digits. */
  private integer(x: number): void {
    const out = this.reserve(17);
    let n = this.n;
    if (x < 0) {
      out[n++] = 0x2d;
      x = -x;
    }
    if (x < 10) {
      out[n++] = 0x30 + x;
    } else {
      let digits = 0;
      for (let v = x; v >= 1; v = Math.floor(v / 10)) digits++;
      n += digits;
      for (let i = n - 1; i >= n - digits; i--) {
        out[i] = 0x30 + (x % 10);
        x = Math.floor(x / 10);
      }
    }
    this.n = n;
  }

  /** Writes a JSON string from `len` bytes at wasm address `p`, validating UTF-8. */
  private string(p: number, len: number): void {
    const heap: Uint8Array = this.m.HEAPU8;
    const out = this.reserve(len * 6 + 2);
    let n = this.n;
    out[n++] = 0x22;
    const end = p + len;
    // Most strings are plain printable ASCII: find where that run ends and copy it in one go.
    let i = p;
    while (i < end && CLASS[heap[i]] === 0) i++;
    if (i - p > 32) {
      out.set(heap.subarray(p, i), n);
      n += i - p;
    } else {
      for (let k = p; k < i; k++) out[n++] = heap[k];
    }
    while (i < end) {
      const b = heap[i];
      const kind = CLASS[b];
      if (kind === 0) {
        out[n++] = b;
        i++;
      } else if (kind === 1) {
        out[n++] = 0x5c;
        out[n++] = SHORT[b];
        i++;
      } else if (kind === 2) {
        out[n++] = 0x5c;
        out[n++] = 0x75;
        out[n++] = 0x30;
        out[n++] = 0x30;
        out[n++] = HEX[b >> 4];
        out[n++] = HEX[b & 15];
        i++;
      } else {
        const size = utf8SequenceLength(heap, i, end);
        if (size === 0) this.fail(`invalid UTF-8 in string at byte ${i - p + 1}`);
        for (let k = 0; k < size; k++) out[n++] = heap[i + k];
        i += size;
      }
    }
    out[n++] = 0x22;
    this.n = n;
  }

  /** Writes the table at absolute index `t`, as an array or an object. */
  private table(L: number, t: number): void {
    const m = this.m;
    const path = this.path;
    const ptr = m._lua_topointer(L, t);
    for (let i = 0; i < path.length; i++) {
      if (path[i] === ptr) this.fail("cannot encode a table that contains itself (cycle detected)");
    }
    if (path.length >= MAX_ENCODE_DEPTH) this.fail(`nesting deeper than ${MAX_ENCODE_DEPTH} levels`);
    if (!m._lua_checkstack(L, 8)) this.fail("nesting too deep for the Lua stack");
    path.push(ptr);
    const top = m._lua_gettop(L);
    const start = this.n;
    if (!this.tryArray(L, t, top)) {
      this.n = start;
      this.object(L, t, top);
    }
    path.pop();
  }

  /**
   * Walks the table as an array; returns false (stack restored) at the first key that is not
   * the next index in traversal order.
   */
  private tryArray(L: number, t: number, top: number): boolean {
    const m = this.m;
    this.byte(0x5b);
    let expect = 1;
    m._lua_pushnil(L);
    while (m._lua_next(L, t)) {
      if (m._lua_type(L, top + 1) !== LUA_TNUMBER || m._lua_tonumberx(L, top + 1, 0) !== expect) {
        m._lua_settop(L, top);
        return false;
      }
      if (expect > 1) this.byte(0x2c);
      this.value(L, top + 2);
      m._lua_settop(L, top + 1);
      expect++;
    }
    this.byte(0x5d);
    return true;
  }

  /**
   * Collects every member on the Lua stack (key i at top+2i-1, its value above it), sorts the
   * keys, then writes the values in key order; or writes an array when the keys are exactly
   * 1..n but did not come in order.
   */
  private object(L: number, t: number, top: number): void {
    const m = this.m;
    const keys = this.memberKeys, indices = this.memberIndex;
    const base = this.sp;
    let count = 0;
    let allIndices = true;
    let maxIndex = 0;
    // Each member keeps 2 slots, plus the key copy lua_next consumes: room for 16 at a time.
    if (!m._lua_checkstack(L, 40)) this.fail("table too large for the Lua stack");
    m._lua_pushnil(L);
    while (m._lua_next(L, t)) {
      const k = top + 2 * count + 1;
      let index = 0;
      let key: Key;
      const kt = m._lua_type(L, k);
      if (kt === LUA_TSTRING) {
        const p = m._lua_tolstring(L, k, this.lenPtr);
        key = this.keys.get(p) ?? this.stringKey(p, m.HEAPU32[this.lenPtr >> 2]);
        allIndices = false;
      } else if (kt === LUA_TNUMBER) {
        const x: number = m._lua_tonumberx(L, k, 0);
        if (m._lua_isinteger(L, k)) {
          const safe = x <= 9007199254740991 && x >= -9007199254740991;
          if (safe && x >= 1) {
            index = x;
            if (x > maxIndex) maxIndex = x;
          } else {
            allIndices = false;
          }
          key = textKey(safe ? String(x) : m._lua_tointegerx(L, k, 0).toString());
        } else {
          if (!Number.isFinite(x)) this.fail(`cannot encode ${nonFiniteName(x)} as JSON number`);
          key = textKey(formatFloat(x));
          allIndices = false;
        }
      } else {
        this.fail(`unsupported table key type: ${this.api.typename(L, k)}`);
      }
      keys[base + count] = key;
      indices[base + count] = index;
      count++;
      if ((count & 15) === 0 && !m._lua_checkstack(L, 40)) this.fail("table too large for the Lua stack");
      m._lua_pushvalue(L, -2);
    }
    // Nested objects written below take the member slots above this object's.
    this.sp = base + count;
    const asArray = allIndices && maxIndex === count;
    this.sortMembers(base, count, asArray);
    const order = this.memberOrder;
    this.byte(asArray ? 0x5b : 0x7b);
    for (let i = 0; i < count; i++) {
      if (i > 0) this.byte(0x2c);
      const member = order[base + i];
      if (!asArray) {
        const json = keys[base + member].json;
        const out = this.reserve(json.length);
        let n = this.n;
        for (let j = 0; j < json.length; j++) out[n++] = json[j];
        this.n = n;
      }
      this.value(L, top + 2 * member + 2);
    }
    this.byte(asArray ? 0x5d : 0x7d);
    m._lua_settop(L, top);
    this.sp = base;
  }

  /**
   * Fills memberOrder[base..base+count) with the members' write order (offsets from base): by
   * key bytes, or by index for an array.
   */
  private sortMembers(base: number, count: number, byIndex: boolean): void {
    const keys = this.memberKeys, indices = this.memberIndex, order = this.memberOrder;
    if (count > 32) {
      const sorted = Array.from({ length: count }, (_, i) => i);
      if (byIndex) sorted.sort((a, b) => indices[base + a] - indices[base + b]);
      else sorted.sort((a, b) => compare(keys[base + a].sort, keys[base + b].sort));
      for (let i = 0; i < count; i++) order[base + i] = sorted[i];
      return;
    }
    // Insertion sort: objects are small, and this allocates nothing.
    for (let i = 0; i < count; i++) {
      let j = base + i;
      if (byIndex) {
        const v = indices[base + i];
        while (j > base && indices[base + order[j - 1]] > v) {
          order[j] = order[j - 1];
          j--;
        }
      } else {
        const v = keys[base + i].sort;
        while (j > base && keys[base + order[j - 1]].sort > v) {
          order[j] = order[j - 1];
          j--;
        }
      }
      order[j] = i;
    }
  }

  /** A string key from wasm memory: validated, escaped, cached by address for this call. */
  private stringKey(p: number, len: number): Key {
    const mark = this.n;
    this.string(p, len);
    this.byte(0x3a);
    const json = this.out.slice(mark, this.n);
    this.n = mark;
    const key = { sort: latin1(this.m.HEAPU8.subarray(p, p + len)), json };
    this.keys.set(p, key);
    return key;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key made from a number's decimal text (ASCII). */
function textKey(text: string): Key {
  return { sort: text, json: ascii.encode(`"${text}":`) };
}

/**
 * Length of the well-formed UTF-8 sequence starting with the byte at `i` (a lead byte >= 0x80),
 * or 0 when it is not one: no overlongs, no surrogates, nothing above U+10FFFF.
 */
export function utf8SequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c >= 0xc2 && c <= 0xdf) {
    return i + 1 < end && (b[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return 0;
    const c1 = b[i + 1];
    if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80) return 0;
    if (c === 0xe0 && c1 < 0xa0) return 0;
    if (c === 0xed && c1 > 0x9f) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return 0;
    const c1 = b[i + 1];
    if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80 || (b[i + 3] & 0xc0) !== 0x80) return 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 > 0x8f) return 0;
    return 4;
  }
  return 0;
}
