/**
 * String operations shared by filters and methods, with Python's semantics (which Jinja
 * templates are written against): `split()` without a separator splits on runs of whitespace,
 * `replace("", x)` inserts between characters, `title()` starts words after whitespace and
 * `-({[<`. Characters are code points, not UTF-16 halves.
 */
import type { Limits } from "./limits.ts";
import { TemplateError } from "./values.ts";

/** First character upper case, the rest lower case. */
export function capitalize(s: string): string {
  const first = s.codePointAt(0);
  if (first === undefined) return "";
  const head = String.fromCodePoint(first);
  return head.toUpperCase() + s.slice(head.length).toLowerCase();
}

/** Each word capitalized; words begin after whitespace or one of `-({[<`. */
export function titleCase(s: string): string {
  return s.split(/([-\s({[<]+)/).map(capitalize).join("");
}

const WHITESPACE = /^\s+|\s+$/g;

/** Python's strip/lstrip/rstrip: whitespace, or any of `chars`. */
export function stripText(s: string, chars: string | undefined, which: "strip" | "lstrip" | "rstrip"): string {
  if (chars === undefined) {
    if (which === "strip") return s.replace(WHITESPACE, "");
    return which === "lstrip" ? s.replace(/^\s+/, "") : s.replace(/\s+$/, "");
  }
  const set = new Set(Array.from(chars));
  const cps = Array.from(s);
  let start = 0, end = cps.length;
  if (which !== "rstrip") while (start < end && set.has(cps[start])) start++;
  if (which !== "lstrip") while (end > start && set.has(cps[end - 1])) end--;
  return cps.slice(start, end).join("");
}

/** Python's str.split(sep, maxsplit); `maxsplit` < 0 means no limit. */
export function splitText(s: string, sep: string | undefined, maxsplit: number): string[] {
  if (sep === "") throw new TemplateError("split: empty separator");
  if (sep === undefined) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, "");
    while (rest !== "") {
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

/** Python's str.replace; `count` < 0 replaces every occurrence. Refuses a result too large. */
export function replaceText(s: string, from: string, to: string, count: number, limits: Limits): string {
  if (count === 0) return s;
  const pieces = from === "" ? ["", ...Array.from(s), ""] : s.split(from);
  const gaps = pieces.length - 1;
  const replaced = count < 0 ? gaps : Math.min(count, gaps);
  limits.string(s.length + replaced * (to.length - from.length));
  if (from === "") {
    const chars = pieces.slice(1, -1);
    return chars.map((c, i) => (i < replaced ? to : "") + c).join("") + (replaced > chars.length ? to : "");
  }
  return pieces.slice(0, replaced + 1).join(to) + (replaced < gaps ? from + pieces.slice(replaced + 1).join(from) : "");
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
  "/": "&#x2f;",
};

/** The reference's HTML escaping: `& < > " ' /`. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'/]/g, (c) => HTML_ESCAPES[c]);
}

/** Jinja's indent: lines after the first (and the first with `first`), blank ones only with `blank`. */
export function indentText(s: string, prefix: string, first: boolean, blank: boolean, limits: Limits): string {
  const lines = s.split("\n");
  limits.string(s.length + lines.length * prefix.length);
  return lines.map((line, i) => {
    if (i === 0 && !first) return line;
    return blank || line !== "" ? prefix + line : line;
  }).join("\n");
}
