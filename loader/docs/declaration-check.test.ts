/**
 * The declaration check on fixtures: each kind of gap it must catch (a function without
 * return types, a signature that disagrees with its arguments, a type nobody declares, an
 * installed function or value without a declaration, a global no builtin declares), and a
 * complete declaration passing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Builtin, FunctionDecl } from "../plugin.ts";
import { declarationProblems, installedProblems, signatureParams } from "./declaration-check.ts";

const fn = (over: Partial<FunctionDecl> = {}): FunctionDecl => ({
  signature: "greet.hello(name) -> string",
  description: "Says hello to someone",
  args: [{ name: "name", type: "text" }],
  returns: [{ type: "string" }],
  ...over,
});

const builtin = (over: Partial<Builtin> = {}): Builtin => ({
  name: "greet",
  description: "Greetings for the test",
  keywords: ["hello"],
  functions: { hello: fn() },
  install: () => ({}),
  ...over,
});

test("a complete declaration has no problems", () => {
  assert.deepEqual(declarationProblems([builtin()]), []);
});

test("missing return types, keywords and descriptions are reported", () => {
  assert.deepEqual(declarationProblems([builtin({ keywords: undefined, functions: { hello: fn({ returns: undefined }) } })]), [
    "greet: no keywords for assay context",
    "greet.hello: no return types (returns: [] when it returns nothing)",
  ]);
  assert.deepEqual(declarationProblems([builtin({ functions: { hello: fn({ description: "" }) } })]), ["greet.hello: no description"]);
});

test("the signature must name the function, show its arguments and show a result exactly when there is one", () => {
  assert.deepEqual(declarationProblems([builtin({ functions: { hello: fn({ signature: "hello(name) -> string" }) } })]), [
    'greet.hello: signature "hello(name) -> string" does not start with greet.hello(',
  ]);
  assert.deepEqual(declarationProblems([builtin({ functions: { hello: fn({ signature: "greet.hello(who, x) -> string" }) } })]), [
    "greet.hello: the signature shows 2 parameters, the declaration has 1",
    "greet.hello: argument 1 is name but the signature says who",
  ]);
  assert.deepEqual(declarationProblems([builtin({ functions: { hello: fn({ signature: "greet.hello(name)" }) } })]), [
    "greet.hello: the signature does not show a result but returns has 1",
  ]);
  assert.deepEqual(declarationProblems([builtin({ functions: { hello: fn({ args: [{ name: "end", type: "text" }], signature: "greet.hello(end) -> string" }) } })]), [
    'greet.hello: argument name "end" is not a Lua name',
  ]);
});

test("types must resolve to LuaCATS types or declared classes", () => {
  const undeclared = builtin({ functions: { hello: fn({ returns: [{ type: "greet.Card?" }] }) } });
  assert.deepEqual(declarationProblems([undeclared]), ["greet.hello: type greet.Card is not declared"]);
  const declared = builtin({ ...undeclared, classes: { "greet.Card": { description: "A card", fields: { text: { type: "string" } } } } });
  assert.deepEqual(declarationProblems([declared]), []);
  const misnamed = builtin({ classes: { "Card": { description: "A card" } } });
  assert.deepEqual(declarationProblems([misnamed]), ["Card: a class of greet must be named greet.<Name>"]);
  const fun = builtin({ functions: { hello: fn({ args: [{ name: "name", type: "function", luaType: "fun(card: greet.Nope): string" }] }) } });
  assert.deepEqual(declarationProblems([fun]), ["greet.hello: type greet.Nope is not declared"]);
});

test("what is installed but not declared is reported: functions, values, globals, a callable without a call", () => {
  const b = builtin({ values: { version: { type: "string", description: "the version" } } });
  assert.deepEqual(installedProblems([b], [{ name: "greet", type: "table", functions: ["hello"], values: ["version"] }]), []);
  assert.deepEqual(installedProblems([b], [{ name: "greet", type: "table", functions: ["hello", "shout"], values: ["version", "x"] }]), [
    "greet.shout: installed but not declared",
    "greet.x: a value installed but not declared",
  ]);
  assert.deepEqual(installedProblems([b], [{ name: "stray", type: "table", functions: [], values: [] }]), [
    "stray: a global installed but declared by no builtin",
  ]);
  const setsOne = builtin({ globals: { GREETED: { type: "integer", description: "how many were greeted" } } });
  assert.deepEqual(installedProblems([setsOne], [{ name: "GREETED", type: "other", functions: [], values: [] }]), []);
  assert.deepEqual(installedProblems([b], [{ name: "greet", type: "function", functions: ["hello"], values: [] }]), [
    "greet: the global is a function but its declaration says nothing of calling it",
  ]);
});

test("signature parameters split at top-level commas only", () => {
  assert.deepEqual(signatureParams("http.request({method=, url=}) -> resp"), ["{method=, url=}"]);
  assert.deepEqual(signatureParams("f() -> x"), []);
  assert.deepEqual(signatureParams("env.set(name, value|nil)"), ["name", "value|nil"]);
});
