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
 * (lua_next plus one pushvalue), the keys are sorted in JS, then the members are written in
 * that order; this mode also recognises arrays whose elements live in the hash part.
 *
 * The output buffer lives in wasm memory (malloc'd and kept between calls), so the result
 * becomes a Lua string with one copy and encoding allocates next to nothing on the JS heap: the
 * first JS allocations after start-up pay for a garbage collection the wasm memory is owed.
 * Encoding creates no Lua objects (only the Lua stack may grow), and every string it reads is
 * reachable from the value being encoded, so string addresses stay valid for the whole call.
 */
import { type LuaApi, LuaError, LUA_TBOOLEAN, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } from "../../loader/lua-api.ts";
import { formatFloat, nonFiniteName } from "./float-format.ts";

/** Nesting depth at which encoding stops; deeper structures are almost surely a mistake. */
export const MAX_ENCODE_DEPTH = 1000;

/** Output buffer kept between calls up to this size; larger ones are freed after the call. */
const KEEP_BUFFER = 1 << 18;

const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = "0123456789abcdef".charCodeAt(i);
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

/** The first 6 bytes as a number (zero-padded), which orders like the bytes themselves. */
function prefixOf(bytes: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + (i < len ? bytes[at + i] : 0);
  return v;
}

const ascii = new TextEncoder();

/** A reusable encoder bound to one VM's API; `encode` may be called any number of times. */
export class JsonEncoder {
  private readonly api: LuaApi;
  // deno-lint-ignore no-explicit-any
  private readonly m: any;
  private readonly lenPtr: number;
  /** wasm memory (HEAPU8), fetched again whenever a call may have grown it. */
  private out = new Uint8Array(0);
  /** The output buffer in wasm memory: address, capacity, bytes written. */
  private buf = 0;
  private cap = 0;
  private n = 0;
  /** Tables being encoded, outermost first, for cycle detection. */
  private path: number[] = [];
  /**
   * The members of the objects being encoded, innermost last: each object uses the slots from
   * its own base up, and is done with them before its parent moves on. Per member: the sort
   * prefix of its key, the key's address and length in wasm memory (address 0 for a key made
   * from a number, whose text is in memberText), and its integer value (0 if not an index).
   */
  private memberPrefix: number[] = [];
  private memberPtr: number[] = [];
  private memberLen: number[] = [];
  private memberText: (Uint8Array | null)[] = [];
  private memberIndex: number[] = [];
  /** The order to write members in, as offsets from the object's base. */
  private memberOrder: number[] = [];
  /** First free member slot. */
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
    this.out = this.m.HEAPU8;
    try {
      this.value(L, this.m._lua_absindex(L, idx));
      this.m._lua_pushlstring(L, this.buf, this.n);
    } finally {
      if (this.cap > KEEP_BUFFER) {
        this.m._free(this.buf);
        this.buf = this.cap = 0;
      }
      this.memberText.fill(null);
    }
  }

  private fail(detail: string): never {
    throw new LuaError(`json.encode: ${detail}`);
  }

  /** Makes room for `extra` more bytes; returns the memory view to write through. */
  private reserve(extra: number): Uint8Array {
    if (this.n + extra > this.cap) {
      let size = Math.max(this.cap * 2, 1 << 16);
      while (size < this.n + extra) size *= 2;
      const p = this.m._realloc(this.buf, size);
      if (!p) this.fail("not enough memory");
      this.buf = p;
      this.cap = size;
      this.out = this.m.HEAPU8;
    }
    return this.out;
  }

  private byte(b: number): void {
    const out = this.n < this.cap ? this.out : this.reserve(1);
    out[this.buf + this.n++] = b;
  }

  private ascii(s: string): void {
    const out = this.reserve(s.length);
    let o = this.buf + this.n;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
    this.n = o - this.buf;
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
    let o = this.buf + this.n;
    if (x < 0) {
      out[o++] = 0x2d;
      x = -x;
    }
    if (x < 10) {
      out[o++] = 0x30 + x;
    } else {
      let digits = 0;
      for (let v = x; v >= 1; v = Math.floor(v / 10)) digits++;
      o += digits;
      for (let i = o - 1; i >= o - digits; i--) {
        out[i] = 0x30 + (x % 10);
        x = Math.floor(x / 10);
      }
    }
    this.n = o - this.buf;
  }

  /** Writes a JSON string from `len` bytes at wasm address `p`, validating UTF-8. */
  private string(p: number, len: number): void {
    const out = this.reserve(len * 6 + 3); // the view is also the source: both are wasm memory
    let o = this.buf + this.n;
    out[o++] = 0x22;
    const end = p + len;
    // Most strings are plain printable ASCII: find where that run ends and copy it in one go.
    let i = p;
    while (i < end && CLASS[out[i]] === 0) i++;
    if (i - p > 16) {
      out.copyWithin(o, p, i);
      o += i - p;
    } else {
      for (let k = p; k < i; k++) out[o++] = out[k];
    }
    while (i < end) {
      const b = out[i];
      const kind = CLASS[b];
      if (kind === 0) {
        out[o++] = b;
        i++;
      } else if (kind === 1) {
        out[o++] = 0x5c;
        out[o++] = SHORT[b];
        i++;
      } else if (kind === 2) {
        out[o++] = 0x5c;
        out[o++] = 0x75;
        out[o++] = 0x30;
        out[o++] = 0x30;
        out[o++] = HEX[b >> 4];
        out[o++] = HEX[b & 15];
        i++;
      } else {
        const size = utf8SequenceLength(out, i, end);
        if (size === 0) this.fail(`invalid UTF-8 in string at byte ${i - p + 1}`);
        for (let k = 0; k < size; k++) out[o++] = out[i + k];
        i += size;
      }
    }
    out[o++] = 0x22;
    this.n = o - this.buf;
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
    if (!m._lua_checkstack(L, 40)) this.fail("nesting too deep for the Lua stack");
    this.out = m.HEAPU8;
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
   * Collects every member on the Lua stack (key i at top+2i+1, its value above it), sorts the
   * keys, then writes the members in key order; or writes an array when the keys are exactly
   * 1..n but did not come in order.
   */
  private object(L: number, t: number, top: number): void {
    const m = this.m;
    const prefix = this.memberPrefix, ptrs = this.memberPtr, lens = this.memberLen, indices = this.memberIndex;
    const base = this.sp;
    let count = 0;
    let allIndices = true;
    let maxIndex = 0;
    m._lua_pushnil(L);
    while (m._lua_next(L, t)) {
      const k = top + 2 * count + 1;
      const slot = base + count;
      let index = 0;
      const kt = m._lua_type(L, k);
      if (kt === LUA_TSTRING) {
        const p = m._lua_tolstring(L, k, this.lenPtr);
        const len = m.HEAPU32[this.lenPtr >> 2];
        prefix[slot] = prefixOf(this.out, p, len);
        ptrs[slot] = p;
        lens[slot] = len;
        allIndices = false;
      } else if (kt === LUA_TNUMBER) {
        index = this.numberKey(L, k, slot);
        if (index > 0) {
          if (index > maxIndex) maxIndex = index;
        } else {
          allIndices = false;
        }
      } else {
        this.fail(`unsupported table key type: ${this.api.typename(L, k)}`);
      }
      indices[slot] = index;
      count++;
      // Each member keeps 2 slots (plus the key copy lua_next consumes); table() made room for
      // the first 16, and here for every further 16.
      if ((count & 15) === 0) {
        if (!m._lua_checkstack(L, 40)) this.fail("table too large for the Lua stack");
        this.out = m.HEAPU8;
      }
      m._lua_pushvalue(L, -2);
    }
    // Nested objects written below take the member slots above this object's.
    this.sp = base + count;
    const asArray = allIndices && maxIndex === count;
    this.sortMembers(base, count, asArray);
    const order = this.memberOrder;
    this.byte(asArray ? 0x5b : 0x7b);
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const slot = base + order[base + i];
      // 1 and "1" give the same JSON key; keep the first, as a JSON object has one value per key.
      if (!asArray && previous >= 0 && prefix[previous] === prefix[slot] && this.compare(previous, slot) === 0) continue;
      if (i > 0) this.byte(0x2c);
      previous = slot;
      if (!asArray) {
        if (ptrs[slot] === 0) this.textKey(this.memberText[slot]!);
        else this.string(ptrs[slot], lens[slot]);
        this.byte(0x3a);
      }
      this.value(L, top + 2 * (slot - base) + 2);
    }
    this.byte(asArray ? 0x5d : 0x7d);
    m._lua_settop(L, top);
    this.sp = base;
  }

  /**
   * Records a number key (its decimal text, in memberText) in member slot `slot`; returns its
   * value when it can be an array index (an integer >= 1), else 0.
   */
  private numberKey(L: number, k: number, slot: number): number {
    const m = this.m;
    const x: number = m._lua_tonumberx(L, k, 0);
    let index = 0;
    let text: string;
    if (m._lua_isinteger(L, k)) {
      const safe = x <= 9007199254740991 && x >= -9007199254740991;
      if (safe && x >= 1) index = x;
      text = safe ? String(x) : m._lua_tointegerx(L, k, 0).toString();
    } else {
      if (!Number.isFinite(x)) this.fail(`cannot encode ${nonFiniteName(x)} as JSON number`);
      text = formatFloat(x);
    }
    const bytes = ascii.encode(text);
    this.memberText[slot] = bytes;
    this.memberPrefix[slot] = prefixOf(bytes, 0, bytes.length);
    this.memberPtr[slot] = 0;
    this.memberLen[slot] = bytes.length;
    return index;
  }

  /** Writes the key of a member whose key was a number: its text in quotes. */
  private textKey(text: Uint8Array): void {
    const out = this.reserve(text.length + 3);
    let o = this.buf + this.n;
    out[o++] = 0x22;
    for (let j = 0; j < text.length; j++) out[o++] = text[j];
    out[o++] = 0x22;
    this.n = o - this.buf;
  }

  /**
   * Fills memberOrder[base..base+count) with the members' write order (offsets from base): by
   * key bytes, or by index for an array.
   */
  private sortMembers(base: number, count: number, byIndex: boolean): void {
    const prefix = this.memberPrefix, indices = this.memberIndex, order = this.memberOrder;
    if (count > 32) {
      const sorted: number[] = [];
      for (let i = 0; i < count; i++) sorted.push(i);
      if (byIndex) sorted.sort((a, b) => indices[base + a] - indices[base + b]);
      else sorted.sort((a, b) => this.compare(base + a, base + b));
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
        const v = prefix[base + i];
        while (j > base) {
          const u = prefix[base + order[j - 1]];
          if (u < v || (u === v && this.compare(base + order[j - 1], base + i) <= 0)) break;
          order[j] = order[j - 1];
          j--;
        }
      }
      order[j] = i;
    }
  }

  /** Byte-wise comparison of the keys of member slots a and b. */
  private compare(a: number, b: number): number {
    const pa = this.memberPrefix[a], pb = this.memberPrefix[b];
    if (pa !== pb) return pa < pb ? -1 : 1;
    const heap = this.out;
    const ta = this.memberPtr[a] === 0 ? this.memberText[a] : null;
    const tb = this.memberPtr[b] === 0 ? this.memberText[b] : null;
    const ab = ta ?? heap, bb = tb ?? heap;
    const ao = ta ? 0 : this.memberPtr[a], bo = tb ? 0 : this.memberPtr[b];
    const la = this.memberLen[a], lb = this.memberLen[b];
    const n = Math.min(la, lb);
    for (let i = 6; i < n; i++) {
      const d = ab[ao + i] - bb[bo + i];
      if (d !== 0) return d;
    }
    return la - lb;
  }
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
