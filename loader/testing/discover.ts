/**
 * Which files `assay test` runs: under each directory given (the working directory by
 * default), recursively, every `*_test.lua` and `*.test.lua`, skipping `node_modules` and
 * dot-directories (`.git`, `.cache`...) where vendored or generated code lives. A file given by
 * name runs whatever its name. Symbolic links to directories are not followed (no cycles);
 * links to files are taken like files. The order is stable: names sorted by code unit, a
 * directory's files and subdirectories together, depth first; a file reached twice runs once.
 *
 * @example
 * ```ts
 * discoverTests(["tests"]); // ["tests/a_test.lua", "tests/lua/json.test.lua"]
 * discoverTests(["nope"]);  // throws DiscoveryError("nope: No such file or directory (os error 2)")
 * ```
 */
import { type Dirent, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { osErrorText } from "../os-error.ts";

/** A path that cannot be searched: the message names it and why. */
export class DiscoveryError extends Error {}

export const TEST_PATTERNS = ["*_test.lua", "*.test.lua"];

export function isTestFileName(name: string): boolean {
  return name.endsWith("_test.lua") || name.endsWith(".test.lua");
}

/** Directories never searched: dependencies and dot-directories. */
function skipped(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

export function discoverTests(paths: string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    found.push(file);
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      throw new DiscoveryError(`${path}: ${osErrorText(e)}`);
    }
    if (isDirectory) walk(path, add);
    else add(path);
  }
  return found;
}

function walk(dir: string, add: (file: string) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new DiscoveryError(`${dir}: ${osErrorText(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skipped(entry.name)) walk(path, add);
    } else if (isTestFileName(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && isFile(path)))) {
      add(path);
    }
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
