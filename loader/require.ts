/** `require`, `package.path` and the assay searchers (module-loading.md, README item 15). */
import type { BuiltinContext } from "./plugin.ts";

export interface RequireOptions {
  scriptDir: string;
}

export function installRequire(_ctx: BuiltinContext, _options: RequireOptions): void {
}
