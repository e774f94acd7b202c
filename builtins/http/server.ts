/** The HTTP server half (`http.serve`) of `http` (to be built: issue 7). */
import type { BuiltinContext, FunctionDecl, Impl } from "../../loader/plugin.ts";

export const serverFunctions: Record<string, FunctionDecl> = {};

export function installServer(_ctx: BuiltinContext): Record<string, Impl> {
  return {};
}
