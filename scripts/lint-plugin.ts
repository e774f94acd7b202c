/**
 * The project's own `deno lint` rules (loaded through deno.json `lint.plugins`):
 *
 * - `assay/builtins-use-host`: a module under builtins/ must not import `node:fs`,
 *   `node:child_process` or `node:net` (static or dynamic import, or require). Builtins reach
 *   files, processes and sockets through `ctx.host` (loader/host-facade.ts), which asks the
 *   sandbox policy first; a direct import would skip it.
 */
const HOST_MODULES = new Set([
  "fs",
  "fs/promises",
  "child_process",
  "net",
].flatMap((m) => [m, `node:${m}`]));

interface Node {
  type: string;
  value?: unknown;
  source?: Node | null;
  callee?: Node;
  name?: string;
  arguments?: Node[];
}

interface Context {
  filename: string;
  report(problem: { node: Node; message: string }): void;
}

function check(context: Context, node: Node, source: Node | null | undefined): void {
  if (!/[\\/]builtins[\\/]/.test(context.filename)) return;
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
            if (node.callee?.type === "Identifier" && node.callee.name === "require") check(context, node, node.arguments?.[0]);
          },
        };
      },
    },
  },
};

export default plugin;
