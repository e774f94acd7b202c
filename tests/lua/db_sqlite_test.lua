-- db with SQLite (no server): URL forms, values as stored, file databases and pools, errors.
-- The engine-independent contract is tests/fixtures/db/engine.lua (run by tests/db.test.ts).
local lib = require("lib.testlib")
local dir = lib.scratch()

local function raises(prefix, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  err = tostring(err)
  assert(err:find(prefix, 1, true), ("expected %q in %q"):format(prefix, err))
  return err
end
local function is(v, mt, expected, what)
  local t = math.type(v) or type(v)
  assert(t == mt, ("%s: expected a %s, got %s %s"):format(what, mt, t, tostring(v)))
  if expected ~= nil then assert(v == expected, ("%s: expected %s, got %s"):format(what, tostring(expected), tostring(v))) end
end

-- values come back as stored: INTEGER, REAL (integral ones stay floats), TEXT, BLOB, NULL
local m = db.connect("sqlite::memory:")
local row = db.query(m, "select 1 as i, 2.0 as f, 2.5 as g, 'txt' as t, x'00ff' as b, null as n, 9223372036854775807 as big, true as yes")[1]
is(row.i, "integer", 1, "INTEGER")
is(row.f, "float", 2.0, "REAL 2.0")
is(row.g, "float", 2.5, "REAL 2.5")
is(row.t, "string", "txt", "TEXT")
assert(row.b == "\0\255", "BLOB")
assert(row.n == nil, "NULL")
is(row.big, "integer", math.maxinteger, "int64 max")
is(row.yes, "integer", 1, "SQLite TRUE is 1")
-- NUMERIC affinity: '12.50' is stored as the REAL 12.5; booleans bind as 1/0
db.execute(m, "create table n (v numeric, b boolean)")
db.execute(m, "insert into n values (?, ?)", { "12.50", false })
row = db.query(m, "select v, b, typeof(v) as tv from n")[1]
is(row.v, "float", 12.5, "NUMERIC '12.50'")
is(row.b, "integer", 0, "false")
assert(row.tv == "real")
-- a valid UTF-8 string binds as TEXT, invalid UTF-8 and db.bytes as BLOB
row = db.query(m, "select typeof(?) as a, typeof(?) as b, typeof(?) as c", { "é", "\255", db.bytes("é") })[1]
assert(row.a == "text" and row.b == "blob" and row.c == "blob", row.a .. row.b .. row.c)
-- text keeps NUL bytes both ways. Not from source under Deno: Deno's node:sqlite reads a TEXT
-- column as a C string, up to its first NUL (binding keeps them, hence n == 3 there too), and
-- assay cannot reach that conversion (README, "Running from source under Deno"). That branch
-- asserts the truncation, so a Deno that fixes it fails here and the branch can go.
row = db.query(m, "select ? as t, length(cast(? as blob)) as n, 'x' || char(0) || 'y' as lit", { "a\0b", "a\0b" })[1]
if os.getenv("ASSAY_FROM_SOURCE") == "deno" then
  assert(row.t == "a" and row.n == 3 and row.lit == "x",
    ("TEXT under Deno: expected it cut at the NUL, got %q: if Deno keeps it now, drop this branch"):format(row.t))
else
  assert(row.t == "a\0b" and row.n == 3 and row.lit == "x\0y", "text with NUL")
end
-- any column name is a key, __proto__ too
row = db.query(m, "select 1 as __proto__, 2 as constructor")[1]
assert(row.__proto__ == 1 and row.constructor == 2)
-- duplicate column names: the last one wins
assert(db.query(m, "select 1 as x, 2 as x")[1].x == 2)
-- each sqlite::memory: connection is its own database
local m2 = db.connect("sqlite::memory:")
raises("db.query: no such table: n", db.query, m2, "select * from n")
db.close(m2)

-- URL errors
raises('db.connect: unknown database scheme "redis:"', db.connect, "redis://localhost")
raises("db.connect: invalid database URL", db.connect, "not a url")
raises("db.connect: pool must be an integer from 1 to 100", db.connect, "sqlite:" .. dir .. "/p.db?pool=0")
raises("db.connect: an in-memory sqlite database has a pool of 1", db.connect, "sqlite::memory:?pool=2")
raises('db.connect: unsupported sqlite mode "x"', db.connect, "sqlite:" .. dir .. "/p.db?mode=x")
raises("db.connect: first argument must be a URL string", db.connect, 42)

-- file databases: sqlite:///abs, sqlite:relative, sqlite://path?mode=..., created when missing
local abs = dir .. "/state.db"
local f = db.connect("sqlite://" .. abs)
db.execute(f, "create table kv (k text primary key, v text)")
db.execute(f, "insert into kv values (?, ?)", { "a", "1" })
db.close(f)
local again = db.connect("sqlite:" .. abs .. "?mode=rw")
assert(db.query(again, "select v from kv where k = 'a'")[1].v == "1", "data persisted in the file")
db.close(again)
raises("db.connect: ", db.connect, "sqlite:" .. dir .. "/missing.db?mode=rw")
raises("db.connect: ", db.connect, "sqlite:" .. dir .. "/missing.db?mode=ro")
local ro = db.connect("sqlite://" .. abs .. "?mode=ro")
assert(#db.query(ro, "select * from kv") == 1)
raises("db.execute: attempt to write a readonly database", db.execute, ro, "insert into kv values ('b', '2')")
db.close(ro)

-- ?pool=N: a transaction holds one connection, other tasks use the others
local p = db.connect("sqlite://" .. abs .. "?pool=2")
local order = {}
local t = async.spawn(function()
  db.transaction(p, function(tx)
    tx:execute("insert into kv values ('t', 'x')")
    sleep(0.05)
    order[#order + 1] = "tx"
  end)
end)
local r = async.spawn(function()
  sleep(0.01)
  -- the second connection reads the last committed state while the transaction runs
  local n = #db.query(p, "select * from kv") -- before indexing `order`: the query yields
  order[#order + 1] = "read" .. n
end)
t:await(); r:await()
assert(table.concat(order, ",") == "read1,tx", table.concat(order, ","))
assert(#db.query(p, "select * from kv") == 2)
db.close(p)
-- with the default pool of 1 the other task waits for the transaction's end
local one = db.connect("sqlite://" .. abs)
order = {}
t = async.spawn(function()
  db.transaction(one, function(tx)
    tx:execute("delete from kv where k = 't'")
    sleep(0.05)
    order[#order + 1] = "tx"
  end)
end)
r = async.spawn(function()
  sleep(0.01)
  local n = #db.query(one, "select * from kv")
  order[#order + 1] = "read" .. n
end)
t:await(); r:await()
assert(table.concat(order, ",") == "tx,read1", table.concat(order, ","))
db.close(one)

-- an error caught inside the transaction does not end it; an uncaught one rolls back all of it
local e = db.connect("sqlite::memory:")
db.execute(e, "create table t (x integer)")
db.transaction(e, function(tx)
  tx:execute("insert into t values (1)")
  assert(not pcall(tx.execute, tx, "insert into nope values (1)"))
  tx:execute("insert into t values (2)")
end)
assert(#db.query(e, "select * from t") == 2, "caught error: the rest committed")
raises("inner", db.transaction, e, function(tx)
  tx:execute("insert into t values (3)")
  local ok, err = pcall(error, "inner")
  error(err, 0)
end)
assert(#db.query(e, "select * from t") == 2, "rolled back")
-- the pool itself from inside a transaction: with SQLite's pool of 1 that would wait for its own
-- commit, so it raises instead (and the transaction rolls back)
db.transaction(e, function(tx) tx:execute("delete from t") end)
raises("db.query: this task's transaction holds every connection of the pool (use tx:query inside db.transaction)",
  db.transaction, e, function(tx)
    tx:execute("insert into t values (9)")
    db.query(e, "select * from t")
  end)
assert(#db.query(e, "select * from t") == 0, "rolled back")
db.close(e)
