/** Command-line parsing on its own: forms, flag placement, values, usage errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ExecWithoutCode, parseArgs, parseBytes, parseSeconds, UsageError } from "./cli-args.ts";
import { effectiveTimeout, RESTRICTED_TIMEOUT } from "./limits.ts";

test("no arguments asks for the REPL (main.ts prints the help with exit 1 off a terminal); --help/-h the help with 0", () => {
  assert.deepEqual(parseArgs([]).command, { kind: "repl" });
  assert.deepEqual(parseArgs(["--sandbox", "pure"]).command, { kind: "repl" });
  assert.deepEqual(parseArgs(["--help"]).command, { kind: "help", exitCode: 0 });
  assert.deepEqual(parseArgs(["-h"]).command, { kind: "help", exitCode: 0 });
  assert.deepEqual(parseArgs(["-v", "--help", "x.lua"]).command, { kind: "help", exitCode: 0 });
  assert.deepEqual(parseArgs(["-V"]).command, { kind: "version" });
  assert.deepEqual(parseArgs(["--version"]).command, { kind: "version" });
});

test("the bare form and run: script and arguments, -- dropped after run's file", () => {
  assert.deepEqual(parseArgs(["x.lua", "a", "-b"]).command, { kind: "script", file: "x.lua", args: ["a", "-b"] });
  assert.deepEqual(parseArgs(["run", "x.lua", "--", "-v", "c"]).command, { kind: "script", file: "x.lua", args: ["-v", "c"] });
  assert.deepEqual(parseArgs(["run", "x.lua", "a", "--", "b"]).command, { kind: "script", file: "x.lua", args: ["a", "--", "b"] });
  // A -- before the script ends the flags: the next word is the script even if it looks like a flag.
  assert.deepEqual(parseArgs(["--", "-x.lua", "1"]).command, { kind: "script", file: "-x.lua", args: ["1"] });
  assert.deepEqual(parseArgs(["--", "run"]).command, { kind: "script", file: "run", args: [] });
  assert.deepEqual(parseArgs(["-"]).command, { kind: "script", file: "-", args: [] });
});

test("flags count only before the script", () => {
  const { options, command } = parseArgs(["-v", "x.lua", "-v", "--sandbox=pure", "--bogus"]);
  assert.equal(options.verbose, true);
  assert.equal(options.profile, "full");
  assert.deepEqual(command, { kind: "script", file: "x.lua", args: ["-v", "--sandbox=pure", "--bogus"] });
  assert.equal(parseArgs(["x.lua", "--help"]).command.kind, "script");
  assert.equal(parseArgs(["x.lua"]).options.verbose, false);
});

test("global flags may follow run and exec, before their file or -e", () => {
  const run = parseArgs(["run", "--sandbox", "restricted", "--timeout=5", "x.lua", "--timeout=9"]);
  assert.equal(run.options.profile, "restricted");
  assert.equal(run.options.timeout, 5);
  assert.deepEqual(run.command, { kind: "script", file: "x.lua", args: ["--timeout=9"] });
  const exec = parseArgs(["exec", "-v", "--memory-limit", "1M", "-e", "print(...)", "a", "b"]);
  assert.equal(exec.options.verbose, true);
  assert.equal(exec.options.memoryLimit, 1024 * 1024);
  assert.deepEqual(exec.command, { kind: "eval", code: "print(...)", args: ["a", "b"] });
  assert.deepEqual(parseArgs(["run", "--help"]).command, { kind: "help", exitCode: 0 });
  assert.deepEqual(parseArgs(["exec", "-h"]).command, { kind: "help", exitCode: 0 });
});

test("exec: -e, --eval, --eval=, a file of any extension; neither is ExecWithoutCode", () => {
  assert.deepEqual(parseArgs(["exec", "-e", "x()", "--", "-a"]).command, { kind: "eval", code: "x()", args: ["-a"] });
  assert.deepEqual(parseArgs(["exec", "--eval", "x()"]).command, { kind: "eval", code: "x()", args: [] });
  assert.deepEqual(parseArgs(["exec", "--eval=x()", "q"]).command, { kind: "eval", code: "x()", args: ["q"] });
  assert.deepEqual(parseArgs(["exec", "job.txt", "1"]).command, { kind: "script", file: "job.txt", args: ["1"], anyExtension: true });
  assert.throws(() => parseArgs(["exec"]), ExecWithoutCode);
  assert.throws(() => parseArgs(["exec", "-e"]), UsageError);
});

test("-e CODE [args] is exec -e CODE [args], with global flags before it", () => {
  assert.deepEqual(parseArgs(["-e", "print(...)", "a", "-b"]).command, { kind: "eval", code: "print(...)", args: ["a", "-b"] });
  assert.deepEqual(parseArgs(["--eval=x()", "q"]).command, { kind: "eval", code: "x()", args: ["q"] });
  const flagged = parseArgs(["--sandbox", "pure", "-v", "-e", "x()", "--", "-a"]);
  assert.equal(flagged.options.profile, "pure");
  assert.equal(flagged.options.verbose, true);
  assert.deepEqual(flagged.command, { kind: "eval", code: "x()", args: ["-a"] });
  assert.throws(() => parseArgs(["-e"]), UsageError);
  // After --, -e is a script's name like any other word.
  assert.deepEqual(parseArgs(["--", "-e"]).command, { kind: "script", file: "-e", args: [] });
});

test("subcommands: context with -l/--limit, modules", () => {
  assert.deepEqual(parseArgs(["context", "grafana", "alerts", "-l", "3"]).command, { kind: "context", query: "grafana alerts", limit: 3 });
  assert.deepEqual(parseArgs(["context", "--limit", "7", "k8s"]).command, { kind: "context", query: "k8s", limit: 7 });
  assert.deepEqual(parseArgs(["context", "x"]).command, { kind: "context", query: "x", limit: 5 });
  assert.deepEqual(parseArgs(["modules"]).command, { kind: "modules", json: false });
  assert.deepEqual(parseArgs(["modules", "--json"]).command, { kind: "modules", json: true });
  assert.deepEqual(parseArgs(["context", "--limit=2", "db"]).command, { kind: "context", query: "db", limit: 2 });
  assert.throws(() => parseArgs(["context", "--json", "x"]), /unknown flag --json for context/);
  assert.deepEqual(parseArgs(["context", "-l", "1", "--", "-x", "-l"]).command, { kind: "context", query: "-x -l", limit: 1 });
  assert.deepEqual(parseArgs(["types"]).command, { kind: "types", dir: undefined });
  assert.deepEqual(parseArgs(["types", "editor/types"]).command, { kind: "types", dir: "editor/types" });
  assert.throws(() => parseArgs(["types", "a", "b"]), /unexpected argument "b" for types/);
  assert.throws(() => parseArgs(["types", "--bogus"]), /unknown flag --bogus for types/);
  assert.throws(() => parseArgs(["context"]), /context requires a query/);
  assert.throws(() => parseArgs(["context", "x", "-l", "many"]), /invalid -l value/);
  assert.throws(() => parseArgs(["modules", "x"]), /unexpected argument "x" for modules/);
});

test("--sandbox always takes a profile name", () => {
  assert.equal(parseArgs(["--sandbox", "pure", "x.lua"]).options.profile, "pure");
  assert.equal(parseArgs(["--sandbox=restricted", "x.lua"]).options.profile, "restricted");
  assert.throws(() => parseArgs(["--sandbox", "x.lua"]), /unknown sandbox profile "x.lua" \(expected full, restricted, pure\)/);
  assert.throws(() => parseArgs(["--sandbox"]), /--sandbox needs a value/);
});

test("--allow-*/--deny-*: lists accumulate, a bare flag grants everything", () => {
  const { options } = parseArgs([
    "--allow-read=/a,/b",
    "--allow-read=/c",
    "--allow-net",
    "--allow-net=example.com",
    "--deny-run=rm",
    "--allow-env=HOME",
    "--allow-write",
    "--allow-listen=8080",
    "x.lua",
  ]);
  assert.deepEqual(options.allow, { read: ["/a", "/b", "/c"], net: true, env: ["HOME"], write: true, listen: ["8080"] });
  assert.deepEqual(options.deny, { run: ["rm"] });
  assert.throws(() => parseArgs(["--allow-read=", "x.lua"]), /--allow-read= needs at least one entry/);
  assert.throws(() => parseArgs(["--deny-net=,", "x.lua"]), /--deny-net= needs at least one entry/);
  assert.throws(() => parseArgs(["--allow-timer", "x.lua"]), /unknown flag --allow-timer/);
  assert.throws(() => parseArgs(["--allow", "x.lua"]), /unknown flag --allow/);
  assert.throws(() => parseArgs(["--deny-all", "x.lua"]), /unknown flag --deny-all/);
});

test("--memory-limit takes bytes or a K/M/G suffix", () => {
  assert.equal(parseBytes("1048576"), 1048576);
  assert.equal(parseBytes("512K"), 512 * 1024);
  assert.equal(parseBytes("8M"), 8 * 1024 * 1024);
  assert.equal(parseBytes("8m"), 8 * 1024 * 1024);
  assert.equal(parseBytes("8MiB"), 8 * 1024 * 1024);
  assert.equal(parseBytes("1G"), 1024 ** 3);
  assert.equal(parseBytes("1.5M"), 1.5 * 1024 * 1024);
  for (const bad of ["", "abc", "0", "-1", "12X", "M", "1e6"]) {
    assert.throws(() => parseBytes(bad), UsageError, bad);
  }
  assert.equal(parseArgs(["--memory-limit=64M", "x.lua"]).options.memoryLimit, 64 * 1024 * 1024);
});

test("--timeout takes seconds > 0; restricted defaults to 60 s, full and pure to none", () => {
  assert.equal(parseSeconds("5"), 5);
  assert.equal(parseSeconds("0.5"), 0.5);
  for (const bad of ["", "0", "-1", "soon", "1e3", "5s"]) assert.throws(() => parseSeconds(bad), UsageError, bad);
  assert.equal(parseArgs(["--timeout", "3", "x.lua"]).options.timeout, 3);
  assert.equal(RESTRICTED_TIMEOUT, 60);
  assert.equal(effectiveTimeout("restricted", undefined), 60);
  assert.equal(effectiveTimeout("restricted", 5), 5);
  assert.equal(effectiveTimeout("full", undefined), undefined);
  assert.equal(effectiveTimeout("pure", undefined), undefined);
  assert.equal(effectiveTimeout("full", 2), 2);
});

test("--log-format text|json, -v takes no value, unknown flags are usage errors", () => {
  assert.equal(parseArgs(["x.lua"]).options.logFormat, "text");
  assert.equal(parseArgs(["--log-format", "json", "x.lua"]).options.logFormat, "json");
  assert.equal(parseArgs(["--log-format=text", "x.lua"]).options.logFormat, "text");
  assert.throws(() => parseArgs(["--log-format=xml", "x.lua"]), /invalid --log-format "xml"/);
  assert.throws(() => parseArgs(["--log-format"]), /--log-format needs a value/);
  assert.throws(() => parseArgs(["-v=1", "x.lua"]), /-v takes no value/);
  assert.throws(() => parseArgs(["-x", "x.lua"]), /unknown flag -x/);
  assert.throws(() => parseArgs(["run"]), /run requires a file/);
});
