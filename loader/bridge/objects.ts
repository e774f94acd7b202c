/**
 * JS things that Lua holds: closures made per call (a request handler, an SSE `send`) and
 * handles (an HTTP client, a DB pool, a server, a socket). Each is a full userdata carrying
 * an id into a per-VM table; its `__gc` (and, for handles, `__close` and an explicit
 * `close`) drops the JS side, so nothing stays alive after Lua lets go of it. Closing the VM
 * collects them all. Only two C functions are registered for all closures (one dispatcher,
 * one finalizer), since each registration instantiates a wasm stub.
 *
 * @example
 * ```ts
 * objects.pushClosure(L, (L) => { api.pushinteger(L, 42); return 1; });
 * const Client = objects.handleType<HttpClient>("http.client", { close: (c) => c.close(), methods: {...} });
 * Client.push(L, client);
 * ```
 */
import { type CFunction, LUA_TNIL, type LuaApi, LuaError, upvalueIndex } from "../lua-api.ts";

interface HandleEntry {
  kind: HandleType<unknown>;
  value: unknown;
  closed: boolean;
}

/** A handle's methods: C functions given the handle's JS value (checked open) and L. */
export type Method<T> = (self: T, L: number) => number;

export interface HandleTypeOptions<T> {
  /** Methods callable with a colon (`h:get(url)`); arguments start at index 2. */
  methods: Record<string, Method<T>>;
  /** Releases the JS resource; runs once, at `close`, `__close`, `__gc` or VM close. */
  close?: (value: T) => void;
  /** Whether scripts get a `close` method (default true when there is a `close`). */
  closeMethod?: boolean;
}

/** A kind of handle within one VM. */
export class HandleType<T> {
  constructor(
    readonly name: string,
    private objects: Objects,
    private metatableRef: number,
    readonly options: HandleTypeOptions<T>,
  ) {}

  /** Pushes a new handle owning `value`. */
  push(L: number, value: T): void {
    this.objects.pushUserdata(L, this.metatableRef, { kind: this as HandleType<unknown>, value, closed: false });
  }

  /** The value of the handle at `idx`, or the error `<fn>: <arg> must be a <name>` / `... is closed`. */
  check(L: number, idx: number, fn: string, what = "first argument"): T {
    const entry = this.objects.entryAt(L, idx);
    if (!entry || entry.kind !== (this as HandleType<unknown>)) throw new LuaError(`${fn}: ${what} must be a ${this.name}`);
    if (entry.closed) throw new LuaError(`${fn}: the ${this.name} is closed`);
    return entry.value as T;
  }

  /** Whether the value at `idx` is a handle of this type (open or closed). */
  is(L: number, idx: number): boolean {
    return this.objects.entryAt(L, idx)?.kind === (this as HandleType<unknown>);
  }
}

/** The per-VM table of closures and handles. */
export class Objects {
  private entries = new Map<number, CFunction | HandleEntry>();
  private nextId = 1;
  private dispatcher = 0;
  private finalizer = 0;
  private closureMeta = 0;

  constructor(private api: LuaApi, private L: number) {}

  /** Live closures and handles (for tests: the table must not grow with work done). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Pushes a JS C function that is released when Lua collects it. `anchor`, a stack index,
   * is a value the function keeps alive (say, the handle table it belongs to).
   */
  pushClosure(L: number, fn: CFunction, anchor?: number): void {
    if (!this.dispatcher) this.setupClosures();
    const at = anchor === undefined ? 0 : this.api.absindex(L, anchor);
    this.pushUserdata(L, this.closureMeta, fn, at ? 1 : 0);
    if (at) {
      this.api.pushvalue(L, at);
      this.api.m._lua_setiuservalue(L, -2, 1);
    }
    this.api.pushcclosure(L, this.dispatcher, 1);
  }

  /** Defines a handle type in this VM (its metatable is made once). */
  handleType<T>(name: string, options: HandleTypeOptions<T>): HandleType<T> {
    const api = this.api, L = this.L;
    if (!this.finalizer) this.setupFinalizer();
    const ref = this.newMetatable(name);
    const type = new HandleType<T>(name, this, ref, options);
    api.pushref(L, ref);
    api.newtable(L);
    for (const [method, fn] of Object.entries(options.methods)) {
      api.pushfunction(L, (L) => fn(type.check(L, 1, `${name}:${method}`, "self"), L));
      api.setfield(L, -2, method);
    }
    if (options.close && options.closeMethod !== false && !options.methods.close) {
      api.pushfunction(L, (L) => {
        const entry = this.entryAt(L, 1);
        if (!entry || entry.kind !== (type as HandleType<unknown>)) throw new LuaError(`${name}:close: self must be a ${name}`);
        this.closeEntry(entry);
        return 0;
      });
      api.setfield(L, -2, "close");
    }
    api.setfield(L, -2, "__index");
    api.pop(L);
    return type;
  }

  /** The handle entry of the userdata at `idx`, if it is one of ours. */
  entryAt(L: number, idx: number): HandleEntry | undefined {
    const m = this.api.m;
    const p = m._lua_touserdata(L, idx);
    if (!p || !m._lua_getmetatable(L, idx)) return undefined;
    m._lua_getfield(L, -1, this.api.cstr("__assay_handle"));
    const ours = this.api.type(L, -1) !== LUA_TNIL;
    this.api.pop(L, 2);
    if (!ours) return undefined;
    const entry = this.entries.get(m.HEAPU32[p >> 2]);
    return typeof entry === "object" ? entry : undefined;
  }

  /**
   * Closes every open handle (the VM is closing; lua_close would do it too, later). A close
   * that fails is reported to `onError` and the others still close.
   */
  closeAll(onError: (e: unknown) => void): void {
    for (const entry of this.entries.values()) {
      if (typeof entry !== "object") continue;
      try {
        this.closeEntry(entry);
      } catch (e) {
        onError(e);
      }
    }
  }

  pushUserdata(L: number, metatableRef: number, entry: CFunction | HandleEntry, userValues = 0): void {
    const m = this.api.m;
    const id = this.nextId++;
    const p = m._lua_newuserdatauv(L, 4, userValues);
    m.HEAPU32[p >> 2] = id;
    this.entries.set(id, entry);
    this.api.pushref(L, metatableRef);
    this.api.setmetatable(L, -2);
  }

  private closeEntry(entry: HandleEntry): void {
    if (entry.closed) return;
    entry.closed = true;
    entry.kind.options.close?.(entry.value);
  }

  private newMetatable(name: string): number {
    const api = this.api, L = this.L;
    api.newtable(L);
    api.pushstring(L, name);
    api.setfield(L, -2, "__name");
    api.pushboolean(L, true);
    api.setfield(L, -2, "__assay_handle");
    api.pushcclosure(L, this.finalizer, 0);
    api.setfield(L, -2, "__gc");
    api.pushcclosure(L, this.finalizer, 0);
    api.setfield(L, -2, "__close");
    api.pushstring(L, "the metatable is locked");
    api.setfield(L, -2, "__metatable");
    return api.ref(L);
  }

  private setupClosures(): void {
    const api = this.api, m = api.m;
    this.dispatcher = api.cfunction((L) => {
      const id = m.HEAPU32[m._lua_touserdata(L, upvalueIndex(1)) >> 2];
      return (this.entries.get(id) as CFunction)(L);
    });
    if (!this.finalizer) this.setupFinalizer();
    this.api.newtable(this.L);
    this.api.pushcclosure(this.L, this.finalizer, 0);
    this.api.setfield(this.L, -2, "__gc");
    this.api.pushstring(this.L, "the metatable is locked");
    this.api.setfield(this.L, -2, "__metatable");
    this.closureMeta = this.api.ref(this.L);
  }

  private setupFinalizer(): void {
    const m = this.api.m;
    // __gc and __close (whose extra argument is ignored): drop the entry, close a handle.
    this.finalizer = this.api.cfunction((L) => {
      const p = m._lua_touserdata(L, 1);
      if (!p || !this.isOurs(L)) return 0;
      const id = m.HEAPU32[p >> 2];
      const entry = this.entries.get(id);
      if (entry === undefined) return 0;
      if (typeof entry === "object") {
        this.closeEntry(entry);
        // __close keeps the (closed) handle valid; only collection forgets it.
        if (m._lua_gettop(L) >= 2) return 0;
      }
      this.entries.delete(id);
      return 0;
    });
  }

  /**
   * Whether the userdata at index 1 carries one of our metatables: the finalizer can be
   * reached through `debug.getmetatable` and called on any userdata (an `io` file, say), whose
   * first bytes are not an id of ours.
   */
  private isOurs(L: number): boolean {
    const api = this.api;
    if (!api.getmetatable(L, 1)) return false;
    api.pushref(L, this.closureMeta);
    const closure = this.closureMeta !== 0 && api.m._lua_rawequal(L, -1, -2) !== 0;
    api.pop(L);
    const handle = !closure && api.getfield(L, -1, "__assay_handle") !== LUA_TNIL;
    api.pop(L, closure ? 1 : 2);
    return closure || handle;
  }
}
