/**
 * Lua source as `luaL_loadfilex` prepares it, and the load mode each profile allows; shared by
 * the main chunk (run.ts) and `require` (require.ts).
 *
 * @example
 * ```ts
 * api.load(L, prepareSource(bytes), "@job.lua", loadMode(policy.profile));
 * ```
 */
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Prepares source bytes like `luaL_loadfilex`: skips a UTF-8 BOM, and a first line starting
 * with `#` while keeping its newline so line numbers stay those of the file.
 */
export function prepareSource(bytes: Uint8Array): Uint8Array {
  let start = 0;
  if (UTF8_BOM.every((b, i) => bytes[i] === b)) start = 3;
  if (bytes[start] === 0x23 /* # */) {
    let nl = start;
    while (nl < bytes.length && bytes[nl] !== 0x0a) nl++;
    // Keep the newline itself (or the empty remainder).
    return bytes.subarray(nl);
  }
  return bytes.subarray(start);
}

/** The load mode a profile allows: binary chunks only in `full`. */
export function loadMode(profile: string): string {
  return profile === "full" ? "bt" : "t";
}
