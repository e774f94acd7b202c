/** The HTTP client half of `http` (to be built: issue 7). */
import type { BuiltinContext, FunctionDecl, Impl } from "../../loader/plugin.ts";

export const clientFunctions: Record<string, FunctionDecl> = {};

export function installClient(_ctx: BuiltinContext): Record<string, Impl> {
  return {};
}
