/**
 * Paths as the file builtins take them and entry kinds as they report them. The host runtime
 * (Bun) turns path bytes that are not UTF-8 into U+FFFD, which would reach another file, so
 * such a path is refused with a clear error rather than mangled.
 */
import { LuaError } from "../../loader/lua-api.ts";
import type { EntryKind } from "../../loader/host-files.ts";

// ignoreBOM: a leading U+FEFF is part of the text (the default would drop it).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes as a double-quoted string with `\xNN` escapes for what is not printable ASCII. */
function quotedBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  return out + '"';
}

/** The path argument as text; `what` names it in the error ("path", "source path"). */
export function pathText(fn: string, bytes: Uint8Array, what = "path"): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new LuaError(`${fn}: ${what} ${quotedBytes(bytes)} is not valid UTF-8 (only UTF-8 paths are supported)`);
  }
}

/** The `type` field of listings: sockets, FIFOs and devices count as files, as in the reference. */
export function typeName(kind: EntryKind): "file" | "directory" | "symlink" {
  return kind === "other" ? "file" : kind;
}
