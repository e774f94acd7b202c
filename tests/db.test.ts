/**
 * `db` against real servers (tests/db-servers.ts: PostgreSQL and MariaDB on free ports in temp
 * directories, with TLS) and SQLite: the engine contract script (tests/fixtures/db/engine.lua)
 * on each engine, each engine's types, TLS verification, pool sizes, the connect timeout
 * against a port that never answers, a PostgreSQL restart between queries, a cancelled
 * query, and the sandbox (server engines refused under `restricted`, `net`/`read`/`write`).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, ROOT, runAssay, type RunResult, tempDir, writeScript } from "./helpers.ts";
import "../builtins/index.ts";
import { testVm } from "../loader/test-vm.ts";
import { LUA_OK } from "../loader/lua-api.ts";
import { blackholePort, type DbServer, serverSkip, startMariaDB, startPostgres } from "./db-servers.ts";

const dir = tempDir("assay-db-");

function run(source: string, args: string[] = [], flags: string[] = [], timeoutMs = 60_000): RunResult {
  const script = writeScript(source, `db-${Math.random().toString(36).slice(2)}.lua`, dir);
  return runAssay([...flags, script, ...args], { timeoutMs });
}

/** The script's stdout lines; fails the test unless it exits 0. */
function lua(source: string, args: string[] = [], flags: string[] = []): string[] {
  const r = run(source, args, flags);
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

/** The error a script's pcall printed as its last line, without the script position. */
function luaError(call: string, args: string[] = [], flags: string[] = []): string {
  return lua(`print(select(2, pcall(function() ${call} end)))`, args, flags).at(-1)!.replace(/^[^:]*\.lua:\d+: /, "");
}

test("db engine contract on SQLite (in memory)", () => {
  const r = runAssay(["tests/fixtures/db/engine.lua", "sqlite::memory:"]);
  assert.equal(r.stdout.trimEnd().split("\n").at(-1), "ok: engine", r.stderr);
});

const TYPES: Record<"postgres" | "mariadb", { sql: string; expect: string[] }> = {
  postgres: {
    sql: `select 9223372036854775807::int8 as i8, 32767::int2 as i2, 2.0::float8 as f8, 1.5::float4 as f4,
      12.50::numeric as num, true as yes, false as no, null::text as nothing, 'héllo'::text as t,
      '\\xff00'::bytea as b, '{"a":[1,2],"b":{"c":1}}'::jsonb as jb, '[1,"x"]'::json as j,
      '2024-01-02 03:04:05.123456+02'::timestamptz as tz, '2024-01-02 03:04:05'::timestamp as ts,
      '2024-01-02'::date as d, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u,
      array[1,2,3]::int8[] as ai, array['x','y'] as at, array[1.5,2.0]::float8[] as af`,
    expect: [
      "af table 1.5,2.0", "ai table 1,2,3", "at table x,y", "b string ff00", "d string 2024-01-02", "f4 float 1.5",
      "f8 float 2.0", "i2 integer 32767", "i8 integer 9223372036854775807", 'j table 1,x', 'jb table {"a":[1,2],"b":{"c":1}}',
      "no boolean false", "num string 12.50", "t string héllo", "ts string 2024-01-02T03:04:05",
      "tz string 2024-01-02T01:04:05.123456Z", "u string a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "yes boolean true",
    ],
  },
  mariadb: {
    sql: `select 9223372036854775807 as i8, cast(32767 as signed) as i2, cast(2.0 as double) as f8,
      cast(12.50 as decimal(10,2)) as num, true as yes, null as nothing, 'héllo' as t, x'ff00' as b,
      cast('2024-01-02 03:04:05.123456' as datetime(6)) as ts, cast('2024-01-02' as date) as d`,
    expect: [
      "b string ff00", "d string 2024-01-02", "f8 float 2.0", "i2 integer 32767", "i8 integer 9223372036854775807",
      "num float 12.5", "t string héllo", "ts string 2024-01-02T03:04:05.123456", "yes integer 1",
    ],
  },
};

/** Prints each column of one row as `name type value` (tables: array items or JSON; bytes: hex). */
const SHOW_ROW = `
local row = db.query(db.connect(arg[1]), arg[2])[1]
local keys = {}
for k in pairs(row) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do
  local v = row[k]
  local shown = v
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = math.type(x) == "float" and string.format("%.1f", x) or tostring(x) end
    shown = #v > 0 and table.concat(parts, ",") or json.encode(v)
  elseif type(v) == "string" and not utf8.len(v) then
    shown = v:gsub(".", function(c) return string.format("%02x", c:byte()) end)
  end
  print(k, math.type(v) or type(v), tostring(shown))
end`;

for (const kind of ["postgres", "mariadb"] as const) {
  describe(`db ${kind}`, { skip: serverSkip(kind) }, () => {
    let server: DbServer;
    before(async () => {
      server = kind === "postgres" ? await startPostgres({ tls: true }) : await startMariaDB({ tls: true });
    });
    after(() => server?.stop());

    test(`db ${kind}: the engine contract`, () => {
      const r = runAssay(["tests/fixtures/db/engine.lua", server.url], { timeoutMs: 60_000 });
      assert.equal(r.stdout.trimEnd().split("\n").at(-1), "ok: engine", `${r.stdout}\n${r.stderr}`);
    });

    test(`db ${kind}: column types`, () => {
      const lines = lua(SHOW_ROW, [server.url, TYPES[kind].sql]).map((l) => l.replace(/\t/g, " "));
      assert.deepEqual(lines, TYPES[kind].expect);
    });

    test(`db ${kind}: TLS with verify-full and the CA; refused without it; require encrypts without verifying`, () => {
      const sep = server.url.includes("?") ? "&" : "?";
      const ssl = kind === "postgres" ? "select ssl::text as on from pg_stat_ssl where pid = pg_backend_pid()" : "show session status like 'Ssl_cipher'";
      const verified = lua(`local c = db.connect(arg[1]); local r = db.query(c, arg[2])[1]; print(r.on or (r.Value ~= "" and "true"))`,
        [`${server.url}${sep}sslmode=verify-full&sslrootcert=${server.caFile}`, ssl]);
      assert.deepEqual(verified, ["true"]);
      const refused = luaError(`db.connect(arg[1])`, [`${server.url}${sep}sslmode=verify-full`]);
      assert.match(refused, /^db\.connect: .*(certificate|self.signed)/i);
      assert.deepEqual(lua(`print(#db.query(db.connect(arg[1]), "select 1 as x"))`, [`${server.url}${sep}sslmode=require`]), ["1"]);
    });

    test(`db ${kind}: ?pool=N bounds the concurrent queries`, () => {
      const sleep = kind === "postgres" ? "select pg_sleep(0.4)" : "select sleep(0.4)";
      const script = `
        local c = db.connect(arg[1])
        local t0 = time()
        local tasks = {}
        for i = 1, 3 do tasks[i] = async.spawn(function() db.query(c, arg[2]) end) end
        for _, t in ipairs(tasks) do t:await() end
        print(string.format("%.1f", time() - t0))`;
      const sep = server.url.includes("?") ? "&" : "?";
      const serial = Number(lua(script, [`${server.url}${sep}pool=1`, sleep])[0]);
      const parallel = Number(lua(script, [`${server.url}${sep}pool=3`, sleep])[0]);
      assert.ok(serial >= 1.1, `pool=1: three 0.4 s queries one after another took ${serial} s`);
      assert.ok(parallel < 1.0, `pool=3: three 0.4 s queries side by side took ${parallel} s`);
    });

    test(`db ${kind}: a bad password is a clear db.connect error`, () => {
      const bad = server.url.replace(`:${server.password}@`, ":wrong@");
      const err = luaError(`db.connect(arg[1])`, [bad]);
      assert.match(err, /^db\.connect: .*(password authentication failed|Access denied)/);
      assert.ok(!err.includes("wrong"), `the password is not shown: ${err}`);
    });

    test(`db ${kind}: refused under restricted; --allow-net narrows pure to one server`, () => {
      assert.equal(luaError(`db.connect(arg[1])`, [server.url], ["--sandbox", "restricted"]),
        'db.connect: server databases are not available in sandbox profile "restricted"');
      assert.deepEqual(lua(`print(#db.query(db.connect(arg[1]), "select 1 as x"))`, [server.url], ["--sandbox", "pure", `--allow-net=127.0.0.1:${server.port}`]), ["1"]);
      const other = server.url.replace(`:${server.port}/`, ":9/");
      assert.equal(luaError(`db.connect(arg[1])`, [other], ["--sandbox", "pure", `--allow-net=127.0.0.1:${server.port}`]),
        `db.connect: net access to "127.0.0.1:9" denied by sandbox profile "pure" (grant with --allow-net=127.0.0.1:9)`);
    });

    test(`db ${kind}: a query whose task is cancelled (the VM stops) is stopped on the server`, async () => {
      const marker = `assay_cancel_${Date.now()}`;
      const sleepSql = kind === "postgres" ? `select pg_sleep(60) as ${marker}` : `select sleep(60) as ${marker}`;
      const activity = kind === "postgres"
        ? `select count(*) as n from pg_stat_activity where state = 'active' and query like '%${marker}%' and pid <> pg_backend_pid()`
        : `select count(*) as n from information_schema.processlist where info like '%${marker}%' and id <> connection_id()`;
      const watch = lua(`print(db.query(db.connect(arg[1]), arg[2])[1].n)`, [server.url, activity]);
      assert.deepEqual(watch, ["0"]);
      const vm = await testVm();
      const { api, L, scheduler } = vm;
      const source = `local c = db.connect(${JSON.stringify(server.url)}) db.query(c, ${JSON.stringify(sleepSql)})`;
      assert.equal(api.load(L, new TextEncoder().encode(source), "@cancel.lua", "t"), LUA_OK);
      const ran = scheduler.run(scheduler.spawn(L, 0, "main"));
      try {
        let running = "0";
        for (let i = 0; i < 100 && running === "0"; i++) {
          await pause(50);
          running = await luaAsync(`print(db.query(db.connect(arg[1]), arg[2])[1].n)`, [server.url, activity]);
        }
        assert.equal(running, "1", "the query reached the server");
        vm.stop();
        assert.equal((await ran).cancelled, true);
        let left = "1";
        for (let i = 0; i < 100 && left !== "0"; i++) {
          await pause(50);
          left = await luaAsync(`print(db.query(db.connect(arg[1]), arg[2])[1].n)`, [server.url, activity]);
        }
        assert.equal(left, "0", "the server stopped the query");
      } finally {
        vm.close();
      }
    });

    // Under Deno's node compatibility postgres.js throws an uncaught TypeError (socket.write on
    // the closed socket, from a setImmediate) when a transaction's connection dies; the binary
    // (Bun) runs this test.
    const denoPg = kind === "postgres" && process.env.ASSAY_FROM_SOURCE === "deno" &&
      "postgres.js under Deno crashes on a connection lost mid-transaction";
    test(`db ${kind}: a restart interrupts a transaction (no partial rows); later queries succeed`, { skip: denoPg }, async () => {
      const script = writeScript(`
        local c = db.connect(arg[1])
        db.execute(c, "drop table if exists restart_rows")
        db.execute(c, "create table restart_rows (v integer)")
        print("before", db.query(c, "select 1 as x")[1].x)
        local ok, err = pcall(db.transaction, c, function(tx)
          tx:execute("insert into restart_rows values (1)")
          io.write("ready\\n"); io.stdout:flush()
          io.read("l") -- the server restarts meanwhile
          tx:execute("insert into restart_rows values (2)")
        end)
        print("tx", ok and "committed" or "failed", ok and "" or err)
        local ok2, err2 = pcall(db.query, c, "select 2 as x")
        print("first", ok2 and "ok" or err2)
        print("next", db.query(c, "select 3 as x")[1].x)
        print("rows", #db.query(c, "select * from restart_rows"))
        print("tx2", db.transaction(c, function(tx) tx:execute("insert into restart_rows values (3)") return tx:query("select count(*) as n from restart_rows")[1].n end))`,
        `restart-${kind}.lua`, dir);
      const child = spawnAssay([script, server.url]);
      await child.waitFor("ready");
      await server.restart();
      child.write("go\n");
      const r = await child.done;
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n").filter((l) => l !== "ready");
      assert.equal(lines[0], "before\t1");
      assert.match(lines[1], /^tx\tfailed\t(\S+\.lua:\d+: )?(db\.transaction|tx:execute): .+/, lines[1]);
      assert.match(lines[2], /^first\t(ok|db\.query: .+)$/);
      assert.deepEqual(lines.slice(3), ["next\t3", "rows\t0", "tx2\t1"]);
    });
  });
}

test("db connect timeout: a server that never answers is a clear error, not a hang", async () => {
  const hole = await blackholePort();
  try {
    for (const scheme of ["postgres", "mysql"]) {
      const started = Date.now();
      const err = luaError(`db.connect(arg[1])`, [`${scheme}://u:p@127.0.0.1:${hole.port}/x?connect_timeout=1`]);
      const took = Date.now() - started;
      assert.match(err, new RegExp(`^db\\.connect: ${scheme}://127\\.0\\.0\\.1:${hole.port}: .*time`), err);
      assert.ok(took < 5000, `${scheme}: gave up after ${took} ms`);
    }
    const started = Date.now();
    const err = luaError(`db.connect(arg[1])`, [`postgres://u:p@127.0.0.1:${hole.port}/x`]);
    const took = Date.now() - started;
    assert.match(err, /time/, err);
    assert.ok(took >= 9000 && took < 13_000, `default timeout: gave up after ${took} ms`);
  } finally {
    await hole.close();
  }
});

test("db URL errors and server errors name the URL without its password", () => {
  assert.equal(luaError(`db.connect("redis://localhost")`),
    'db.connect: unknown database scheme "redis:" (expected postgres://, postgresql://, mysql://, mariadb:// or sqlite:)');
  assert.match(luaError(`db.connect("postgres://u:secret@127.0.0.1:9/x")`), /^db\.connect: postgres:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
  assert.equal(luaError(`db.connect("postgres://u@h/x?sslmode=bogus")`), 'db.connect: unsupported sslmode "bogus" (expected disable, require or verify-full)');
});

test("db under the sandbox: SQLite in restricted obeys read/write; pure has no db unless a flag grants", () => {
  const file = join(dir, "policy.db");
  lua(`db.close(db.connect(arg[1]))`, [`sqlite://${file}`]);
  assert.deepEqual(lua(`local c = db.connect("sqlite::memory:"); print(db.query(c, "select 1 as x")[1].x)`, [], ["--sandbox", "restricted"]), ["1"]);
  assert.equal(luaError(`db.connect(arg[1])`, [`sqlite://${file}`], ["--sandbox", "restricted"]),
    `db.connect: read access to "${file}" denied by sandbox profile "restricted" (grant with --allow-read=${file})`);
  assert.equal(luaError(`db.connect(arg[1])`, [`sqlite://${file}`], ["--sandbox", "restricted", `--allow-read=${file}`]),
    `db.connect: write access to "${file}" denied by sandbox profile "restricted" (grant with --allow-write=${file})`);
  assert.deepEqual(lua(`local c = db.connect(arg[1]); print(#db.query(c, "select 1"))`, [`sqlite://${file}?mode=ro`], ["--sandbox", "restricted", `--allow-read=${file}`]), ["1"]);
  assert.deepEqual(lua(`print(type(db))`, [], ["--sandbox", "pure"]), ["nil"]);
  assert.deepEqual(lua(`print(type(db), type(db.bytes))`, [], ["--sandbox", "pure", `--allow-read=${dir}`]), ["table\tfunction"]);
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `lua` without blocking this process's event loop (an in-process VM is running). */
async function luaAsync(source: string, args: string[]): Promise<string> {
  const script = writeScript(source, `db-${Math.random().toString(36).slice(2)}.lua`, dir);
  const r = await spawnAssay([script, ...args]).done;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test("db sqlite:relative.db is relative to the working directory, and the policy judges that file", () => {
  const cwd = tempDir("assay-db-cwd-");
  const script = writeScript(`local c = db.connect("sqlite:rel.db"); db.execute(c, "create table t (x)"); print("ok")`, "rel.lua", cwd);
  const denied = runAssay(["--sandbox", "restricted", script], { cwd });
  assert.match(denied.stderr, new RegExp(`db\\.connect: read access to "${cwd}/rel\\.db" denied`), denied.stderr);
  const r = runAssay(["--sandbox", "restricted", `--allow-read=${cwd}`, `--allow-write=${cwd}`, script], { cwd });
  assert.equal(r.stdout, "ok\n", r.stderr);
  assert.ok(existsSync(join(cwd, "rel.db")), "the file was made in the working directory");
});

/** assay running in the background, for tests that act while the script waits on stdin. */
function spawnAssay(args: string[]) {
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) stdout.includes(w.text) ? w.resolve() : waiters.push(w);
  });
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  done.then(() => clearTimeout(timer));
  return {
    done,
    write: (text: string) => child.stdin.write(text),
    waitFor: (text: string) => new Promise<void>((resolve) => stdout.includes(text) ? resolve() : waiters.push({ text, resolve })),
  };
}
