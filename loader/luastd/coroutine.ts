/**
 * `coroutine.resume`, `wrap`, `yield`, `running` and `isyieldable` as C functions that do
 * what Lua's own lcorolib.c does, plus the two things the scheduler needs (see
 * scheduler.ts): a scheduler yield (the sentinel pair) that reaches a user's resume is
 * passed outwards and the inner coroutine is resumed when the task is, and task roots look
 * like the main thread. Being C functions, like the originals, they leave no Lua frames
 * behind, so hooks, tracebacks and `debug.getinfo` levels are those of `lua5.4` (the Lua
 * prelude these replaced showed up in all three).
 */
import { LUA_OK, LUA_TFUNCTION, LUA_TNONE, LUA_TLIGHTUSERDATA, LUA_TSTRING, LUA_YIELD, LuaError, upvalueIndex } from "../lua-api.ts";
import type { BuiltinContext } from "../plugin.ts";
import { callOriginal, keepOriginal } from "./cfn.ts";

const LUA_ERRMEM = 4;
const TASK_THREAD = "cannot resume or close a task's coroutine (the scheduler runs it)";

export function installCoroutine(ctx: BuiltinContext): void {
  const { api, L, scheduler } = ctx;
  const m = api.m;

  /**
   * Whether the thread at the top of L's stack is a task root (popped). Only for the
   * functions that have the scheduler's task set as their first upvalue.
   */
  const popIsTask = (L: number): boolean => {
    m._lua_rawget(L, upvalueIndex(1));
    const isTask = api.toboolean(L, -1);
    api.pop(L);
    return isTask;
  };
  const isTask = (L: number, thread: number): boolean => {
    if (thread === L) m._lua_pushthread(L);
    // Only reached for a thread value already on the stack at index 1.
    else api.pushvalue(L, 1);
    return popIsTask(L);
  };
  // These functions raise Lua errors only through the C API (which longjmps), never by a JS
  // throw, so they skip the bridge's try/catch: a yield then unwinds through one JS frame
  // less, which is most of the cost of a resume/yield round trip.
  const raw = (fn: (L: number) => number): number => m.addFunction(fn, "ii");
  const getco = (L: number, idx: number): number => {
    const co = api.tothread(L, idx);
    if (!co) api.typeerror(L, idx, "thread");
    return co;
  };

  /** lcorolib's auxresume: moves args, resumes, moves results; -1 with the error on top. */
  const auxresume = (L: number, co: number, narg: number): number => {
    // A coroutine made before the instruction hook was armed gets it now, so a stop reaches it
    // (one with a hook of the script's own keeps that).
    const hook = scheduler.hook;
    if (hook && m._lua_gethook(co) === 0) m._lua_sethook(co, hook.fn, hook.mask, hook.count);
    if (!m._lua_checkstack(co, narg)) {
      api.pushstring(L, "too many arguments to resume");
      return -1;
    }
    api.xmove(L, co, narg);
    const [status, nres] = api.resume(co, L, narg);
    if (status === LUA_OK || status === LUA_YIELD) {
      if (!m._lua_checkstack(L, nres + 1)) {
        api.pop(co, nres);
        api.pushstring(L, "too many results to resume");
        return -1;
      }
      api.xmove(co, L, nres);
      return nres;
    }
    api.xmove(co, L, 1);
    return -1;
  };

  /** Whether the r values on top of L are a scheduler yield from a suspended coroutine. */
  const isSchedulerYield = (L: number, co: number, r: number): boolean =>
    r === 2 && m._lua_status(co) === LUA_YIELD && api.type(L, -2) === LUA_TLIGHTUSERDATA &&
    api.topointer(L, -2) === scheduler.sentinel;

  /**
   * Where the scheduler yield cannot be passed on (the resume runs inside a sort comparator,
   * a metamethod...), the operation it carries would never be delivered: drop it, and raise
   * what the yield would have raised.
   */
  const cannotForward = (L: number): void => {
    if (api.isyieldable(L)) return;
    scheduler.abandon(Number(api.tointeger(L, -1)));
    api.raise(L, new LuaError("attempt to yield across a C-call boundary", 0));
  };

  // resume(co, ...): stack [co, args...]. To pass a scheduler yield outwards the coroutine
  // leaves the stack for a registry reference (the scheduler may clear the stack of a
  // suspended task), and the continuation resumes it with whatever the task was resumed with.
  const resumeK = api.kfunction((L, _status, ref) => {
    api.pushref(L, ref);
    api.unref(L, ref);
    const co = api.tothread(L, -1);
    api.insert(L, 1);
    return finishResume(L, auxresume(L, co, api.gettop(L) - 1));
  });
  const finishResume = (L: number, r: number): number => {
    if (r < 0) {
      api.pushboolean(L, false);
      api.insert(L, -2);
      return 2;
    }
    if (isSchedulerYield(L, api.tothread(L, 1), r)) {
      cannotForward(L);
      api.pushvalue(L, 1);
      const ref = api.ref(L);
      api.remove(L, 1);
      return api.yieldk(L, 2, ref, resumeK);
    }
    api.pushboolean(L, true);
    api.insert(L, -(r + 1));
    return r + 1;
  };
  // status and close: a task root that has returned is "dead" (Lua would say "suspended": its
  // results wait on its stack for whoever awaits it); closing one is refused like resuming.
  const statusRef = keepOriginal(api, L, "coroutine", "status");
  const closeRef = keepOriginal(api, L, "coroutine", "close");
  const frame = m._malloc(256); // a lua_Debug, only to ask whether a level exists
  const taskStatus = (co: number): string => {
    const status = m._lua_status(co);
    if (status === LUA_YIELD) return "suspended";
    return status === LUA_OK && m._lua_getstack(co, 0, frame) ? "normal" : "dead";
  };
  const resume = (L: number): number => {
    const co = getco(L, 1);
    // A task root belongs to the scheduler, as the main thread belongs to lua.c. One that is
    // resuming the caller ("normal") gets Lua's own answer.
    if (co !== L && isTask(L, co) && taskStatus(co) !== "normal") {
      api.pushboolean(L, false);
      api.pushstring(L, TASK_THREAD);
      return 2;
    }
    return finishResume(L, auxresume(L, co, api.gettop(L) - 1));
  };

  const status = (L: number): number => {
    const co = getco(L, 1);
    if (co !== L && isTask(L, co)) {
      api.pushstring(L, taskStatus(co));
      return 1;
    }
    return callOriginal(api, L, statusRef, api.gettop(L));
  };
  const close = (L: number): number => {
    const co = getco(L, 1);
    if (co !== L && isTask(L, co) && taskStatus(co) !== "normal") return api.raise(L, new LuaError(TASK_THREAD));
    return callOriginal(api, L, closeRef, api.gettop(L));
  };

  // The function coroutine.wrap returns: the coroutine is its upvalue.
  const wrapK = api.kfunction((L) => finishWrap(L, auxresume(L, api.tothread(L, upvalueIndex(1)), api.gettop(L))));
  const finishWrap = (L: number, r: number): number => {
    const co = api.tothread(L, upvalueIndex(1));
    if (r < 0) {
      let status = m._lua_status(co);
      if (status !== LUA_OK && status !== LUA_YIELD) {
        // An error inside the coroutine: close its pending to-be-closed variables.
        status = m._lua_resetthread(co, L);
        api.xmove(co, L, 1);
      }
      if (status !== LUA_ERRMEM && api.type(L, -1) === LUA_TSTRING) {
        m._luaL_where(L, 1);
        api.insert(L, -2);
        m._lua_concat(L, 2);
      }
      return m._lua_error(L);
    }
    if (isSchedulerYield(L, co, r)) {
      cannotForward(L);
      return api.yieldk(L, 2, 0, wrapK);
    }
    return r;
  };
  const auxwrap = raw((L) => finishWrap(L, auxresume(L, api.tothread(L, upvalueIndex(1)), api.gettop(L))));
  const wrap = (L: number): number => {
    api.checktype(L, 1, LUA_TFUNCTION);
    const co = api.newthread(L);
    api.pushvalue(L, 1);
    api.xmove(L, co, 1);
    api.pushcclosure(L, auxwrap, 1);
    return 1;
  };

  const yieldFn = (L: number): number => {
    if (isTask(L, L)) return api.raise(L, new LuaError("attempt to yield from outside a coroutine", 0));
    return api.yieldk(L, api.gettop(L), 0, 0);
  };

  const running = (L: number): number => {
    const isMain = m._lua_pushthread(L) === 1;
    api.pushboolean(L, isMain || isTask(L, L));
    return 2;
  };

  const isyieldable = (L: number): number => {
    const co = api.type(L, 1) === LUA_TNONE ? L : getco(L, 1);
    api.pushboolean(L, !isTask(L, co) && api.isyieldable(co));
    return 1;
  };

  api.getglobal(L, "coroutine");
  for (const [name, fn] of Object.entries({ resume, wrap, yield: yieldFn, running, isyieldable, status, close })) {
    scheduler.pushTaskSet(L);
    api.pushcclosure(L, raw(fn), 1);
    api.setfield(L, -2, name);
  }
  api.pop(L);
}
