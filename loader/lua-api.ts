/**
 * The one bridge between Lua and TypeScript. Everything crosses through wasmoon's raw C API
 * exports: strings as bytes copied in and out of wasm memory, integers as BigInt, and JS
 * functions registered as real C functions, so that bytes, integer/float subtypes and full
 * int64 values survive every crossing. wasmoon's convenience layer is never used.
 */
import type { LuaModule } from "./wasm.ts";

export const LUA_REGISTRYINDEX = -1001000;
export const LUA_OK = 0, LUA_YIELD = 1, LUA_ERRRUN = 2, LUA_ERRSYNTAX = 3, LUA_ERRMEM = 4;
export const LUA_TNONE = -1, LUA_TNIL = 0, LUA_TBOOLEAN = 1, LUA_TLIGHTUSERDATA = 2,
  LUA_TNUMBER = 3, LUA_TSTRING = 4, LUA_TTABLE = 5, LUA_TFUNCTION = 6, LUA_TUSERDATA = 7,
  LUA_TTHREAD = 8;
export const LUA_RIDX_GLOBALS = 2n;

/** Pseudo-index of the i-th upvalue of the running C closure. */
export const upvalueIndex = (i: number) => LUA_REGISTRYINDEX - i;

/** A JS function Lua calls as a C function: reads its arguments from L, returns the result count. */
export type CFunction = (L: number) => number;

/**
 * An error a builtin raises into Lua. `level` works as in Lua's `error`: 1 prefixes the
 * position of the Lua code that called the builtin, 0 adds no position.
 */
export class LuaError extends Error {
  constructor(message: string, readonly level = 1) {
    super(message);
  }
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the text, not a byte order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes take the hand-copied ASCII paths of pushstring and totext. */
const SHORT = 64;
const SCRATCH = 1 << 16;

/** Typed access to the raw Lua C API of one wasm module. */
export class LuaApi {
  readonly m: LuaModule;
  private scratch: number;
  private lenPtr: number;
  private typeNames: string[] = [];

  constructor(module: LuaModule) {
    this.m = module;
    this.scratch = module._malloc(SCRATCH);
    this.lenPtr = module._malloc(8);
  }

  // ---- memory ---------------------------------------------------------------------------

  get heap(): Uint8Array {
    return this.m.HEAPU8;
  }

  /** Copies bytes into wasm memory: the scratch area when they fit, else a fresh block. */
  private stage(bytes: Uint8Array): number {
    const p = bytes.length <= SCRATCH ? this.scratch : this.m._malloc(bytes.length);
    if (!p) throw new LuaError("not enough memory", 0);
    this.m.HEAPU8.set(bytes, p);
    return p;
  }

  private unstage(p: number): void {
    if (p !== this.scratch) this.m._free(p);
  }

  /** A NUL-terminated UTF-8 copy of a JS string in the scratch area (for names and modes). */
  cstr(s: string, offset = 0): number {
    const at = this.scratch + offset;
    const { written } = encoder.encodeInto(s, this.m.HEAPU8.subarray(at, this.scratch + SCRATCH - 1));
    this.m.HEAPU8[at + written] = 0;
    return at;
  }

  // ---- stack ----------------------------------------------------------------------------

  gettop(L: number): number {
    return this.m._lua_gettop(L);
  }
  settop(L: number, idx: number): void {
    this.m._lua_settop(L, idx);
  }
  pop(L: number, n = 1): void {
    this.m._lua_settop(L, -n - 1);
  }
  absindex(L: number, idx: number): number {
    return this.m._lua_absindex(L, idx);
  }
  pushvalue(L: number, idx: number): void {
    this.m._lua_pushvalue(L, idx);
  }
  rotate(L: number, idx: number, n: number): void {
    this.m._lua_rotate(L, idx, n);
  }
  insert(L: number, idx: number): void {
    this.m._lua_rotate(L, idx, 1);
  }
  remove(L: number, idx: number): void {
    this.m._lua_rotate(L, idx, -1);
    this.pop(L);
  }
  checkstack(L: number, n: number): void {
    if (!this.m._lua_checkstack(L, n)) throw new LuaError("stack overflow", 0);
  }
  xmove(from: number, to: number, n: number): void {
    this.m._lua_xmove(from, to, n);
  }

  // ---- types ----------------------------------------------------------------------------

  type(L: number, idx: number): number {
    return this.m._lua_type(L, idx);
  }
  typename(L: number, idx: number): string {
    const t = this.type(L, idx);
    if (t === LUA_TNONE) return "no value";
    return (this.typeNames[t] ??= this.readCString(this.m._lua_typename(L, t)));
  }
  isinteger(L: number, idx: number): boolean {
    return this.m._lua_isinteger(L, idx) !== 0;
  }
  isnoneornil(L: number, idx: number): boolean {
    return this.type(L, idx) <= 0;
  }

  // ---- push -----------------------------------------------------------------------------

  pushnil(L: number): void {
    this.m._lua_pushnil(L);
  }
  pushboolean(L: number, b: boolean): void {
    this.m._lua_pushboolean(L, b ? 1 : 0);
  }
  /** Pushes a float, always: Lua sees `math.type(x) == "float"`. */
  pushnumber(L: number, n: number): void {
    this.m._lua_pushnumber(L, n);
  }
  /** Pushes an integer; a JS number must be a safe integer. */
  pushinteger(L: number, n: bigint | number): void {
    this.m._lua_pushinteger(L, typeof n === "bigint" ? n : BigInt(n));
  }
  pushbytes(L: number, bytes: Uint8Array): void {
    const p = this.stage(bytes);
    try {
      this.m._lua_pushlstring(L, p, bytes.length);
    } finally {
      // Also when Lua raises "not enough memory" (a longjmp through this frame).
      this.unstage(p);
    }
  }
  /** Pushes a JS string as its UTF-8 bytes. */
  pushstring(L: number, s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      // Short ASCII text (most keys and values of data) is copied by hand: cheaper than
      // encodeInto and the view it needs.
      const u8 = this.m.HEAPU8;
      const p = this.scratch;
      let i = 0;
      for (let c; i < n && (c = s.charCodeAt(i)) < 0x80; i++) u8[p + i] = c;
      if (i === n) {
        this.m._lua_pushlstring(L, p, n);
        return;
      }
    }
    if (n * 3 <= SCRATCH) {
      const { written } = encoder.encodeInto(s, this.m.HEAPU8.subarray(this.scratch, this.scratch + SCRATCH));
      this.m._lua_pushlstring(L, this.scratch, written);
    } else {
      this.pushbytes(L, encoder.encode(s));
    }
  }
  touserdata(L: number, idx: number): number {
    return this.m._lua_touserdata(L, idx);
  }
  pushlightuserdata(L: number, p: number): void {
    this.m._lua_pushlightuserdata(L, p);
  }
  pushcclosure(L: number, fn: number, nup = 0): void {
    this.m._lua_pushcclosure(L, fn, nup);
  }

  // ---- read -----------------------------------------------------------------------------

  toboolean(L: number, idx: number): boolean {
    return this.m._lua_toboolean(L, idx) !== 0;
  }
  tonumber(L: number, idx: number): number {
    return this.m._lua_tonumberx(L, idx, 0);
  }
  tointeger(L: number, idx: number): bigint {
    return this.m._lua_tointegerx(L, idx, 0);
  }
  /** The bytes of a string (or number, converted in place as lua_tolstring does), or null. */
  tobytes(L: number, idx: number): Uint8Array | null {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    if (!p) return null;
    const len = this.m.HEAPU32[this.lenPtr >> 2];
    return this.m.HEAPU8.slice(p, p + len);
  }
  /**
   * A string value as text when its bytes are valid UTF-8, else a copy of its bytes (never
   * re-decoded); null when it is neither a string nor a number. Short ASCII strings are read
   * without a copy or a decoder call.
   */
  totext(L: number, idx: number): string | Uint8Array | null {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    if (!p) return null;
    const len = this.m.HEAPU32[this.lenPtr >> 2];
    const u8 = this.m.HEAPU8;
    if (len <= SHORT) {
      let s = "";
      let i = p;
      for (let c; i < p + len && (c = u8[i]) < 0x80; i++) s += String.fromCharCode(c);
      if (i === p + len) return s;
    }
    const bytes = u8.subarray(p, p + len);
    try {
      return strictDecoder.decode(bytes);
    } catch {
      return bytes.slice();
    }
  }
  /** A string value decoded as UTF-8 (invalid bytes become U+FFFD), or null. */
  tostring(L: number, idx: number): string | null {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    if (!p) return null;
    const len = this.m.HEAPU32[this.lenPtr >> 2];
    return decoder.decode(this.m.HEAPU8.subarray(p, p + len));
  }
  /** `tostring(v)` as Lua's own tostring would print it (uses __tostring/__name). */
  tolstring(L: number, idx: number): string {
    const p = this.m._luaL_tolstring(L, idx, this.lenPtr);
    const len = this.m.HEAPU32[this.lenPtr >> 2];
    const s = decoder.decode(this.m.HEAPU8.subarray(p, p + len));
    this.pop(L);
    return s;
  }
  topointer(L: number, idx: number): number {
    return this.m._lua_topointer(L, idx);
  }
  tothread(L: number, idx: number): number {
    return this.m._lua_tothread(L, idx);
  }
  readCString(p: number): string {
    const u8 = this.m.HEAPU8 as Uint8Array;
    let end = p;
    while (u8[end] !== 0) end++;
    return decoder.decode(u8.subarray(p, end));
  }

  // ---- tables ---------------------------------------------------------------------------

  newtable(L: number, narr = 0, nrec = 0): void {
    this.m._lua_createtable(L, narr, nrec);
  }
  /** t[k] = v where v is on top of the stack (pops it). */
  setfield(L: number, idx: number, k: string): void {
    this.m._lua_setfield(L, idx, this.cstr(k));
  }
  getfield(L: number, idx: number, k: string): number {
    return this.m._lua_getfield(L, idx, this.cstr(k));
  }
  rawgeti(L: number, idx: number, n: number | bigint): number {
    return this.m._lua_rawgeti(L, idx, BigInt(n));
  }
  rawseti(L: number, idx: number, n: number | bigint): void {
    this.m._lua_rawseti(L, idx, BigInt(n));
  }
  rawget(L: number, idx: number): number {
    return this.m._lua_rawget(L, idx);
  }
  rawset(L: number, idx: number): void {
    this.m._lua_rawset(L, idx);
  }
  rawlen(L: number, idx: number): number {
    // lua_Unsigned arrives as a BigInt.
    return Number(this.m._lua_rawlen(L, idx));
  }
  next(L: number, idx: number): boolean {
    return this.m._lua_next(L, idx) !== 0;
  }
  getglobal(L: number, name: string): number {
    return this.m._lua_getglobal(L, this.cstr(name));
  }
  setglobal(L: number, name: string): void {
    this.m._lua_setglobal(L, this.cstr(name));
  }
  setmetatable(L: number, idx: number): void {
    this.m._lua_setmetatable(L, idx);
  }
  getmetatable(L: number, idx: number): boolean {
    return this.m._lua_getmetatable(L, idx) !== 0;
  }

  // ---- references -----------------------------------------------------------------------

  /** Pops the top value and keeps it alive in the registry; returns its reference. */
  ref(L: number): number {
    return this.m._luaL_ref(L, LUA_REGISTRYINDEX);
  }
  unref(L: number, ref: number): void {
    this.m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
  }
  pushref(L: number, ref: number): void {
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
  }

  // ---- functions and errors -------------------------------------------------------------

  /**
   * Registers a JS function as a C function and returns its pointer. JS exceptions become Lua
   * errors; a longjmp (emscripten throws a number) passes through untouched.
   */
  cfunction(fn: CFunction): number {
    return this.m.addFunction((L: number) => {
      try {
        return fn(L);
      } catch (e) {
        if (typeof e === "number") throw e;
        return this.raise(L, e);
      }
    }, "ii");
  }

  /**
   * Pushes a JS function as a C function without registering a new one: every function
   * pushed this way shares one registered dispatcher and is told apart by a light-userdata
   * upvalue, because each registration compiles a small wasm stub (~0.1 ms, paid on every
   * start for every builtin function). For functions made once, at install time: the table
   * of them only grows. Functions that need upvalues of their own use `cfunction`.
   */
  pushfunction(L: number, fn: CFunction): void {
    if (!this.dispatcher) {
      const fns = this.dispatched;
      this.dispatcher = this.cfunction((L) => fns[this.m._lua_touserdata(L, upvalueIndex(1)) - 1](L));
    }
    this.dispatched.push(fn);
    this.m._lua_pushlightuserdata(L, this.dispatched.length);
    this.m._lua_pushcclosure(L, this.dispatcher, 1);
  }
  private dispatcher = 0;
  private dispatched: CFunction[] = [];

  /**
   * Runs `body` inside `lua_pcall` on `L` with the top `nargs` values as its arguments (at
   * 1..nargs of its own frame), so that an allocation failure or an error in a metamethod
   * becomes a returned message instead of a Lua panic, which would abort the process. Use it
   * for work done outside any Lua call (VM set-up, reports, timer callbacks). Returns null on
   * success, else the error's text.
   */
  protect(L: number, nargs: number, body: (L: number) => void): string | null {
    if (!this.protector) {
      this.protector = this.cfunction((L) => {
        const run = this.protected.pop();
        // Reachable from Lua through debug.getinfo in full: called that way it has nothing to do.
        if (!run) throw new LuaError("not a function to call from Lua");
        run(L);
        return 0;
      });
    }
    this.protected.push(body);
    this.m._lua_pushcclosure(L, this.protector, 0); // a light C function: no allocation
    this.rotate(L, -nargs - 1, 1);
    if (this.pcall(L, nargs, 0) === LUA_OK) return null;
    if (this.protected[this.protected.length - 1] === body) this.protected.pop();
    const message = this.type(L, -1) === LUA_TSTRING ? this.tostring(L, -1) ?? "" : `(error object is a ${this.typename(L, -1)} value)`;
    this.pop(L);
    return message;
  }
  private protector = 0;
  private protected: ((L: number) => void)[] = [];

  /** Registers a continuation (`lua_KFunction`), with the same error handling. */
  kfunction(fn: (L: number, status: number, ctx: number) => number): number {
    return this.m.addFunction((L: number, status: number, ctx: number) => {
      try {
        return fn(L, status, ctx);
      } catch (e) {
        if (typeof e === "number") throw e;
        return this.raise(L, e);
      }
    }, "iiii");
  }

  /** Raises a JS error in Lua; never returns. */
  raise(L: number, e: unknown): never {
    const level = e instanceof LuaError ? e.level : 1;
    const message = e instanceof Error ? e.message : String(e);
    this.settop(L, 0);
    if (level > 0) this.m._luaL_where(L, level);
    else this.pushstring(L, "");
    this.pushstring(L, message);
    this.m._lua_concat(L, 2);
    this.m._lua_error(L);
    throw new Error("unreachable: lua_error returned");
  }

  /** Sets fields of the table at idx to new C functions. */
  setfuncs(L: number, idx: number, fns: Record<string, CFunction>): void {
    const t = this.absindex(L, idx);
    for (const [name, fn] of Object.entries(fns)) {
      this.pushfunction(L, fn);
      this.setfield(L, t, name);
    }
  }

  /** Loads a chunk from bytes (`luaL_loadbufferx`), leaving the function or the error message. */
  load(L: number, source: Uint8Array, chunkname: string, mode = "bt"): number {
    const p = source.length + 64 <= SCRATCH ? this.scratch + 64 : this.m._malloc(source.length + 1);
    this.m.HEAPU8.set(source, p);
    const name = this.m.stringToNewUTF8(chunkname);
    const modePtr = this.cstr(mode);
    const status = this.m._luaL_loadbufferx(L, p, source.length, name, modePtr);
    this.m._free(name);
    if (p !== this.scratch + 64) this.m._free(p);
    return status;
  }

  /** `lua_pcall` with a traceback-free error. */
  pcall(L: number, nargs: number, nresults: number, msgh = 0): number {
    return this.m._lua_pcallk(L, nargs, nresults, msgh, 0, 0);
  }
  call(L: number, nargs: number, nresults: number): void {
    this.m._lua_callk(L, nargs, nresults, 0, 0);
  }

  /** Pushes `luaL_traceback` of thread L1 onto L. */
  traceback(L: number, L1: number, msg: string | null, level: number): void {
    const p = msg === null ? 0 : this.m.stringToNewUTF8(msg);
    this.m._luaL_traceback(L, L1, p, level);
    if (p) this.m._free(p);
  }

  // ---- argument checks (raise Lua's own "bad argument" errors) --------------------------

  checkbytes(L: number, arg: number): Uint8Array {
    const p = this.m._luaL_checklstring(L, arg, this.lenPtr);
    const len = this.m.HEAPU32[this.lenPtr >> 2];
    return this.m.HEAPU8.slice(p, p + len);
  }
  checkstring(L: number, arg: number): string {
    return decoder.decode(this.checkbytes(L, arg));
  }
  optstring(L: number, arg: number, def: string): string;
  optstring(L: number, arg: number, def: null): string | null;
  optstring(L: number, arg: number, def: string | null): string | null {
    return this.isnoneornil(L, arg) ? def : this.checkstring(L, arg);
  }
  checknumber(L: number, arg: number): number {
    return this.m._luaL_checknumber(L, arg);
  }
  checkinteger(L: number, arg: number): bigint {
    return this.m._luaL_checkinteger(L, arg);
  }
  checktype(L: number, arg: number, t: number): void {
    this.m._luaL_checktype(L, arg, t);
  }
  checkany(L: number, arg: number): void {
    this.m._luaL_checkany(L, arg);
  }
  argerror(L: number, arg: number, msg: string): never {
    const p = this.cstr(msg);
    this.m._luaL_argerror(L, arg, p);
    throw new Error("unreachable");
  }
  typeerror(L: number, arg: number, tname: string): never {
    this.m._luaL_typeerror(L, arg, this.cstr(tname));
    throw new Error("unreachable");
  }

  // ---- threads --------------------------------------------------------------------------

  newthread(L: number): number {
    return this.m._lua_newthread(L);
  }
  /** Resumes co; returns [status, number of results on co's stack]. */
  resume(co: number, from: number, nargs: number): [number, number] {
    const status = this.m._lua_resume(co, from, nargs, this.lenPtr);
    return [status, this.m.HEAP32[this.lenPtr >> 2]];
  }
  isyieldable(L: number): boolean {
    return this.m._lua_isyieldable(L) !== 0;
  }
  yieldk(L: number, nresults: number, ctx: number, k: number): number {
    return this.m._lua_yieldk(L, nresults, ctx, k);
  }
}
