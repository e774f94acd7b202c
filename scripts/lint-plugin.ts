/**
 * The project's own `deno lint` rules (loaded through deno.json `lint.plugins`):
 *
 * - `assay/builtins-use-host`: a module under builtins/ must not reach the host itself: no
 *   import (static, dynamic or require) of `node:fs`, `node:child_process`, `node:net` and the
 *   other modules that open files, processes or sockets, no `bun:ffi`, no global `fetch`, and
 *   no `Bun.*`/`Deno.*` runtime APIs. Builtins reach files, processes and sockets through
 *   `ctx.host` (loader/host-facade.ts), which asks the sandbox policy first; a direct use would
 *   skip it.
 */
const HOST_MODULES = new Set([
  ...["fs", "fs/promises", "child_process", "net", "http", "https", "http2", "tls", "dgram", "dns", "worker_threads"]
    .flatMap((m) => [m, `node:${m}`]),
  "bun:ffi",
  "bun:sqlite",
]);
/** Globals that reach the host: runtime namespaces, and network clients that skip the policy. */
const HOST_GLOBALS = new Set(["Bun", "Deno"]);
const NETWORK_GLOBALS = new Set(["fetch", "WebSocket", "EventSource", "XMLHttpRequest"]);

interface Node {
  type: string;
  value?: unknown;
  source?: Node | null;
  callee?: Node;
  object?: Node;
  name?: string;
  arguments?: Node[];
}

const inBuiltins = (context: Context) => /[\\/]builtins[\\/]/.test(context.filename);

interface Context {
  filename: string;
  report(problem: { node: Node; message: string }): void;
}

function check(context: Context, node: Node, source: Node | null | undefined): void {
  if (!inBuiltins(context)) return;
  if (source?.type !== "Literal" || typeof source.value !== "string" || !HOST_MODULES.has(source.value)) return;
  context.report({
    node,
    message: `builtins reach the host through ctx.host (loader/host-facade.ts), which asks the sandbox policy; do not import ${source.value}`,
  });
}

const plugin = {
  name: "assay",
  rules: {
    "builtins-use-host": {
      create(context: Context) {
        return {
          ImportDeclaration: (node: Node) => check(context, node, node.source),
          ExportNamedDeclaration: (node: Node) => check(context, node, node.source),
          ExportAllDeclaration: (node: Node) => check(context, node, node.source),
          ImportExpression: (node: Node) => check(context, node, node.source),
          CallExpression: (node: Node) => {
            if (node.callee?.type !== "Identifier") return;
            if (node.callee.name === "require") check(context, node, node.arguments?.[0]);
            if (node.callee.name === "fetch" && inBuiltins(context)) {
              context.report({ node, message: "builtins fetch through ctx.host.fetch (loader/host-facade.ts), which asks the sandbox policy" });
            }
          },
          NewExpression: (node: Node) => {
            if (!inBuiltins(context) || node.callee?.type !== "Identifier" || !NETWORK_GLOBALS.has(node.callee.name!)) return;
            context.report({ node, message: `builtins reach the network through ctx.host (loader/host-facade.ts), not ${node.callee.name}` });
          },
          MemberExpression: (node: Node) => {
            if (!inBuiltins(context) || node.object?.type !== "Identifier") return;
            const name = node.object.name!;
            const property = (node as { property?: Node }).property;
            if (HOST_GLOBALS.has(name)) {
              context.report({ node, message: `builtins reach the host through ctx.host (loader/host-facade.ts), not ${name}.*` });
            } else if (name === "globalThis" && property?.type === "Identifier" && NETWORK_GLOBALS.has(property.name!)) {
              context.report({ node, message: `builtins reach the network through ctx.host (loader/host-facade.ts), not globalThis.${property.name}` });
            }
          },
        };
      },
    },
  },
};

export default plugin;
