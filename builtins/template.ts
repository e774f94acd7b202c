/**
 * `template.render_string` and `template.render` (builtins.md §11): Jinja templates rendered
 * by an interpreter (@huggingface/jinja, loaded on first use) with what it lacks added around
 * it (builtins/template/): `raw`, `with`, tests with arguments, the reference's filters,
 * operators and printing, line numbers in errors. A template reaches nothing but its vars:
 * no file, no host object, no JS property (see docs/template.md).
 *
 * | function | |
 * |---|---|
 * | `template.render_string(tmpl, vars?) -> string` | renders template text with vars (a table or nil) |
 * | `template.render(path, vars?) -> string` | reads the template file (asks `read`), then the same |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import type { BuiltinContext, Call } from "../loader/plugin.ts";
import { LUA_TTABLE, LuaError } from "../loader/lua-api.ts";
import { ConversionError, type LuaData, toJs } from "../loader/bridge/values.ts";
import { lazy } from "../loader/lazy.ts";
import { fileError } from "../loader/os-error.ts";
import type { TemplateCache } from "./template/render.ts";

// Written from the project root's view ("../builtins/..."), so that it resolves the same from
// here (Bun) and from loader/host.ts, whose createRequire serves Deno (see lazy.ts).
const engine = lazy(() => require("../builtins/template/render.ts") as typeof import("./template/render.ts"));

/** The vars argument (a stack index, or undefined for nil) as JS data, per §0.5. */
function readVars(ctx: BuiltinContext, L: number, idx: number | undefined, fn: string): LuaData {
  if (idx === undefined) return undefined;
  if (ctx.api.type(L, idx) !== LUA_TTABLE) throw new LuaError(`${fn}: second argument must be a table or nil`);
  let vars: LuaData;
  try {
    vars = toJs(ctx.api, L, idx);
  } catch (e) {
    if (e instanceof ConversionError) throw new LuaError(`${fn}: ${e.message}`);
    throw e;
  }
  // An empty table converts to a list; one with items has no names to look up.
  if (Array.isArray(vars) && vars.length > 0) throw new LuaError(`${fn}: second argument must be a table of named values, not a list`);
  return vars;
}

registerBuiltin({
  name: "template",
  description: "Render Jinja templates (no auto-escaping; templates cannot load files or reach the host)",
  keywords: ["jinja", "jinja2", "render", "templating", "text", "placeholder", "interpolate"],
  example: 'template.render_string("Hello {{ name }}!", { name = "World" })',
  functions: {
    render_string: {
      signature: "template.render_string(tmpl, vars?) -> string",
      description: "Render a Jinja template string with vars (a table or nil)",
      args: [
        { name: "tmpl", type: "bytes", description: "the template text" },
        { name: "vars", type: "raw", optional: true, expect: "a table or nil", description: "values the template can use", luaType: "table" },
      ],
      returns: [{ type: "string" }],
      errors: ["template.render_string: syntax error on line <n>: <why>"],
      profiles: ["restricted", "pure"],
      needs: engine,
    },
    render: {
      signature: "template.render(path, vars?) -> string",
      description: "Read a Jinja template file and render it with vars (a table or nil)",
      args: [
        { name: "path", type: "text", description: "the template file" },
        { name: "vars", type: "raw", optional: true, expect: "a table or nil", description: "values the template can use", luaType: "table" },
      ],
      returns: [{ type: "string" }],
      capabilities: ["read"],
      profiles: ["restricted"],
      async: true,
      needs: engine,
    },
  },
  install: (ctx) => {
    // Made on first use: the engine is not loaded before then.
    let templates: TemplateCache | undefined;
    const render = (fn: string, template: Uint8Array, vars: LuaData, file?: string) => {
      const lib = engine.get();
      templates ??= new lib.TemplateCache();
      try {
        return lib.renderTemplate(template, vars, ctx.heap.limit - ctx.heap.used, templates);
      } catch (e) {
        if (e instanceof lib.TemplateError) throw new LuaError(`${fn}: ${lib.failureText(e, file)}`);
        throw e;
      }
    };
    return {
      render_string: ([template, varsAt]: [Uint8Array, number | undefined], call: Call) =>
        render(call.fn, template, readVars(ctx, call.L, varsAt, call.fn)),
      render: async ([path, varsAt]: [string, number | undefined], call: Call) => {
        const vars = readVars(ctx, call.L, varsAt, call.fn);
        let template: Uint8Array;
        try {
          template = await ctx.host.readFile(call.fn, path, call.signal);
        } catch (e) {
          throw fileError(call.fn, "failed to read", path, e);
        }
        return render(call.fn, template, vars, path);
      },
    };
  },
});
