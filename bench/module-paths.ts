/**
 * Where the wasm modules are for the benchmark helpers, which may run compiled (so that a
 * Worker loads bytecode, as in the real binary) from the repository's root: `ASSAY_ROOT` or
 * the working directory.
 */
import { join } from "node:path";

export function modulePaths(): { wasmPath: string; nativePath: string } {
  const root = process.env.ASSAY_ROOT ?? process.cwd();
  return {
    wasmPath: join(root, "node_modules", "wasmoon", "dist", "glue.wasm"),
    nativePath: join(root, "native", "assay-native.wasm"),
  };
}
