/**
 * A `lua` command that is assay in lua mode: a symlink named `lua` to the built binary, or,
 * when the tests run from source under Deno (`ASSAY_FROM_SOURCE=deno`), a wrapper script
 * named `lua` that passes its own name in ASSAY_ARGV0 (main.ts explains why a link cannot
 * work there). And the same for the real `lua5.4`, to compare the two.
 *
 * @example
 * ```ts
 * const ours = luaLink(tempDir());          // <dir>/lua
 * spawnSync("lua", ["-v"], { env: { ...process.env, PATH: `${dirname(ours)}:${process.env.PATH}` } });
 * ```
 */
import { spawnSync } from "node:child_process";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand } from "./helpers.ts";

/** Makes `<dir>/<name>` run assay in lua mode; returns its path. */
export function luaLink(dir: string, name = "lua"): string {
  const path = join(dir, name);
  const [cmd, ...lead] = assayCommand();
  if (lead.length === 0) {
    symlinkSync(cmd, path);
  } else {
    const words = [cmd, ...lead].map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
    writeFileSync(path, `#!/bin/sh\nASSAY_ARGV0="$0" exec ${words} "$@"\n`);
    chmodSync(path, 0o755);
  }
  return path;
}

/** The real lua5.4's path, or undefined when it is not installed. */
export function realLua(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v lua5.4"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Makes `<dir>/lua` a link to the real lua5.4; returns its path. */
export function realLuaLink(dir: string, lua: string): string {
  const path = join(dir, "lua");
  symlinkSync(lua, path);
  return path;
}
