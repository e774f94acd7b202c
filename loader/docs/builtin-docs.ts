/**
 * The native builtins as modules for `assay modules` and `assay context`, and the cheat-sheet
 * of their signatures that ends every context document: all read from the declarations
 * (plugin.ts), never written out by hand.
 *
 * @example
 * ```ts
 * builtinModules(builtins()).find((m) => m.name === "shell")!.quickref[0];
 * // { signature: "shell.exec(cmd, opts?)", returns: "{status, stdout, stderr, timed_out}", description: "Run a command line..." }
 * cheatSheet(builtins())[0]; // "time() -> number"
 * ```
 */
import { type Builtin, type CallDoc, qualifiedName } from "../plugin.ts";
import type { Quickref } from "./ldoc.ts";
import type { ModuleDoc } from "./module-doc.ts";

/** A declaration's signature as a quickref: split at its ` -> `. */
export function quickrefOf(doc: CallDoc): Quickref {
  const arrow = doc.signature.indexOf(" -> ");
  if (arrow < 0) return { signature: doc.signature, returns: "", description: doc.description };
  return { signature: doc.signature.slice(0, arrow), returns: doc.signature.slice(arrow + 4), description: doc.description };
}

/** Each builtin as a module: its global's name, description, keywords and functions. */
export function builtinModules(list: Builtin[]): ModuleDoc[] {
  return list.map((b) => {
    const quickref: Quickref[] = [];
    if (b.call) quickref.push(quickrefOf(b.call));
    for (const decl of Object.values(b.functions)) quickref.push(quickrefOf(decl));
    for (const [name, value] of Object.entries(b.values ?? {})) {
      quickref.push({ signature: `${b.name}.${name}`, returns: "", description: value.description });
    }
    return {
      name: b.name,
      source: "builtin" as const,
      description: b.description,
      keywords: b.keywords ?? [],
      env: [],
      quickref,
      functions: Object.keys(b.functions).map((fn) => qualifiedName(b, fn)),
      example: b.example,
    };
  });
}

/** One line per builtin function and value, in registration order: `http.get(url, opts?) -> resp`. */
export function cheatSheet(list: Builtin[]): string[] {
  const lines: string[] = [];
  for (const b of list) {
    if (b.call) lines.push(b.call.signature);
    for (const decl of Object.values(b.functions)) lines.push(decl.signature);
    for (const name of Object.keys(b.values ?? {})) lines.push(`${b.name}.${name}`);
  }
  return lines;
}
