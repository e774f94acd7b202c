/**
 * What `assay modules` and `assay context` know of one module, whatever it comes from: a Lua
 * file's LDoc header (ldoc.ts) or a native builtin's declaration (builtin-docs.ts).
 *
 * @example
 * ```ts
 * const doc: ModuleDoc = { name: "assay.widgets", source: "project", path: "./modules/widgets.lua",
 *   description: "Widgets", keywords: [], env: [], quickref: [], functions: ["list"] };
 * ```
 */
import type { Quickref } from "./ldoc.ts";

/** Where a module was found (cli.md §5, with `lib` for ASSAY_LIB_PATH directories). */
export type ModuleSource = "project" | "lib" | "global" | "builtin";

export interface ModuleDoc {
  /** `assay.<stem>` for Lua modules, the global's name for native builtins. */
  name: string;
  source: ModuleSource;
  description: string;
  keywords: string[];
  env: string[];
  quickref: Quickref[];
  /** Function names, for the search index. */
  functions: string[];
  /** The file, for modules found on disk. */
  path?: string;
  /** A line of Lua showing it in use (native builtins). */
  example?: string;
}
