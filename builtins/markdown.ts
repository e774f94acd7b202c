/**
 * `markdown.to_html` (builtins.md §17): CommonMark plus GFM tables, strikethrough and task
 * lists, raw HTML passed through unsanitised, output ending with a newline. Rendered by
 * micromark, loaded on the first call (markdown/render.ts).
 *
 * | function | |
 * |---|---|
 * | `markdown.to_html(source) -> string` | the HTML for a markdown document |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { lazy } from "../loader/lazy.ts";
import { loadMarkdown, toHtml } from "./markdown/render.ts";

const libs = lazy(loadMarkdown);

registerBuiltin({
  name: "markdown",
  description: "Markdown (CommonMark with GFM tables, strikethrough and task lists) to HTML",
  keywords: ["html", "commonmark", "gfm", "render", "convert", "document"],
  example: 'fs.write("report.html", markdown.to_html(fs.read("report.md")))',
  functions: {
    to_html: {
      signature: "markdown.to_html(source) -> string",
      description: "Render markdown to HTML; raw HTML passes through, the result ends with a newline",
      args: [{ name: "source", type: "text", description: "markdown, UTF-8" }],
      returns: [{ type: "string", description: "HTML" }],
      profiles: ["restricted", "pure"],
      needs: libs,
    },
  },
  install: () => ({
    to_html: ([source]: [string]) => toHtml(libs.get(), source),
  }),
});
