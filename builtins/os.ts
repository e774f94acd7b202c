/**
 * The reference's `os.hostname`, `os.arch` and `os.platform` (builtins.md §21), added to Lua's
 * own `os` table, which keeps `os.time`, `os.date` and the rest (README §0 items 1 and 15).
 * `pure` has `os.arch` and `os.platform`, which describe the build the script runs on, but
 * not `os.hostname`, which names the machine (as it has no `os.getenv`).
 *
 * | function | |
 * |---|---|
 * | `os.hostname() -> string` | the host name (gethostname) |
 * | `os.arch() -> string` | the CPU architecture as Rust names it: `x86_64`, `aarch64`, `arm`, ... |
 * | `os.platform() -> string` | `linux`, `macos` or `windows` |
 */
import { hostname } from "node:os";
import { registerBuiltin } from "../loader/plugin.ts";

/** Node's architecture names as Rust spells them (`std::env::consts::ARCH`). */
export function archName(arch: string = process.arch): string {
  const rust: Record<string, string> = {
    x64: "x86_64",
    arm64: "aarch64",
    ia32: "x86",
    ppc64: "powerpc64",
    loong64: "loongarch64",
    mipsel: "mips",
  };
  return rust[arch] ?? arch;
}

/** Node's platform names as the reference spells them (`std::env::consts::OS`). */
export function platformName(platform: string = process.platform): string {
  return ({ darwin: "macos", win32: "windows" } as Record<string, string>)[platform] ?? platform;
}

registerBuiltin({
  name: "os",
  description: "Host facts added to Lua's os table: host name, CPU architecture, platform",
  keywords: ["hostname", "architecture", "arch", "platform", "system", "machine", "linux"],
  example: 'if os.platform() == "linux" and os.arch() == "x86_64" then ... end',
  functions: {
    hostname: {
      signature: "os.hostname() -> string",
      description: "The machine's host name",
      args: [],
      returns: [{ type: "string" }],
      profiles: ["restricted"],
    },
    arch: {
      signature: "os.arch() -> string",
      description: "The CPU architecture as Rust names it: x86_64, aarch64, arm, ...",
      args: [],
      returns: [{ type: "string" }],
      profiles: ["restricted", "pure"],
    },
    platform: {
      signature: "os.platform() -> string",
      description: "The operating system: linux, macos or windows",
      args: [],
      returns: [{ type: "string" }],
      profiles: ["restricted", "pure"],
    },
  },
  install: () => ({
    hostname: () => hostname(),
    arch: () => archName(),
    platform: () => platformName(),
  }),
  // Into the standard library's table, not a global of their own.
  publish({ api, L }, table) {
    api.getglobal(L, "os");
    const os = api.gettop(L);
    api.pushnil(L);
    while (api.next(L, table)) {
      api.pushvalue(L, -2);
      api.insert(L, -2);
      api.rawset(L, os);
    }
    api.pop(L);
  },
});
