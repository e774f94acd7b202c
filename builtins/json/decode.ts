/**
 * JSON text to Lua values (builtins.md §0.5), pushed straight onto the Lua stack while the
 * bytes are scanned. Going through JS objects (`JSON.parse`) would lose `1.0` vs `1` and every
 * integer above 2^53, and would cost a JS↔wasm conversion per value; this parser instead reads
 * the input bytes once and pushes each string, number and table as it finds it. Strings
 * without escapes are pushed directly from the input string's own bytes in wasm memory.
 */
import { type LuaApi, LuaError } from "../../loader/lua-api.ts";

/** Nesting depth at which parsing stops (lua-cjson uses the same default). */
export const MAX_PARSE_DEPTH = 1000;

const utf8 = new TextDecoder();
/** Exact powers of ten: a mantissa below 2^53 times one of these rounds correctly. */
const POW10: number[] = [1];
for (let i = 1; i <= 22; i++) POW10.push(POW10[i - 1] * 10); // exact up to 1e22
/** Small integers and array indices as BigInt, so the common cases allocate nothing. */
const SMALL: bigint[] = [];
for (let i = 0; i < 1024; i++) SMALL.push(BigInt(i)); // a plain loop: Array.from costs ~0.5 ms cold
/** Members or elements kept on the Lua stack before they are moved into their table. */
const BATCH = 4096;
/** Stack slots ensured for a run of 8 members or 16 elements (2 or 1 slots each, plus the
 * table and the 2 temporaries of a flush). */
const STACK_RUN = 20;
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

const QUOTE = 0x22, BACKSLASH = 0x5c, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/** A reusable parser bound to one VM's API; `decode` may be called any number of times. */
export class JsonDecoder {
  // deno-lint-ignore no-explicit-any
  private readonly m: any;
  private L = 0;
  /**
   * All of wasm memory: the input is scanned in place at absolute addresses base..end, and the
   * NUL Lua keeps after every string's bytes stops scans without bound checks. Growing the
   * memory replaces the view, so it is fetched again after every Lua call that may allocate.
   */
  private src = new Uint8Array(0);
  private base = 0;
  private end = 0;
  private pos = 0;
  private depth = 0;
  /**
   * wasm memory for the decoded bytes of strings with escapes (grown as needed) and for the
   * NUL-terminated text of integers handed to lua_stringtonumber, so parsing allocates nothing
   * on the JS heap: the first JS allocations after start-up pay for a garbage collection.
   */
  private buf = 0;
  private bufSize = 0;
  private readonly numText: number;

  constructor(api: LuaApi) {
    this.m = api.m;
    this.numText = api.m._malloc(32);
  }

  /**
   * Parses `len` bytes at wasm address `ptr` and pushes the one value they hold. The bytes must
   * belong to a Lua string that stays on the stack meanwhile. Raises `json.parse: ...` errors.
   */
  decode(L: number, ptr: number, len: number): void {
    this.L = L;
    this.base = ptr;
    this.end = ptr + len;
    this.pos = ptr;
    this.depth = 0;
    this.src = this.m.HEAPU8;
    this.skipWs();
    this.value();
    this.skipWs();
    if (this.pos < this.end) this.fail("trailing characters");
  }

  /** Picks up the current memory view after a Lua call that may have grown the memory. */
  private refresh(): void {
    this.src = this.m.HEAPU8;
  }

  private skipWs(): void {
    const src = this.src;
    let p = this.pos;
    let c = src[p];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = src[++p];
    this.pos = p;
  }

  /** Raises a parse error pointing at byte `at` as line and column (1-based, like serde_json). */
  private fail(what: string, at = this.pos): never {
    const src = this.m.HEAPU8;
    let line = 1, lineStart = this.base;
    const stop = Math.min(at, this.end);
    for (let i = this.base; i < stop; i++) {
      if (src[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = at >= this.end ? this.end - lineStart : at - lineStart + 1;
    throw new LuaError(`json.parse: ${what} at line ${line} column ${column}`);
  }

  private value(): void {
    const c = this.src[this.pos];
    switch (c) {
      case 0x7b: // {
        return this.object();
      case 0x5b: // [
        return this.array();
      case QUOTE:
        return this.string();
      case 0x74: // t
        this.literal("true");
        return this.m._lua_pushboolean(this.L, 1);
      case 0x66: // f
        this.literal("false");
        return this.m._lua_pushboolean(this.L, 0);
      case 0x6e: // n
        this.literal("null");
        return this.m._lua_pushnil(this.L);
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
        if (this.pos >= this.end) this.fail("EOF while parsing a value");
        this.fail("expected value");
    }
  }

  private literal(word: string): void {
    const src = this.src;
    for (let i = 1; i < word.length; i++) {
      if (src[this.pos + i] !== word.charCodeAt(i)) {
        if (this.pos + i >= this.end) this.fail("EOF while parsing a value", this.end);
        this.fail("expected value", this.pos + i);
      }
    }
    this.pos += word.length;
  }

  /**
   * Starts a container: checks the depth and makes room on the Lua stack for its first 8
   * members or 16 elements (the loops below check again before each further run).
   */
  private enter(): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail(`nesting deeper than ${MAX_PARSE_DEPTH} levels`);
    if (!this.m._lua_checkstack(this.L, STACK_RUN)) this.fail("nesting too deep for the Lua stack");
    this.refresh();
  }

  /**
   * Members are left on the Lua stack as key/value pairs until the closing brace, so the table
   * is created with its final size and never rehashed; very large objects are flushed into it
   * in batches to bound the stack.
   */
  private object(): void {
    this.enter();
    const m = this.m, L = this.L;
    this.pos++;
    this.skipWs();
    if (this.src[this.pos] === 0x7d) {
      this.pos++;
      this.depth--;
      m._lua_createtable(L, 0, 0);
      this.refresh();
      return;
    }
    let pending = 0;
    let table = 0;
    for (;;) {
      if (this.src[this.pos] !== QUOTE) {
        if (this.pos >= this.end) this.fail("EOF while parsing an object");
        this.fail("key must be a string");
      }
      this.string();
      this.skipWs();
      if (this.src[this.pos] !== 0x3a) {
        if (this.pos >= this.end) this.fail("EOF while parsing an object");
        this.fail("expected `:`");
      }
      this.pos++;
      this.skipWs();
      this.value();
      if (++pending === BATCH) {
        table = this.flushObject(table, pending, pending);
        pending = 0;
      } else if ((pending & 7) === 0) {
        if (!m._lua_checkstack(L, STACK_RUN)) this.fail("object too large for the Lua stack");
        this.refresh();
      }
      this.skipWs();
      const c = this.src[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
        if (this.src[this.pos] === 0x7d) this.fail("trailing comma");
      } else if (c === 0x7d) {
        this.pos++;
        this.depth--;
        this.flushObject(table, pending, pending);
        return;
      } else {
        if (this.pos >= this.end) this.fail("EOF while parsing an object");
        this.fail("expected `,` or `}`");
      }
    }
  }

  /**
   * Moves the `pending` key/value pairs on top of the stack into the table below them, creating
   * it (sized for `hint` members) when `table` is 0. Returns its absolute index. Pairs go in
   * with rawset in source order so that a later duplicate key wins, and a null value (nil)
   * removes an earlier one.
   */
  private flushObject(table: number, pending: number, hint: number): number {
    const m = this.m, L = this.L;
    const first = m._lua_gettop(L) - 2 * pending + 1;
    if (table === 0) {
      m._lua_createtable(L, 0, hint);
      m._lua_rotate(L, first, 1);
      table = first;
    }
    for (let i = 0; i < pending; i++) {
      m._lua_pushvalue(L, table + 1 + 2 * i);
      m._lua_pushvalue(L, table + 2 + 2 * i);
      m._lua_rawset(L, table);
    }
    m._lua_settop(L, table);
    this.refresh();
    return table;
  }

  /**
   * Elements wait on the stack like object members, so the table is created at its size. The
   * array part stops before the first null, so that `#` stops there as `ipairs` does.
   */
  private array(): void {
    this.enter();
    const m = this.m, L = this.L;
    this.pos++;
    this.skipWs();
    if (this.src[this.pos] === 0x5d) {
      this.pos++;
      this.depth--;
      m._lua_createtable(L, 0, 0);
      this.refresh();
      return;
    }
    let n = 0;
    let pending = 0;
    let table = 0;
    let firstNull = 0;
    for (;;) {
      if (firstNull === 0 && this.src[this.pos] === 0x6e) firstNull = n + 1;
      this.value();
      n++;
      if (++pending === BATCH) {
        table = this.flushArray(table, pending, n, firstNull);
        pending = 0;
      } else if ((pending & 15) === 0) {
        if (!m._lua_checkstack(L, STACK_RUN)) this.fail("array too large for the Lua stack");
        this.refresh();
      }
      this.skipWs();
      const c = this.src[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
        if (this.src[this.pos] === 0x5d) this.fail("trailing comma");
      } else if (c === 0x5d) {
        this.pos++;
        this.depth--;
        this.flushArray(table, pending, n, firstNull);
        return;
      } else {
        if (this.pos >= this.end) this.fail("EOF while parsing a list");
        this.fail("expected `,` or `]`");
      }
    }
  }

  /** Stores the `pending` values on top of the stack as elements n-pending+1..n. */
  private flushArray(table: number, pending: number, n: number, firstNull: number): number {
    const m = this.m, L = this.L;
    if (table === 0) {
      const dense = firstNull === 0 ? n : firstNull - 1;
      m._lua_createtable(L, dense, n - dense);
      m._lua_rotate(L, -1 - pending, 1);
      table = m._lua_gettop(L) - pending;
    }
    // rawseti pops the top value, so store from the last element down; nulls leave holes.
    for (let i = n; i > n - pending; i--) m._lua_rawseti(L, table, i < 1024 ? SMALL[i] : BigInt(i));
    this.refresh();
    return table;
  }

  /** Pushes the string starting at the opening quote at `pos`. */
  private string(): void {
    const src = this.src;
    const start = this.pos + 1;
    let p = start;
    for (;;) {
      const c = src[p];
      if (c === QUOTE) {
        this.m._lua_pushlstring(this.L, start, p - start);
        this.refresh();
        this.pos = p + 1;
        return;
      }
      if (c === BACKSLASH) break;
      if (!(c >= 0x20)) this.badStringByte(p); // also stops on a stale (detached) view
      p++;
    }
    this.escapedString(start, p);
  }

  private badStringByte(p: number): never {
    if (p >= this.end) this.fail("EOF while parsing a string", this.end);
    this.fail("control character (\\u0000-\\u001F) found while parsing a string", p);
  }

  /** The slow path: `start` is the first content byte, `p` the first backslash. */
  private escapedString(start: number, p: number): void {
    // Escapes only shrink the text, so the bytes up to the closing quote bound the result.
    let close = p;
    while (close < this.end && this.src[close] !== QUOTE) close += this.src[close] === BACKSLASH ? 2 : 1;
    if (this.bufSize < close - start) {
      const size = Math.max(close - start, this.bufSize * 2, 256);
      const grown = this.m._realloc(this.buf, size);
      if (!grown) this.fail("not enough memory", start);
      this.buf = grown;
      this.bufSize = size;
      this.refresh();
    }
    const src = this.src; // wasm memory: the source and the decoded bytes both live there
    const buf = this.buf;
    let n = buf;
    for (let k = start; k < p; k++) src[n++] = src[k];
    for (;;) {
      const c = src[p];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = src[p + 1];
        p += 2;
        switch (e) {
          case QUOTE:
          case BACKSLASH:
          case 0x2f:
            src[n++] = e;
            break;
          case 0x62:
            src[n++] = 0x08;
            break;
          case 0x66:
            src[n++] = 0x0c;
            break;
          case 0x6e:
            src[n++] = 0x0a;
            break;
          case 0x72:
            src[n++] = 0x0d;
            break;
          case 0x74:
            src[n++] = 0x09;
            break;
          case 0x75: {
            let cp = this.hex4(p);
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
              if (src[p] !== BACKSLASH || src[p + 1] !== 0x75) {
                this.fail("lone leading surrogate in hex escape", p);
              }
              const lo = this.hex4(p + 2);
              if (lo < 0xdc00 || lo > 0xdfff) this.fail("invalid low surrogate in hex escape", p + 2);
              p += 6;
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
              this.fail("lone trailing surrogate in hex escape", p - 4);
            }
            n = writeUtf8(src, n, cp);
            break;
          }
          default:
            if (p - 1 >= this.end) this.fail("EOF while parsing a string", this.end);
            this.fail("invalid escape", p - 1);
        }
        continue;
      }
      if (!(c >= 0x20)) this.badStringByte(p); // also stops on a stale (detached) view
      src[n++] = c;
      p++;
    }
    this.m._lua_pushlstring(this.L, buf, n - buf);
    this.refresh();
    if (this.bufSize > 1 << 18) {
      // Do not keep one huge string's buffer (it counts against the Lua heap limit).
      this.m._free(this.buf);
      this.buf = this.bufSize = 0;
    }
    this.pos = p + 1;
  }

  private hex4(p: number): number {
    const src = this.src;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = src[p + i];
      if (!isHex(c)) {
        if (p + i >= this.end) this.fail("EOF while parsing a string", this.end);
        this.fail("invalid escape", p + i);
      }
      v = v * 16 + hexValue(c);
    }
    return v;
  }

  private number(): void {
    const src = this.src, m = this.m, L = this.L;
    const start = this.pos;
    let p = start;
    const neg = src[p] === MINUS;
    if (neg) p++;
    let c = src[p];
    let mant = 0;
    let digits = 0;
    if (c === ZERO) {
      p++;
    } else if (c > ZERO && c <= NINE) {
      do {
        mant = mant * 10 + (c - ZERO);
        digits++;
        c = src[++p];
      } while (c >= ZERO && c <= NINE);
    } else {
      if (p >= this.end) this.fail("EOF while parsing a value", this.end);
      this.fail("invalid number", p);
    }
    c = src[p];
    let isFloat = false;
    let scale = 0;
    if (c === 0x2e) {
      isFloat = true;
      c = src[++p];
      if (!(c >= ZERO && c <= NINE)) this.fail(p >= this.end ? "EOF while parsing a value" : "invalid number", p);
      do {
        mant = mant * 10 + (c - ZERO);
        digits++;
        scale--;
        c = src[++p];
      } while (c >= ZERO && c <= NINE);
    }
    if (c === 0x65 || c === 0x45) {
      isFloat = true;
      c = src[++p];
      let eneg = false;
      if (c === 0x2b || c === MINUS) {
        eneg = c === MINUS;
        c = src[++p];
      }
      if (!(c >= ZERO && c <= NINE)) this.fail(p >= this.end ? "EOF while parsing a value" : "invalid number", p);
      let e = 0;
      do {
        if (e < 100000) e = e * 10 + (c - ZERO);
        c = src[++p];
      } while (c >= ZERO && c <= NINE);
      scale += eneg ? -e : e;
    }
    this.pos = p;
    if (!isFloat) {
      if (digits <= 15) {
        // serde_json reads "-0" as the float -0.0; every other integer that fits stays one.
        if (!neg && mant < 1024) {
          m._lua_pushinteger(L, SMALL[mant]);
        } else if (neg && mant === 0) {
          m._lua_pushnumber(L, -0);
        } else {
          // Lua reads the digits itself: no BigInt to allocate. At most 16 bytes here.
          const t = this.numText;
          let o = t;
          for (let k = start; k < p; k++) src[o++] = src[k];
          src[o] = 0;
          m._lua_stringtonumber(L, t);
        }
        return;
      }
      const text = utf8.decode(src.subarray(start, p));
      const big = BigInt(text);
      if (big >= I64_MIN && big <= I64_MAX) m._lua_pushinteger(L, big);
      else m._lua_pushnumber(L, Number(text));
      return;
    }
    let x: number;
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      // Both operands are exact doubles, so one rounding: the correctly rounded result.
      x = scale < 0 ? mant / POW10[-scale] : mant * POW10[scale];
      if (neg) x = -x;
    } else {
      x = Number(utf8.decode(src.subarray(start, p)));
    }
    if (!Number.isFinite(x)) this.fail("number out of range", start);
    m._lua_pushnumber(L, x);
  }
}

/** Appends the UTF-8 encoding of code point `cp` at `n`; returns the new length. */
function writeUtf8(buf: Uint8Array, n: number, cp: number): number {
  if (cp < 0x80) {
    buf[n++] = cp;
  } else if (cp < 0x800) {
    buf[n++] = 0xc0 | (cp >> 6);
    buf[n++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    buf[n++] = 0xe0 | (cp >> 12);
    buf[n++] = 0x80 | ((cp >> 6) & 0x3f);
    buf[n++] = 0x80 | (cp & 0x3f);
  } else {
    buf[n++] = 0xf0 | (cp >> 18);
    buf[n++] = 0x80 | ((cp >> 12) & 0x3f);
    buf[n++] = 0x80 | ((cp >> 6) & 0x3f);
    buf[n++] = 0x80 | (cp & 0x3f);
  }
  return n;
}
