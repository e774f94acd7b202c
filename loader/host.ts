/**
 * The one place that knows which runtime we are on. Source runs (Bun, Deno, Node) find
 * wasmoon's glue.wasm through package resolution; the compiled binary's entry point
 * (scripts/binary-entry.ts) embeds it as a file asset and registers its path here.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Builtins load their heavy packages with a literal `require("pkg")` on first use (lazy.ts):
// Bun has `require` in every module (and its bundler makes each call a lazy initialiser in the
// binary); Deno has none in ES modules, so it gets one that resolves from the project root.
const scope = globalThis as { require?: NodeJS.Require };
if (typeof scope.require !== "function") scope.require = createRequire(import.meta.url);

let wasmPath: string | undefined;
let nativePath: string | undefined;
let compiled: { path: string; module: Promise<WebAssembly.Module> } | undefined;

/**
 * Called by the compiled binary's entry with the embedded asset's path. Compiling the module
 * starts here, so that it overlaps with loading the rest of the program.
 */
export function setWasmLocation(path: string, native: string): void {
  wasmPath = path;
  nativePath = native;
  compiled = { path, module: WebAssembly.compile(readFileSync(path)) };
}

/** The module compiled from `path` early on, if any. */
export function precompiledWasm(path: string): Promise<WebAssembly.Module> | undefined {
  return compiled?.path === path ? compiled.module : undefined;
}

/** Path of wasmoon's glue.wasm. */
export function wasmLocation(): string {
  return wasmPath ??= createRequire(import.meta.url).resolve("wasmoon/dist/glue.wasm");
}

/** Path of the runtime's own native helpers (native/assay-native.wasm, see scripts/build-native.ts). */
export function nativeLocation(): string {
  return nativePath ??= fileURLToPath(new URL("../native/assay-native.wasm", import.meta.url));
}

/** Path of the running assay executable (the binary, or the runtime running main.ts). */
export function executablePath(): string {
  return process.execPath;
}
