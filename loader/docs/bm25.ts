/**
 * The search of `assay context` (cli.md §6): BM25 over four fields of each module with the
 * spec's weights (keywords 3, description 1, function names 1, module name 2). A token is a
 * run of letters, digits or `_`, compared case-insensitively; identifiers in the index also
 * count by their parts (`jwt_sign` is found by `jwt`, `assay.grafana` by `grafana`). A module
 * matches only when every query token occurs in it. A module whose own short name (`grafana`
 * for `assay.grafana`, `http` for the builtin) is one of the query's tokens ranks above every
 * module whose name is not, so that asking for a module by name always puts it first; within
 * each group the BM25 score decides, then the name.
 *
 * @example
 * ```ts
 * search(modules, "grafana", 5).map((m) => m.name); // ["assay.grafana", "assay.prometheus", ...]
 * ```
 */
import type { ModuleDoc } from "./module-doc.ts";

/** Field weights of the spec. */
const WEIGHTS = { keywords: 3, description: 1, functions: 1, name: 2 } as const;
type Field = keyof typeof WEIGHTS;

const K1 = 1.2;
const B = 0.75;

/** The query's tokens, lower-cased. */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
}

/** A field's index tokens: each token, plus the parts of one joined by `_`. */
function indexTokens(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenize(text)) {
    out.push(token);
    if (token.includes("_")) for (const part of token.split("_")) if (part) out.push(part);
  }
  return out;
}

function fieldsOf(doc: ModuleDoc): Record<Field, string[]> {
  return {
    keywords: indexTokens(doc.keywords.join(" ")),
    description: indexTokens(doc.description),
    functions: indexTokens(doc.functions.join(" ")),
    name: indexTokens(doc.name),
  };
}

/** The name a user would call the module by: `grafana` for `assay.grafana`. */
export function shortName(name: string): string {
  return (name.startsWith("assay.") ? name.slice(6) : name).toLowerCase();
}

interface Indexed {
  doc: ModuleDoc;
  /** Weighted count of each token. */
  tf: Map<string, number>;
  /** Weighted length. */
  length: number;
}

function index(doc: ModuleDoc): Indexed {
  const tf = new Map<string, number>();
  let length = 0;
  const fields = fieldsOf(doc);
  for (const field of Object.keys(WEIGHTS) as Field[]) {
    const w = WEIGHTS[field];
    for (const token of fields[field]) tf.set(token, (tf.get(token) ?? 0) + w);
    length += w * fields[field].length;
  }
  return { doc, tf, length };
}

/** The modules matching every token of `query`, best first, at most `limit`. */
export function search(docs: ModuleDoc[], query: string, limit: number): ModuleDoc[] {
  const terms = [...new Set(tokenize(query))];
  if (terms.length === 0 || limit <= 0) return [];
  const all = docs.map(index);
  const avg = all.reduce((sum, d) => sum + d.length, 0) / Math.max(all.length, 1) || 1;
  const idf = new Map(terms.map((t) => {
    const n = all.filter((d) => d.tf.has(t)).length;
    return [t, Math.log(1 + (all.length - n + 0.5) / (n + 0.5))];
  }));
  const scored = all
    .filter((d) => terms.every((t) => d.tf.has(t)))
    .map((d) => {
      let score = 0;
      for (const t of terms) {
        const f = d.tf.get(t)!;
        score += idf.get(t)! * (f * (K1 + 1)) / (f + K1 * (1 - B + B * d.length / avg));
      }
      return { doc: d.doc, named: terms.includes(shortName(d.doc.name)) ? 1 : 0, score };
    });
  scored.sort((a, b) => b.named - a.named || b.score - a.score || (a.doc.name < b.doc.name ? -1 : a.doc.name > b.doc.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.doc);
}
