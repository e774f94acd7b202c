/**
 * `fs.glob` patterns as the reference's glob crate reads them: `*` (any run of characters
 * within a name, dot files included), `?` (one character), `[abc]`, `[a-z]`, `[!...]`, and
 * `**` as a whole path component (any depth of directories). Each directory's entries are
 * visited in byte order of their names, depth first, so results come sorted within each
 * directory. A pattern ending in `/` matches directories only. Paths come back as the pattern
 * spells them (`src/*.lua` gives `src/a.lua`, `./*` gives `a.lua`, as the crate does).
 *
 * One deliberate difference: `**` does not descend into symlinked directories (the crate
 * does, and loops on a link to an ancestor); a symlink is still matched by name, and a later
 * component of the pattern looks inside it.
 *
 * @example
 * ```ts
 * const paths = await glob("src/**\/*.lua", io); // ["src/a.lua", "src/lib/b.lua"]
 * ```
 */
import type { DirEntry, EntryKind } from "../../loader/host-files.ts";
import { compareUtf8 } from "../../loader/bridge/text-encoders.ts";
import { joinPath } from "./walk.ts";

/** What the walk needs of the file system (each call policy-checked by the caller). */
export interface GlobIo {
  /** The entries of a directory (any order). */
  list(dir: string): Promise<DirEntry[]>;
  /** Whether the path exists, a dangling symlink included. */
  exists(path: string): Promise<boolean>;
  /** Whether the path leads to a directory (symlinks followed); false when it cannot be seen. */
  isDir(path: string): Promise<boolean>;
}

export class PatternError extends Error {
  constructor(readonly position: number, detail: string) {
    super(`Pattern syntax error near position ${position}: ${detail}`);
  }
}

type Token =
  | { kind: "char"; char: string }
  | { kind: "any" }
  | { kind: "sequence" }
  | { kind: "recursive" }
  | { kind: "within" | "except"; ranges: [number, number][] };

interface Component {
  text: string;
  tokens: Token[];
  recursive: boolean;
  wild: boolean;
}

const WILDCARDS = "wildcards are either regular `*` or recursive `**`";
const RECURSIVE = "recursive wildcards must form a single path component";
const RANGE = "invalid range pattern";

/** Code point ranges of a bracket expression's inside (`a-z` is a range, others single). */
function ranges(chars: string[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < chars.length;) {
    if (i + 3 <= chars.length && chars[i + 1] === "-") {
      out.push([chars[i].codePointAt(0)!, chars[i + 2].codePointAt(0)!]);
      i += 3;
    } else {
      const c = chars[i].codePointAt(0)!;
      out.push([c, c]);
      i += 1;
    }
  }
  return out;
}

/** Compiles a pattern (a whole one, to validate it, or one component); throws PatternError. */
export function compile(text: string): Component {
  const chars = Array.from(text);
  const tokens: Token[] = [];
  let recursive = false, wild = false;
  for (let i = 0; i < chars.length;) {
    const c = chars[i];
    if (c === "?") {
      wild = true;
      tokens.push({ kind: "any" });
      i++;
    } else if (c === "*") {
      wild = true;
      const start = i;
      while (i < chars.length && chars[i] === "*") i++;
      const count = i - start;
      if (count > 2) throw new PatternError(start + 2, WILDCARDS);
      if (count === 1) {
        tokens.push({ kind: "sequence" });
        continue;
      }
      // `**` must be a whole component: preceded by the start or `/`, followed by `/` or the end.
      if (start !== 0 && chars[start - 1] !== "/") throw new PatternError(start - 1, RECURSIVE);
      if (i < chars.length && chars[i] !== "/") throw new PatternError(i, RECURSIVE);
      if (i < chars.length) i++;
      if (tokens.at(-1)?.kind !== "recursive") {
        recursive = true;
        tokens.push({ kind: "recursive" });
      }
    } else if (c === "[") {
      wild = true;
      // The first character inside (after `!`) is always a member, so `[]]` and `[!]]` work.
      const negated = chars[i + 1] === "!";
      const first = negated ? i + 2 : i + 1;
      const close = chars.indexOf("]", first + 1);
      if (close < 0) throw new PatternError(i, RANGE);
      tokens.push({ kind: negated ? "except" : "within", ranges: ranges(chars.slice(first, close)) });
      i = close + 1;
    } else {
      tokens.push({ kind: "char", char: c });
      i++;
    }
  }
  return { text, tokens, recursive, wild };
}

function inRanges(rs: [number, number][], c: string): boolean {
  const cp = c.codePointAt(0)!;
  return rs.some(([lo, hi]) => cp >= lo && cp <= hi);
}

function matchesOne(token: Token, c: string): boolean {
  switch (token.kind) {
    case "char":
      return token.char === c;
    case "any":
      return true;
    case "within":
      return inRanges(token.ranges, c);
    case "except":
      return !inRanges(token.ranges, c);
    default:
      return false;
  }
}

/** Whether a file name matches a component (star backtracking: each star may grow later). */
export function matches(component: Component, name: string): boolean {
  const s = Array.from(name);
  const t = component.tokens;
  let ti = 0, si = 0, starT = -1, starS = 0;
  while (si < s.length) {
    const token = t[ti];
    if (ti < t.length && (token.kind === "sequence" || token.kind === "recursive")) {
      starT = ti++;
      starS = si;
    } else if (ti < t.length && matchesOne(token, s[si])) {
      ti++;
      si++;
    } else if (starT >= 0) {
      ti = starT + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (ti < t.length && (t[ti].kind === "sequence" || t[ti].kind === "recursive")) ti++;
  return ti === t.length;
}


/** A path waiting to be matched against component `idx` (FINAL: already matched). */
interface Pending {
  path: string;
  name: string;
  /** From the directory entry; undefined for paths the pattern spelled out. */
  kind?: EntryKind;
  idx: number;
}

const FINAL = -1;

/** The matching paths, in the order described at the top. Throws PatternError. */
export async function glob(pattern: string, io: GlobIo): Promise<string[]> {
  compile(pattern);
  const absolute = pattern.startsWith("/");
  const rest = absolute ? pattern.replace(/^\/+/, "") : pattern;
  const parts = rest.split("/");
  if (parts.length > 1 && parts.at(-1) === "") parts.pop();
  const components = (rest === "" ? [""] : parts).map(compile);
  const requireDir = pattern.endsWith("/");
  const last = components.length - 1;

  const isDir = async (p: { path: string; kind?: EntryKind }) => {
    if (p.kind === "directory") return true;
    if (p.kind === "file" || p.kind === "other") return false;
    return await io.isDir(p.path);
  };

  // A stack, as the crate keeps it: children pushed in reverse order pop in byte order.
  const todo: Pending[] = [];
  const fill = async (at: { path: string; kind?: EntryKind }, idx: number): Promise<void> => {
    const add = async (path: string, name: string) => {
      if (idx === last) todo.push({ path, name, idx: FINAL });
      else await fill({ path }, idx + 1);
    };
    const component = components[idx];
    if (!component.wild) {
      const s = component.text;
      const next = at.path === "." ? s : joinPath(at.path, s);
      const special = s === "." || s === "..";
      // Only the last component is probed: a missing directory earlier in the path ends the
      // walk one step later just the same, and the sandbox need not let us look at `/home`
      // to glob in `/home/me/*`.
      const found = special ? await isDir(at) : idx < last || await io.exists(next);
      if (found) await add(next, s);
      return;
    }
    if (!(await isDir(at))) return;
    const entries = (await io.list(at.path)).sort((a, b) => compareUtf8(b.name, a.name));
    for (const e of entries) todo.push({ path: at.path === "." ? e.name : joinPath(at.path, e.name), name: e.name, kind: e.kind, idx });
    // `.` and `..` are never listed; a component starting with a literal dot may name them.
    const head = component.tokens[0];
    if (head?.kind === "char" && head.char === ".") {
      for (const special of [".", ".."]) if (matches(component, special)) await add(joinPath(at.path, special), special);
    }
  };

  const found: string[] = [];
  await fill({ path: absolute ? "/" : "." }, 0);
  while (todo.length > 0) {
    const item = todo.pop()!;
    if (item.idx === FINAL) {
      if (!requireDir || await isDir(item)) found.push(item.path);
      continue;
    }
    let idx = item.idx;
    if (components[idx].recursive) {
      let next = idx;
      while (next + 1 < components.length && components[next + 1].recursive) next++;
      if (item.kind === "directory") {
        await fill(item, next);
        if (next === last) {
          found.push(item.path);
          continue;
        }
      } else if (next === last) {
        continue;
      }
      idx = next + 1;
    }
    if (!matches(components[idx], item.name)) continue;
    if (idx < last) await fill(item, idx + 1);
    else if (!requireDir || await isDir(item)) found.push(item.path);
  }
  return found;
}
