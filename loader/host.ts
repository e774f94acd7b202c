/**
 * The one place that knows which runtime we are on. Source runs (Bun, Deno, Node) find
 * wasmoon's glue.wasm through package resolution; the compiled binary's entry point
 * (scripts/binary-entry.ts) embeds it as a file asset and registers its path here.
 */
import { createRequire } from "node:module";

let wasmPath: string | undefined;

/** Called by the compiled binary's entry with the embedded asset's path. */
export function setWasmLocation(path: string): void {
  wasmPath = path;
}

/** Path of wasmoon's glue.wasm. */
export function wasmLocation(): string {
  return wasmPath ??= createRequire(import.meta.url).resolve("wasmoon/dist/glue.wasm");
}

/** Path of the running assay executable (the binary, or the runtime running main.ts). */
export function executablePath(): string {
  return process.execPath;
}
