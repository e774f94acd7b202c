/**
 * The check that keeps the one description of every builtin complete (tests/declarations.test.ts
 * runs it in CI): every declared function, method and value documents what the generated docs
 * need (description, named arguments matching its signature, return types, types that resolve
 * to declared classes), every builtin has search keywords, and everything a VM actually has on
 * a builtin global (installed.ts) is declared. A function added to a global without a
 * declaration, or declared without its return types, is reported here.
 *
 * @example
 * ```ts
 * declarationProblems(builtins()); // [] when every declaration is complete
 * installedProblems(builtins(), [{ name: "json", type: "table", functions: ["parse", "extra"], values: [] }]);
 * // ["json.extra: installed but not declared"]
 * ```
 */
import { type Builtin, type CallDoc, qualifiedName } from "../plugin.ts";
import { argType, isLuaName, OptionClasses, referencedTypes } from "./lua-types.ts";
import type { InstalledGlobal } from "./installed.ts";

/** The parameters between the first `(` and its `)`, split at top-level commas. */
export function signatureParams(signature: string): string[] {
  const open = signature.indexOf("(");
  if (open < 0) return [];
  let depth = 0, start = open + 1;
  const out: string[] = [];
  for (let i = open + 1; i < signature.length; i++) {
    const c = signature[i];
    if (c === "(" || c === "{" || c === "[") depth++;
    else if ((c === ")" || c === "}" || c === "]") && depth > 0) depth--;
    else if (c === ")" || (c === "," && depth === 0)) {
      const p = signature.slice(start, i).trim();
      if (p) out.push(p);
      start = i + 1;
      if (c === ")") break;
    }
  }
  return out;
}

/** Problems of one function or method; `name` as scripts write it (`http.get`, `http.Client:get`). */
function callProblems(name: string, doc: CallDoc, expectedStart: string, types: (t: string) => void, classes: OptionClasses): string[] {
  const problems: string[] = [];
  if (!doc.signature.startsWith(expectedStart)) problems.push(`${name}: signature ${JSON.stringify(doc.signature)} does not start with ${expectedStart}`);
  if (!doc.description || doc.description.length < 10) problems.push(`${name}: no description`);
  const shown = signatureParams(doc.signature);
  if (shown.length !== doc.args.length) {
    problems.push(`${name}: the signature shows ${shown.length} parameters, the declaration has ${doc.args.length}`);
  }
  doc.args.forEach((arg, i) => {
    if (!isLuaName(arg.name)) problems.push(`${name}: argument name ${JSON.stringify(arg.name)} is not a Lua name`);
    const written = shown[i]?.replace(/\?$/, "").replace(/\|.*$/, "");
    if (written && isLuaName(written) && written !== arg.name) {
      problems.push(`${name}: argument ${i + 1} is ${arg.name} but the signature says ${written}`);
    }
    types(argType(arg, classes, `${name}.${arg.name}`));
  });
  if (!doc.returns) problems.push(`${name}: no return types (returns: [] when it returns nothing)`);
  else {
    for (const r of doc.returns) {
      if (!r.type) problems.push(`${name}: a return value without a type`);
      else types(r.type);
    }
    const arrow = doc.signature.includes(" -> ");
    if (arrow !== doc.returns.length > 0) {
      problems.push(`${name}: the signature ${arrow ? "shows" : "does not show"} a result but returns has ${doc.returns.length}`);
    }
  }
  for (const e of doc.errors ?? []) if (!e.trim()) problems.push(`${name}: an empty error text`);
  return problems;
}

/** Everything missing or inconsistent in the declarations themselves. */
export function declarationProblems(list: Builtin[]): string[] {
  const problems: string[] = [];
  const classes = new OptionClasses();
  const used: { type: string; where: string }[] = [];
  const declared = new Set<string>();
  for (const b of list) for (const name of Object.keys(b.classes ?? {})) declared.add(name);

  for (const b of list) {
    if (!b.description || b.description.length < 10) problems.push(`${b.name}: no description`);
    if (!b.keywords?.length) problems.push(`${b.name}: no keywords for assay context`);
    const typesAt = (where: string) => (type: string) => used.push({ type, where });
    if (b.call) problems.push(...callProblems(b.name, b.call, `${b.name}(`, typesAt(b.name), classes));
    for (const [fn, decl] of Object.entries(b.functions)) {
      const name = qualifiedName(b, fn);
      problems.push(...callProblems(name, decl, `${name}(`, typesAt(name), classes));
    }
    for (const [value, decl] of Object.entries(b.values ?? {})) {
      if (!decl.type || !decl.description) problems.push(`${b.name}.${value}: a value needs a type and a description`);
      else used.push({ type: decl.type, where: `${b.name}.${value}` });
    }
    for (const [name, decl] of Object.entries(b.globals ?? {})) {
      if (!isLuaName(name)) problems.push(`${name}: a global set by ${b.name} must be a Lua name`);
      if (!decl.type || !decl.description) problems.push(`${name}: a global needs a type and a description`);
      else used.push({ type: decl.type, where: name });
    }
    for (const [cls, decl] of Object.entries(b.classes ?? {})) {
      if (!cls.startsWith(`${b.name}.`)) problems.push(`${cls}: a class of ${b.name} must be named ${b.name}.<Name>`);
      if (!decl.description) problems.push(`${cls}: no description`);
      for (const [field, f] of Object.entries(decl.fields ?? {})) {
        if (!isLuaName(field)) problems.push(`${cls}.${field}: not a Lua name`);
        if (!f.type) problems.push(`${cls}.${field}: no type`);
        else used.push({ type: f.type, where: `${cls}.${field}` });
      }
      for (const [method, doc] of Object.entries(decl.methods ?? {})) {
        const name = `${cls}:${method}`;
        problems.push(...callProblems(name, doc, "", typesAt(name), classes));
        if (!doc.signature.includes(`:${method}(`)) problems.push(`${name}: signature ${JSON.stringify(doc.signature)} does not call :${method}(`);
      }
    }
  }
  for (const [name] of classes.entries()) declared.add(name);
  for (const name of classes.clashes) problems.push(`${name}: two different options tables share this class name`);
  for (const { type, where } of used) {
    for (const ref of referencedTypes(type)) if (!declared.has(ref)) problems.push(`${where}: type ${ref} is not declared`);
  }
  return problems;
}

/** What a VM has on builtin globals that no declaration covers. */
export function installedProblems(list: Builtin[], installed: InstalledGlobal[]): string[] {
  const problems: string[] = [];
  const byName = new Map(list.map((b) => [b.name, b]));
  const set = new Set(list.flatMap((b) => Object.keys(b.globals ?? {})));
  for (const g of installed) {
    const b = byName.get(g.name);
    if (!b && set.has(g.name)) continue;
    if (!b) {
      problems.push(`${g.name}: a global installed but declared by no builtin`);
      continue;
    }
    if (g.type === "function" && !b.callable && !b.call) problems.push(`${g.name}: the global is a function but its declaration says nothing of calling it`);
    if (g.type !== "function" && b.callable) problems.push(`${g.name}: declared callable but the global is a ${g.type}`);
    for (const fn of g.functions) if (!b.functions[fn] || b.callable) problems.push(`${g.name}.${fn}: installed but not declared`);
    for (const v of g.values) if (!b.values?.[v]) problems.push(`${g.name}.${v}: a value installed but not declared`);
  }
  return problems;
}
