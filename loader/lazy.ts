/**
 * A dependency loaded on first use instead of at start-up: every builtin's heavy library
 * (an HTTP server, a database driver, a template engine) would otherwise be evaluated by every
 * `assay hello.lua`. Declare it in a function's `needs` (plugin.ts) and the first call waits
 * for it; later calls find it loaded.
 *
 * @example
 * ```ts
 * const yamlLib = lazy(() => import("yaml"));
 * // in the declaration: needs: yamlLib;  in the implementation: yamlLib.get().parse(text)
 * ```
 */
export interface Lazy<T> {
  /** Whether `get` can be called. */
  readonly loaded: boolean;
  /** Loads it (once; later calls share the same promise). */
  load(): Promise<T>;
  /** The loaded value; throws before `load` has finished. */
  get(): T;
}

export function lazy<T>(loader: () => Promise<T>): Lazy<T> {
  let value: T;
  let loaded = false;
  let pending: Promise<T> | undefined;
  return {
    get loaded() {
      return loaded;
    },
    load() {
      pending ??= loader().then((v) => {
        value = v;
        loaded = true;
        return v;
      }, (e) => {
        pending = undefined; // let a later call try again
        throw e;
      });
      return pending;
    },
    get() {
      if (!loaded) throw new Error("lazy dependency used before it was loaded");
      return value;
    },
  };
}
