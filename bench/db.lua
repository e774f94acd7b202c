-- The db benchmark through `db`: insert N rows (default 10000) in one transaction, one
-- parameterized INSERT per row, then select them all back, timed apart; the median of R
-- rounds (default 5), each on a fresh table. The same work as bench/db-bare.ts does with the
-- drivers alone.
-- Usage: assay bench/db.lua URL [N] [R]   (sqlite::memory:, sqlite:FILE?mode=rwc, postgres://...)
local url = assert(arg[1], "usage: assay bench/db.lua URL [N] [R]")
local N = tonumber(arg[2] or "10000")
local ROUNDS = tonumber(arg[3] or "5")
local pg = url:match("^postgres") ~= nil
local insert_sql = pg and "INSERT INTO bench_rows (id, name, score) VALUES ($1, $2, $3)"
  or "INSERT INTO bench_rows (id, name, score) VALUES (?, ?, ?)"
local now = function() return time() * 1000 end

local conn = db.connect(url)
local inserts, selects = {}, {}
for _ = 1, ROUNDS do
  db.execute(conn, "DROP TABLE IF EXISTS bench_rows")
  db.execute(conn, "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL)")
  local t0 = now()
  db.transaction(conn, function(tx)
    for i = 1, N do tx:execute(insert_sql, { i, "row-" .. i, i * 0.5 }) end
  end)
  local t1 = now()
  local rows = db.query(conn, "SELECT id, name, score FROM bench_rows ORDER BY id")
  local t2 = now()
  local last = rows[N]
  assert(#rows == N and last.id == N and last.name == "row-" .. N and last.score == N * 0.5, "the rows came back wrong")
  inserts[#inserts + 1], selects[#selects + 1] = t1 - t0, t2 - t1
end
db.close(conn)
local function median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2]
end
print(string.format("%s db: %d rows, median of %d rounds: insert %.1f ms, select %.1f ms",
  pg and "postgres" or "sqlite", N, ROUNDS, median(inserts), median(selects)))
