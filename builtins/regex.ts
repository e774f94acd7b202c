/**
 * `regex` (builtins.md §8): the reference's dialect (Rust `regex-lite`) run on re2js, whose
 * automata match in time linear in the text, so no pattern can stall a script, a check or a
 * request handler. Patterns are translated to RE2 syntax first (regex/translate.ts; what is
 * translated and refused is in docs/regex.md); compiled patterns are kept per VM in a
 * 256-entry LRU cache. Text and replacement may be any bytes (the pattern must be UTF-8):
 * matches are byte-exact slices of the text.
 *
 * | function | |
 * |---|---|
 * | `regex.match(text, pattern) -> boolean` | is there a match anywhere |
 * | `regex.find(text, pattern) -> {match=, groups={...}}\|nil` | first match; groups that did not take part are holes |
 * | `regex.find_all(text, pattern) -> {string...}` | every match, whole matches only |
 * | `regex.replace(text, pattern, replacement) -> string` | every match replaced (`$1`, `${name}`, `$$`) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import type { ArgSpec } from "../loader/bridge/args.ts";
import { LuaError } from "../loader/lua-api.ts";
import { lazy } from "../loader/lazy.ts";
import { type Compiled, find, findAll, isMatch, PatternCache, replaceAll, ResultTooLarge } from "../loader/regex/engine.ts";
import { PatternError } from "../loader/regex/translate.ts";

const re2js = lazy(() => require("re2js") as typeof import("re2js"));

const TEXT: ArgSpec = { name: "text", type: "bytes", description: "the subject; any bytes" };
const PATTERN: ArgSpec = { name: "pattern", type: "text", description: "a regex-lite pattern" };
const common = {
  needs: re2js,
  profiles: ["restricted", "pure"] as ("restricted" | "pure")[],
  errors: ["regex.<fn>: invalid pattern: <why>"],
};

registerBuiltin({
  name: "regex",
  description: "Regular expressions (Rust regex-lite syntax), matched in linear time",
  keywords: ["regexp", "pattern", "match", "search", "replace", "substitute", "capture", "groups"],
  example: 'regex.replace("John Smith", "(?P<first>\\w+) (?P<last>\\w+)", "$last, $first") -- "Smith, John"',
  functions: {
    match: {
      signature: "regex.match(text, pattern) -> boolean",
      description: "Whether the pattern matches anywhere in the text",
      args: [TEXT, PATTERN],
      returns: [{ type: "boolean" }],
      ...common,
    },
    find: {
      signature: "regex.find(text, pattern) -> {match=string, groups={string...}}|nil",
      description: "The first match and its numbered groups (absent where a group did not take part), or nil",
      args: [TEXT, PATTERN],
      returns: [{ type: "regex.Match?" }],
      ...common,
    },
    find_all: {
      signature: "regex.find_all(text, pattern) -> {string...}",
      description: "Every non-overlapping match, whole matches only",
      args: [TEXT, PATTERN],
      returns: [{ type: "string[]" }],
      ...common,
    },
    replace: {
      signature: "regex.replace(text, pattern, replacement) -> string",
      description: "Replace every match; $1, ${1}, $name, ${name} name groups, $$ is a literal $",
      args: [TEXT, PATTERN, { name: "replacement", type: "bytes", description: "any bytes, with group references" }],
      returns: [{ type: "string" }],
      ...common,
    },
  },
  classes: {
    "regex.Match": {
      description: "What regex.find returns",
      fields: {
        match: { type: "string", description: "the whole match" },
        groups: { type: "table<integer, string>", description: "numbered groups; a group that did not take part is a hole" },
      },
    },
  },
  install: (ctx) => {
    let cache: PatternCache | undefined;
    const compiled = (fn: string, pattern: string): Compiled => {
      cache ??= new PatternCache(re2js.get());
      try {
        return cache.get(pattern);
      } catch (e) {
        if (e instanceof PatternError) throw new LuaError(`${fn}: invalid pattern: ${e.message}`);
        throw e;
      }
    };
    // A result must fit in what is left of the Lua heap budget; refused before JS builds it.
    const room = () => ctx.heap.limit - ctx.heap.used;
    const fitting = <T>(fn: string, build: () => T): T => {
      try {
        return build();
      } catch (e) {
        if (e instanceof ResultTooLarge) throw new LuaError(`${fn}: not enough memory`);
        throw e;
      }
    };
    return {
      match: ([text, pattern]: [Uint8Array, string]) => isMatch(compiled("regex.match", pattern), text),
      find: ([text, pattern]: [Uint8Array, string]) => find(compiled("regex.find", pattern), text) ?? null,
      find_all: ([text, pattern]: [Uint8Array, string]) => {
        const c = compiled("regex.find_all", pattern);
        return fitting("regex.find_all", () => findAll(c, text, room()));
      },
      replace: ([text, pattern, replacement]: [Uint8Array, string, Uint8Array]) => {
        const c = compiled("regex.replace", pattern);
        return fitting("regex.replace", () => replaceAll(c, text, replacement, room()));
      },
    };
  },
});
