/**
 * The search of `assay context`: every query token must occur, field weights order the
 * results, identifiers are found by their parts, and a module's own short name puts it first
 * whatever the scores say.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { search, shortName, tokenize } from "./bm25.ts";
import type { ModuleDoc } from "./module-doc.ts";

const mod = (name: string, fields: Partial<ModuleDoc> = {}): ModuleDoc => ({
  name,
  source: "builtin",
  description: "",
  keywords: [],
  env: [],
  quickref: [],
  functions: [],
  ...fields,
});

const names = (docs: ModuleDoc[]) => docs.map((d) => d.name);

test("tokens are runs of letters, digits and _, lower-cased", () => {
  assert.deepEqual(tokenize("Grafana, alert-rules jwt_sign v2 ÉTÉ"), ["grafana", "alert", "rules", "jwt_sign", "v2", "été"]);
  assert.deepEqual(tokenize(" -- "), []);
});

test("a module matches only when every token occurs in it", () => {
  const docs = [
    mod("assay.a", { keywords: ["alerts", "silence"] }),
    mod("assay.b", { description: "alerts only" }),
  ];
  assert.deepEqual(names(search(docs, "alerts silence", 5)), ["assay.a"]);
  assert.deepEqual(names(search(docs, "ALERTS", 5)).sort(), ["assay.a", "assay.b"]);
  assert.deepEqual(search(docs, "nothing", 5), []);
  assert.deepEqual(search(docs, "", 5), []);
  assert.deepEqual(search(docs, "!!", 5), []);
});

test("keywords weigh more than the description; the limit cuts the list", () => {
  const docs = [
    mod("assay.desc", { description: "talks about metrics" }),
    mod("assay.kw", { keywords: ["metrics"] }),
    mod("assay.fn", { functions: ["metrics"] }),
  ];
  assert.deepEqual(names(search(docs, "metrics", 5))[0], "assay.kw");
  assert.equal(search(docs, "metrics", 2).length, 2);
  assert.deepEqual(search(docs, "metrics", 0), []);
});

test("identifiers are found by their parts: jwt finds jwt_sign, grafana finds assay.grafana", () => {
  const docs = [mod("crypto", { functions: ["crypto.jwt_sign"] }), mod("assay.grafana")];
  assert.deepEqual(names(search(docs, "jwt", 5)), ["crypto"]);
  assert.deepEqual(names(search(docs, "jwt_sign", 5)), ["crypto"]);
  assert.deepEqual(names(search(docs, "grafana", 5)), ["assay.grafana"]);
});

test("a module's own short name ranks it first, above modules that score higher", () => {
  const docs = [
    mod("assay.dashboards", { keywords: ["grafana", "alerts", "dashboards"], description: "grafana alerts grafana" }),
    mod("assay.grafana", { description: "Dashboards and alerts" }),
    mod("assay.loki", { keywords: ["grafana", "logs"] }),
  ];
  assert.deepEqual(names(search(docs, "grafana", 5))[0], "assay.grafana");
  assert.deepEqual(names(search(docs, "grafana alerts", 5)), ["assay.grafana", "assay.dashboards"]);
  // Two modules named by the query: the scores decide between them.
  assert.deepEqual(names(search(docs, "grafana dashboards", 5)), ["assay.dashboards", "assay.grafana"]);
  assert.equal(shortName("assay.ory"), "ory");
  assert.equal(shortName("http"), "http");
});
