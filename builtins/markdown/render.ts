/**
 * Markdown to HTML as the reference renders it (comrak with the GFM table, strikethrough and
 * task list extensions, raw HTML and every link target passed through): micromark with the
 * same three extensions and no others, so bare URLs stay text and there are no footnotes or
 * heading ids. Where micromark's output differs from comrak's in form, it is brought in line:
 * line endings are `\n` whatever the source used, the output ends with a newline, and a task
 * checkbox reads `<input type="checkbox" checked="" disabled="" />` in comrak's order.
 *
 * @example
 * ```ts
 * toHtml(loadMarkdown(), "# Hello"); // "<h1>Hello</h1>\n"
 * ```
 */
import type * as Micromark from "micromark";
import type * as Table from "micromark-extension-gfm-table";
import type * as Strikethrough from "micromark-extension-gfm-strikethrough";
import type * as TaskList from "micromark-extension-gfm-task-list-item";

export interface MarkdownLibs {
  micromark: typeof Micromark;
  table: typeof Table;
  strikethrough: typeof Strikethrough;
  taskList: typeof TaskList;
}

/** Loads micromark and the three extensions (they are only needed once a script renders). */
export function loadMarkdown(): MarkdownLibs {
  return {
    micromark: require("micromark"),
    table: require("micromark-extension-gfm-table"),
    strikethrough: require("micromark-extension-gfm-strikethrough"),
    taskList: require("micromark-extension-gfm-task-list-item"),
  };
}

type Options = NonNullable<Parameters<typeof Micromark.micromark>[1]> & object;
const optionsCache = new WeakMap<MarkdownLibs, Options>();

function options(libs: MarkdownLibs): Options {
  let o = optionsCache.get(libs);
  if (!o) {
    o = {
      // The reference does not sanitise: raw HTML and javascript: links pass through.
      allowDangerousHtml: true,
      allowDangerousProtocol: true,
      // comrak's strikethrough takes one or two tildes (`~x~` and `~~x~~`), as micromark's default.
      extensions: [libs.table.gfmTable(), libs.strikethrough.gfmStrikethrough({ singleTilde: true }), libs.taskList.gfmTaskListItem()],
      htmlExtensions: [libs.table.gfmTableHtml(), libs.strikethrough.gfmStrikethroughHtml(), taskCheckbox()],
    };
    optionsCache.set(libs, o);
  }
  return o;
}

/** The task list checkbox with comrak's attribute order (micromark writes `disabled` first). */
function taskCheckbox() {
  let checked = false;
  return {
    enter: {
      taskListCheck(): undefined {
        checked = false;
      },
    },
    exit: {
      taskListCheckValueChecked(): undefined {
        checked = true;
      },
      taskListCheck(this: { tag(html: string): undefined }): undefined {
        this.tag(`<input type="checkbox"${checked ? ' checked=""' : ""} disabled="" />`);
      },
    },
  };
}

export function toHtml(libs: MarkdownLibs, source: string): string {
  // CommonMark reads \r\n and \r as line endings; micromark copies them into the HTML, comrak writes \n.
  const html = libs.micromark.micromark(source.replace(/\r\n?/g, "\n"), options(libs));
  return html === "" || html.endsWith("\n") ? html : html + "\n";
}
