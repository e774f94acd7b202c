/**
 * A dependency loaded on first use instead of at start-up: every builtin's heavy library
 * (an HTTP server, a template engine, a YAML parser) would otherwise be evaluated by every
 * `assay hello.lua`. Loading is synchronous (`require`), so a first call never has to yield:
 * `yaml.parse` inside a `table.sort` comparator or a `string.gsub` callback works like any
 * later call. In the compiled binary Bun's bundler turns each literal `require("pkg")` into a
 * lazy, synchronous initialiser of the bundled package; from source Bun's `require` loads ESM
 * packages synchronously, and under Deno loader/host.ts provides a `require` made by
 * `createRequire`, which does the same. Write the literal call in the builtin, so the bundler
 * sees it. A module of the project itself is named from the root's view,
 * `require("../builtins/x/y.ts")`: that path resolves the same from builtins/ (Bun resolves
 * against the calling file) and from loader/ (Deno's require is made in loader/host.ts).
 *
 * @example
 * ```ts
 * const yamlLib = lazy(() => require("yaml") as typeof import("yaml"));
 * // in the declaration: needs: yamlLib;  in the implementation: yamlLib.get().parse(text)
 * ```
 */
export interface Lazy<T> {
  /** Whether it has been loaded. */
  readonly loaded: boolean;
  /** The value, loaded on the first call (a failed load is tried again next time). */
  get(): T;
}

export function lazy<T>(load: () => T): Lazy<T> {
  let value: T;
  let loaded = false;
  return {
    get loaded() {
      return loaded;
    },
    get() {
      if (!loaded) {
        value = load();
        loaded = true;
      }
      return value;
    },
  };
}
