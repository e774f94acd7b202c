-- fs (builtins.md §6): contents are bytes end to end, listings, stat, glob, copy, rename,
-- tempdir, chmod and the error texts. Results are checked against Lua's own io and against
-- coreutils run through io.popen, never against fs itself. Atomic replacement, modes, the
-- sandbox and memory limits are checked from outside by tests/fs.test.ts.
local testlib = require("lib.testlib")
local S = testlib.scratch() .. "/fs"
assert(os.execute("mkdir -p '" .. S .. "'"))

local function fails(prefix, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  err = tostring(err)
  assert(err:sub(1, #prefix) == prefix, ("expected %q to start with %q"):format(err, prefix))
  return err
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function spit(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  assert(p:close(), "command failed: " .. cmd)
  return (out:gsub("\n$", ""))
end

local function sorted(t)
  table.sort(t)
  return t
end

local ALL = {}
for b = 0, 255 do ALL[#ALL + 1] = string.char(b) end
ALL = table.concat(ALL)

-- ---- read / write: any bytes, both pairs of functions --------------------------------------
do
  fs.write_bytes(S .. "/all.bin", ALL)
  assert(slurp(S .. "/all.bin") == ALL, "write_bytes wrote the 256 byte values")
  assert(fs.read_bytes(S .. "/all.bin") == ALL)
  assert(fs.read(S .. "/all.bin") == ALL, "fs.read is binary safe too (README §0 item 8)")
  fs.write(S .. "/all2.bin", ALL)
  assert(slurp(S .. "/all2.bin") == ALL, "fs.write takes any bytes")
  spit(S .. "/io.bin", ALL .. ALL)
  assert(fs.read(S .. "/io.bin") == ALL .. ALL, "fs.read reads what io wrote")

  -- empty files, files from /proc (stat says size 0) and one bigger than a read chunk
  fs.write(S .. "/empty", "")
  assert(fs.read(S .. "/empty") == "" and slurp(S .. "/empty") == "")
  local status = fs.read("/proc/self/status")
  assert(status:find("^Name:") and #status > 100, "a /proc file, whose stat size is 0, is read whole")
  local big = ALL:rep(40000) -- 10 MB, more than one read call
  fs.write(S .. "/big.bin", big)
  assert(sh("wc -c < '" .. S .. "/big.bin'") == tostring(#big))
  assert(fs.read(S .. "/big.bin") == big)
  big = nil

  -- writing replaces (truncates) what was there; numbers are written as their text (§0.3)
  fs.write(S .. "/short.txt", "a much longer first version")
  fs.write(S .. "/short.txt", "v2")
  assert(slurp(S .. "/short.txt") == "v2")
  fs.write(S .. "/n.txt", 42)
  assert(slurp(S .. "/n.txt") == "42")
  fs.write(S .. "/f.txt", 1.5)
  assert(slurp(S .. "/f.txt") == "1.5")

  -- missing parents are created, at any depth
  fs.write(S .. "/deep/er/still/x.txt", "deep")
  assert(slurp(S .. "/deep/er/still/x.txt") == "deep")
  fs.write_bytes(S .. "/deep2/y.bin", "\0\255")
  assert(slurp(S .. "/deep2/y.bin") == "\0\255")
  assert(sh("test -d '" .. S .. "/deep/er/still' && echo dir") == "dir")

  -- no temporary file is left beside what was written
  assert(sh("ls -A '" .. S .. "/deep/er/still'") == "x.txt")

  -- errors
  local p = S .. "/nope/missing.txt"
  assert(fails('fs.read: failed to read "' .. p .. '": ', fs.read, p):find("No such file or directory (os error 2)", 1, true))
  fails('fs.read_bytes: failed to read "' .. p .. '": No such file or directory', fs.read_bytes, p)
  fails('fs.read: failed to read "' .. S .. '": Is a directory', fs.read, S)
  fails('fs.write: failed to create directories for "' .. S .. '/short.txt/sub/x": ', fs.write, S .. "/short.txt/sub/x", "x")
  fails('fs.write_bytes: failed to create directories for "' .. S .. '/short.txt/y": ', fs.write_bytes, S .. "/short.txt/y", "x")
  fails('fs.write: failed to write "' .. S .. '/deep": Is a directory', fs.write, S .. "/deep", "x")
  fails('fs.write: failed to write "' .. S .. '/short.txt/": Is a directory', fs.write, S .. "/short.txt/", "x")
  fails('fs.write: failed to write "' .. S .. '/new.txt/": Is a directory', fs.write, S .. "/new.txt/", "x")
  assert(slurp(S .. "/short.txt") == "v2" and not io.open(S .. "/new.txt"))
  fails('fs.write: failed to write "/dev/full": No space left on device', fs.write, "/dev/full", "x")
  fails("fs.write: second argument must be a string", fs.write, S .. "/t.txt", {})
  fails("fs.write: second argument must be a string", fs.write, S .. "/t.txt", nil)
  fails("fs.read: first argument must be a path string", fs.read, nil)
  fails("fs.read: first argument must be a path string", fs.read, {})
  -- every path argument is read by the same rule, with its own function's name and position
  for _, name in ipairs({ "read_bytes", "write", "write_bytes", "remove", "list", "readdir", "stat", "mkdir", "exists", "copy", "rename", "chmod" }) do
    fails("fs." .. name .. ": first argument must be a path string", fs[name], nil, "x")
  end
  fails("fs.copy: second argument must be a path string", fs.copy, S .. "/t.txt", false)
  fails("fs.rename: second argument must be a path string", fs.rename, S .. "/t.txt", {})
  fails("fs.write_bytes: second argument must be a string", fs.write_bytes, S .. "/t.txt", nil)
  fails("fs.readdir: second argument must be a table or nil", fs.readdir, S, 5)
  assert(not io.open(S .. "/t.txt"), "a refused write creates nothing")
  -- quotes and control characters in a path are escaped in the message
  fails('fs.read: failed to read "' .. S .. '/a\\"b\\nc": ', fs.read, S .. '/a"b\nc')
  -- path bytes that are not UTF-8 are refused (the host would turn them into U+FFFD)
  fails('fs.read: path "' .. S .. '/\\xff" is not valid UTF-8 (only UTF-8 paths are supported)', fs.read, S .. "/\255")
  fails('fs.write: path "\\xc3(" is not valid UTF-8', fs.write, "\195(", "x")
  -- a NUL byte cannot be in a path
  fails('fs.read: failed to read "a\\u0000b": file name contained an unexpected NUL byte', fs.read, "a\0b")
  fails('fs.write: failed to write "' .. S .. '/a\\u0000b": file name contained an unexpected NUL byte', fs.write, S .. "/a\0b", "x")
  assert(fs.exists("a\0b") == false)
  -- devices are written in place, not replaced
  fs.write("/dev/null", "discarded")
  assert(sh("test -c /dev/null && echo char") == "char")
end

-- ---- remove ------------------------------------------------------------------------------
do
  local d = S .. "/rm"
  fs.write(d .. "/tree/a/b/c.txt", "c")
  fs.write(d .. "/file.txt", "f")
  fs.write(d .. "/target/keep.txt", "keep")
  assert(os.execute(("ln -s '%s/target' '%s/link' && ln -s '%s/target/keep.txt' '%s/flink'"):format(d, d, d, d)))
  fs.remove(d .. "/file.txt")
  assert(not io.open(d .. "/file.txt"))
  fs.remove(d .. "/tree")
  assert(sh("test -e '" .. d .. "/tree' || echo gone") == "gone", "a directory is removed recursively")
  fs.remove(d .. "/link")
  fs.remove(d .. "/flink")
  assert(sh("ls -A '" .. d .. "'") == "target", "symlinks are unlinked")
  assert(slurp(d .. "/target/keep.txt") == "keep", "the targets of removed symlinks stay")
  fails('fs.remove: failed to remove "' .. d .. '/missing": No such file or directory', fs.remove, d .. "/missing")
end

-- ---- list and readdir ----------------------------------------------------------------------
do
  local d = S .. "/ls"
  fs.write(d .. "/a.txt", "a")
  fs.write(d .. "/.hidden", "h")
  fs.write(d .. "/sub/b.txt", "bb")
  fs.write(d .. "/sub/deeper/c.txt", "ccc")
  fs.write(d .. "/outside/o.txt", "o")
  assert(os.execute(("ln -s '%s/outside' '%s/sub/dirlink' && ln -s '%s/a.txt' '%s/alink' && ln -s '%s/nowhere' '%s/broken'")
    :format(d, d, d, d, d, d)))

  local got = {}
  for _, e in ipairs(fs.list(d)) do
    assert(e.name and e.type, "entries have name and type")
    got[#got + 1] = e.name .. ":" .. e.type
  end
  -- the peer: the names as ls sees them, and the types as find reports them
  local peer = {}
  for line in sh("cd '" .. d .. "' && find . -mindepth 1 -maxdepth 1 -printf '%P:%y\\n'"):gmatch("[^\n]+") do
    peer[#peer + 1] = line:gsub(":d$", ":directory"):gsub(":f$", ":file"):gsub(":l$", ":symlink")
  end
  assert(table.concat(sorted(got), ",") == table.concat(sorted(peer), ","), table.concat(got, ",") .. " vs " .. table.concat(peer, ","))
  assert(#fs.list(d .. "/sub/deeper") == 1)
  -- a name that is not UTF-8 comes back with U+FFFD in place of the bad bytes (as the
  -- reference's to_string_lossy does)
  fs.mkdir(d .. "/lossy")
  assert(os.execute("touch '" .. d .. "/lossy/a'\"$(printf '\\377')\"'b'"))
  local lossy = fs.list(d .. "/lossy")
  assert(#lossy == 1 and lossy[1].name == "a\u{FFFD}b", lossy[1].name)
  assert(fs.glob(d .. "/lossy/a?b")[1] == d .. "/lossy/a\u{FFFD}b")
  fs.remove(d .. "/lossy")
  fails('fs.list: failed to list "' .. d .. '/none": No such file or directory', fs.list, d .. "/none")
  fails('fs.list: failed to list "' .. d .. '/a.txt": Not a directory', fs.list, d .. "/a.txt")

  -- readdir: pre-order, paths relative to the argument, symlinked directories not followed
  local entries = fs.readdir(d)
  local pos, types = {}, {}
  for i, e in ipairs(entries) do
    assert(e.name == nil, "readdir entries have no name field")
    pos[e.path], types[e.path] = i, e.type
  end
  local peerAll = {}
  for line in sh("cd '" .. d .. "' && find . -mindepth 1 -printf '%P\\n'"):gmatch("[^\n]+") do peerAll[#peerAll + 1] = line end
  local mine = {}
  for _, e in ipairs(entries) do mine[#mine + 1] = e.path end
  assert(table.concat(sorted(mine), ",") == table.concat(sorted(peerAll), ","), "readdir lists what find lists (links not followed)")
  assert(pos["sub"] < pos["sub/b.txt"] and pos["sub"] < pos["sub/deeper"] and pos["sub/deeper"] < pos["sub/deeper/c.txt"], "pre-order")
  assert(types["sub"] == "directory" and types["sub/dirlink"] == "symlink" and types["sub/deeper/c.txt"] == "file")
  assert(types["broken"] == "symlink" and pos["sub/dirlink/o.txt"] == nil)

  local function paths(opts)
    local out = {}
    for _, e in ipairs(fs.readdir(d, opts)) do out[#out + 1] = e.path end
    return table.concat(sorted(out), ",")
  end
  local depth1 = ".hidden,a.txt,alink,broken,outside,sub"
  assert(paths({ depth = 1 }) == depth1, paths({ depth = 1 }))
  assert(paths({ depth = 0 }) == depth1, "depth 0 lists direct children, as the reference does")
  assert(paths({ depth = 2 }) == ".hidden,a.txt,alink,broken,outside,outside/o.txt,sub,sub/b.txt,sub/deeper,sub/dirlink", paths({ depth = 2 }))
  assert(paths({ depth = 3 }) == paths(nil) and paths({}) == paths(nil))
  -- a trailing slash on the argument changes nothing in the relative paths
  assert(paths(nil) == (function()
    local out = {}
    for _, e in ipairs(fs.readdir(d .. "/")) do out[#out + 1] = e.path end
    return table.concat(sorted(out), ",")
  end)())
  fails("fs.readdir: opts.depth must be a non-negative integer, got -1", fs.readdir, d, { depth = -1 })
  fails("fs.readdir: opts.depth must be a non-negative integer, got 1.5", fs.readdir, d, { depth = 1.5 })
  fails("fs.readdir: opts.depth must be a number", fs.readdir, d, { depth = "x" })
  fails('fs.readdir: failed to read "' .. d .. '/none": No such file or directory', fs.readdir, d .. "/none")
end

-- ---- stat, exists, mkdir -----------------------------------------------------------------
do
  local d = S .. "/st"
  fs.write(d .. "/f.txt", "12345")
  assert(os.execute(("ln -s '%s/f.txt' '%s/link' && ln -s '%s/gone' '%s/broken' && touch -d '2001-02-03 04:05:06.25 UTC' '%s/f.txt'")
    :format(d, d, d, d, d)))
  local st = fs.stat(d .. "/f.txt")
  assert(st.size == 5 and math.type(st.size) == "integer")
  assert(st.is_file == true and st.is_dir == false and st.is_symlink == false)
  assert(st.modified == 981173106.25 and math.type(st.modified) == "float", tostring(st.modified))
  assert(st.type == nil and st.permissions == nil, "no type or permissions fields")
  if st.created then assert(math.type(st.created) == "float" and st.created > 0) end
  local ls = fs.stat(d .. "/link")
  assert(ls.is_file and ls.is_symlink and ls.size == 5, "stat follows a symlink; is_symlink looks at the link")
  local ds = fs.stat(d)
  assert(ds.is_dir and not ds.is_file and not ds.is_symlink)
  assert(tonumber(sh("stat -c %Y '" .. d .. "'")) == math.floor(ds.modified))
  fails('fs.stat: failed to stat "' .. d .. '/broken": No such file or directory', fs.stat, d .. "/broken")
  fails('fs.stat: failed to stat "' .. d .. '/none": No such file or directory', fs.stat, d .. "/none")

  assert(fs.exists(d .. "/f.txt") == true and fs.exists(d) == true and fs.exists(d .. "/link") == true)
  assert(fs.exists(d .. "/none") == false and fs.exists(d .. "/broken") == false, "a broken link does not exist")
  assert(fs.exists(d .. "/f.txt/x") == false and fs.exists("") == false, "exists never raises for a path")

  fs.mkdir(d .. "/m/n/o")
  assert(sh("test -d '" .. d .. "/m/n/o' && echo dir") == "dir")
  fs.mkdir(d .. "/m/n/o")
  fs.mkdir(d .. "/m")
  fails('fs.mkdir: failed to create "' .. d .. '/f.txt": File exists', fs.mkdir, d .. "/f.txt")
  fails('fs.mkdir: failed to create "' .. d .. '/f.txt/sub": Not a directory', fs.mkdir, d .. "/f.txt/sub")
end

-- ---- copy and rename ----------------------------------------------------------------------
do
  local d = S .. "/cp"
  fs.write(d .. "/src.bin", ALL)
  assert(os.execute("chmod 751 '" .. d .. "/src.bin'"))
  local n = fs.copy(d .. "/src.bin", d .. "/dst.bin")
  assert(n == 256 and math.type(n) == "integer")
  assert(slurp(d .. "/dst.bin") == ALL)
  assert(sh("stat -c %a '" .. d .. "/dst.bin'") == "751", "permissions are copied")
  fs.write(d .. "/dst.bin", "old and longer than the new contents")
  assert(fs.copy(d .. "/src.bin", d .. "/dst.bin") == 256, "copy replaces an existing file")
  assert(slurp(d .. "/dst.bin") == ALL)
  assert(fs.copy(d .. "/src.bin", d .. "/src.bin") == 256 and slurp(d .. "/src.bin") == ALL, "copying a file onto itself keeps it")
  fs.write(d .. "/empty", "")
  assert(fs.copy(d .. "/empty", d .. "/empty2") == 0 and slurp(d .. "/empty2") == "")
  fails('fs.copy: failed to copy "' .. d .. '/none" to "' .. d .. '/x": No such file or directory', fs.copy, d .. "/none", d .. "/x")
  fails('fs.copy: failed to copy "' .. d .. '/src.bin" to "' .. d .. '/no/dir/x": No such file or directory', fs.copy, d .. "/src.bin", d .. "/no/dir/x")
  fails('fs.copy: failed to copy "' .. d .. '" to "' .. d .. '/x": the source path is neither a regular file', fs.copy, d, d .. "/x")
  assert(sh("ls -A '" .. d .. "'") == "dst.bin\nempty\nempty2\nsrc.bin", "failed copies leave nothing behind")

  fs.rename(d .. "/dst.bin", d .. "/moved.bin")
  assert(not io.open(d .. "/dst.bin") and slurp(d .. "/moved.bin") == ALL)
  fs.mkdir(d .. "/dir/inner")
  fs.rename(d .. "/dir", d .. "/dir2")
  assert(sh("test -d '" .. d .. "/dir2/inner' && echo dir") == "dir")
  assert(os.execute(("ln -s '%s/moved.bin' '%s/lnk'"):format(d, d)))
  fs.rename(d .. "/lnk", d .. "/lnk2")
  assert(sh("readlink '" .. d .. "/lnk2'") == d .. "/moved.bin", "rename moves a symlink itself")
  fails('fs.rename: failed to rename "' .. d .. '/none" to "' .. d .. '/x": No such file or directory', fs.rename, d .. "/none", d .. "/x")
  fails('fs.rename: failed to rename "' .. d .. '/moved.bin" to "' .. d .. '/dir2": Is a directory', fs.rename, d .. "/moved.bin", d .. "/dir2")
end

-- ---- glob --------------------------------------------------------------------------------
do
  local d = S .. "/gl"
  for _, f in ipairs({ "b.txt", "a.txt", "A.txt", "c.lua", ".h.txt", "sub/x.txt", "sub/y.lua", "sub/deep/z.txt",
    "sub/deep/w.txt", "zz/q.txt", "file1", "file2", "file10", "filex" }) do
    fs.write(d .. "/" .. f, f)
  end
  fs.mkdir(d .. "/emptydir")
  assert(os.execute(("ln -s '%s/sub' '%s/sublink'"):format(d, d)))
  local function g(p) return table.concat(fs.glob(p), ",") end
  -- `*` matches dot files too (the crate's default), results sorted in byte order
  assert(g(d .. "/*.txt") == ("%s/.h.txt,%s/A.txt,%s/a.txt,%s/b.txt"):format(d, d, d, d), g(d .. "/*.txt"))
  assert(g(d .. "/file?") == ("%s/file1,%s/file2,%s/filex"):format(d, d, d))
  assert(g(d .. "/file[0-9]") == ("%s/file1,%s/file2"):format(d, d))
  assert(g(d .. "/file[!0-9]") == d .. "/filex")
  assert(g(d .. "/file[12]*") == ("%s/file1,%s/file10,%s/file2"):format(d, d, d))
  assert(g(d .. "/[]ab]*.txt") == ("%s/a.txt,%s/b.txt"):format(d, d))
  -- `**`: any depth, zero included; sorted within each directory, depth first; links not descended
  local rec = fs.glob(d .. "/**/*.txt")
  assert(table.concat(rec, ",") == table.concat({
    d .. "/.h.txt", d .. "/A.txt", d .. "/a.txt", d .. "/b.txt",
    d .. "/sub/deep/w.txt", d .. "/sub/deep/z.txt", d .. "/sub/x.txt", d .. "/zz/q.txt" }, ","), table.concat(rec, ","))
  -- a later component does look inside a symlinked directory
  assert(g(d .. "/*/x.txt") == ("%s/sub/x.txt,%s/sublink/x.txt"):format(d, d))
  -- a pattern ending in `/` matches directories only; `dir/**` gives the directories below
  assert(g(d .. "/*/") == ("%s/emptydir,%s/sub,%s/sublink,%s/zz"):format(d, d, d, d), g(d .. "/*/"))
  assert(g(d .. "/sub/**") == d .. "/sub/deep", g(d .. "/sub/**"))
  assert(g(d .. "/nothing*") == "" and #fs.glob(d .. "/none/*") == 0, "no match gives an empty table")
  assert(g(d .. "/sub/x.txt") == d .. "/sub/x.txt" and g(d .. "/sub/none.txt") == "")
  -- invalid patterns
  fails('fs.glob: invalid pattern "a**": Pattern syntax error near position 0: recursive wildcards must form a single path component', fs.glob, "a**")
  fails('fs.glob: invalid pattern "**a": Pattern syntax error near position 2: recursive wildcards', fs.glob, "**a")
  fails('fs.glob: invalid pattern "a/***": Pattern syntax error near position 4: wildcards are either regular `*` or recursive `**`', fs.glob, "a/***")
  fails('fs.glob: invalid pattern "x[a": Pattern syntax error near position 1: invalid range pattern', fs.glob, "x[a")
  fails('fs.glob: invalid pattern "[!]": ', fs.glob, "[!]")
  fails("fs.glob: first argument must be a pattern string", fs.glob, nil)
end

-- ---- tempdir and chmod ------------------------------------------------------------------
do
  local a, b = fs.tempdir(), fs.tempdir()
  local tmp = os.getenv("TMPDIR") or "/tmp"
  tmp = tmp:gsub("/$", "")
  assert(a:match("^" .. tmp:gsub("%p", "%%%0") .. "/assay%-%x+%-%d+$"), a)
  assert(a ~= b)
  assert(sh("stat -c '%F %a' '" .. a .. "'") == "directory 700")
  assert(sh("ls -A '" .. a .. "' | wc -l") == "0")
  fs.remove(a)
  fs.remove(b)

  local f = S .. "/mode.txt"
  fs.write(f, "m")
  local function mode() return sh("stat -c %a '" .. f .. "'") end
  fs.chmod(f, tonumber("755", 8))
  assert(mode() == "755")
  fs.chmod(f, 384) -- 0600
  assert(mode() == "600")
  fs.chmod(f, "420") -- a decimal string, as the reference reads it: 0644
  assert(mode() == "644")
  fs.chmod(f, " 0x1ed ") -- Lua's own string-to-integer conversion: 0755
  assert(mode() == "755")
  fs.chmod(f, tonumber("4750", 8))
  assert(mode() == "4750", "setuid and friends are settable")
  fails("fs.chmod: second argument must be an integer", fs.chmod, f, 493.0)
  fails("fs.chmod: second argument must be an integer", fs.chmod, f, "rwx")
  fails("fs.chmod: second argument must be an integer", fs.chmod, f, "4.5")
  fails("fs.chmod: second argument must be an integer", fs.chmod, f, nil)
  fails("fs.chmod: invalid mode 4096", fs.chmod, f, 4096)
  fails("fs.chmod: invalid mode -1", fs.chmod, f, -1)
  assert(mode() == "4750", "refused modes change nothing")
  fails('fs.chmod: failed to chmod "' .. S .. '/none": No such file or directory', fs.chmod, S .. "/none", 420)
end

-- ---- every fs function is async: a table.sort comparator cannot call one -----------------
do
  local ok, err = pcall(table.sort, { 1, 2, 3 }, function(a, b)
    fs.exists("/")
    return a < b
  end)
  assert(not ok and tostring(err):find("attempt to yield across a C-call boundary", 1, true), tostring(err))
end

-- ---- off the Lua thread: another task runs while a large file is copied -----------------
do
  local big = S .. "/big64"
  assert(os.execute("head -c 67108864 /dev/zero > '" .. big .. "'"))
  local ticks, done = 0, false
  local h = async.spawn(function()
    while not done do
      ticks = ticks + 1
      sleep(0.001)
    end
  end)
  assert(fs.copy(big, big .. ".copy") == 67108864)
  done = true
  h:await()
  assert(ticks > 0, "the spawned task ran while fs.copy worked")
  assert(sh("cmp '" .. big .. "' '" .. big .. ".copy' && echo same") == "same")
  fs.remove(big)
  fs.remove(big .. ".copy")
end

-- a name starting with U+FEFF names that file (a byte order mark is not dropped from a path)
do
  local dir = fs.tempdir()
  local bom = dir .. "/\u{FEFF}a.txt"
  fs.write(bom, "with mark")
  assert(not fs.exists(dir .. "/a.txt"), "the mark must stay in the name")
  assert(fs.read(bom) == "with mark")
  local names = {}
  for _, e in ipairs(fs.list(dir)) do names[#names + 1] = e.name end
  assert(#names == 1 and names[1] == "\u{FEFF}a.txt", names[1])
  fs.remove(dir)
end
