/**
 * Compiles native/*.c into native/assay-native.wasm with clang and wasm-ld (Debian packages
 * `clang` and `lld`). The module imports the Lua module's memory, allocator and C API, so it
 * must define no data segment (it would overwrite the Lua module's memory at link-time
 * addresses); the build checks that. Its stack pointer is exported and placed by the loader.
 * `-mbulk-memory` lets `__builtin_memcpy`/`__builtin_memset` compile to wasm's memory.copy and
 * memory.fill instead of calls to a libc the module does not have. See docs/native.md.
 * Skips the work when the output is newer than every source.
 *
 * Run: `bun scripts/build-native.ts` (also run by scripts/build.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const dir = join(root, "native");
const output = join(dir, "assay-native.wasm");
const sources = readdirSync(dir).filter((f) => f.endsWith(".c")).sort().map((f) => join(dir, f));
const inputs = [...sources, ...readdirSync(dir).filter((f) => f.endsWith(".h")).map((f) => join(dir, f)), import.meta.filename ?? ""];

const upToDate = existsSync(output) &&
  inputs.every((f) => !f || !existsSync(f) || statSync(f).mtimeMs <= statSync(output).mtimeMs);

/** The ids of the sections of a wasm binary. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    ids.push(bytes[i]);
    let size = 0, shift = 0, j = i + 1;
    for (;;) {
      const b = bytes[j++];
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    i = j + size;
  }
  return ids;
}

if (!upToDate) {
  const clang = process.env.CLANG ?? "clang";
  const args = [
    "--target=wasm32", "-O2", "-mmutable-globals", "-mbulk-memory", "-nostdlib", "-fno-builtin", "-Wall", "-Werror",
    "-Wl,--no-entry", "-Wl,--import-memory", "-Wl,--allow-undefined", "-Wl,--export=__stack_pointer",
    "-o", output, ...sources,
  ];
  const r = spawnSync(clang, args, { stdio: "inherit" });
  if (r.error || r.status !== 0) {
    const why = r.error ? `${r.error.message} (install Debian's clang and lld)` : `exit ${r.status}`;
    console.error(`assay build: compiling native/*.c failed: ${why}`);
    process.exit(1);
  }
  const DATA = 11;
  if (sectionIds(readFileSync(output)).includes(DATA)) {
    console.error("assay build: native module has a data segment; build tables at run time instead");
    process.exit(1);
  }
}
