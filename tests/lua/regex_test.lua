-- regex.match / find / find_all / replace (builtins.md §8): Rust regex-lite syntax, argument
-- order (text, pattern), holes in groups, the replacement syntax, bytes, errors, linear time.
-- Expected values follow regex-lite 0.1.9 (checked against the crate itself).
local t = require("lib.testlib")

local function list(tbl) return table.concat(tbl, "|") end
local function invalid(fn, detail) return ("regex.%s: invalid pattern: %s"):format(fn, detail) end

-- ---- match --------------------------------------------------------------------------------
assert(regex.match("hello 123", "\\d+") == true)
assert(regex.match("hello", "\\d") == false)
assert(regex.match("", "") == true)
assert(regex.match("abc", "b") == true, "a match anywhere, not only at the start")
assert(regex.match("pattern", "text") == false, "the subject comes first")
assert(regex.match(12345, "^\\d+$") == true, "numbers are strings (§0.3)")
assert(regex.match("x1.5", 1.5) == true)

-- ---- find ---------------------------------------------------------------------------------
local r = regex.find("key=value; k2=v2", "(\\w+)=(\\w+)")
assert(r.match == "key=value" and r.groups[1] == "key" and r.groups[2] == "value")
r = regex.find("abc", "b")
assert(r.match == "b" and type(r.groups) == "table" and next(r.groups) == nil)
t.same({ nil }, regex.find("abc", "x"))
assert(select("#", regex.find("abc", "x")) == 1, "no match is one nil")
-- groups that did not take part are holes
r = regex.find("b", "(a)|(b)")
assert(r.match == "b" and r.groups[1] == nil and r.groups[2] == "b")
r = regex.find("ac", "(a)(b)?(c)")
assert(r.groups[1] == "a" and r.groups[2] == nil and r.groups[3] == "c")
-- an empty group is not a hole
r = regex.find("ac", "a(b*)c")
assert(r.groups[1] == "")
-- named groups are numbered only
r = regex.find("2024-05", "(?P<year>\\d+)-(?<month>\\d+)")
assert(r.groups[1] == "2024" and r.groups[2] == "05" and r.groups.year == nil and r.groups.month == nil)
-- leftmost-first: the first alternative that matches wins
assert(regex.find("samwise", "sam|samwise").match == "sam")
assert(regex.find("samwise", "samwise|sam").match == "samwise")

-- ---- find_all -----------------------------------------------------------------------------
assert(list(regex.find_all("a1b22c333", "\\d+")) == "1|22|333")
local none = regex.find_all("abc", "\\d")
assert(type(none) == "table" and next(none) == nil)
-- empty matches: none right after a match, none inside a character
assert(list(regex.find_all("baaab", "a*")) == "|aaa|")
assert(#regex.find_all("baaab", "a*") == 3)
assert(#regex.find_all("δ", "") == 2)
assert(#regex.find_all("abc", "") == 4)
assert(#regex.find_all("aaa", "a*?") == 4 and regex.find_all("aaa", "a*?")[4] == "")

-- ---- replace ------------------------------------------------------------------------------
assert(regex.replace("a1b2c3", "\\d", "#") == "a#b#c#", "every match")
assert(regex.replace("abc", "x", "y") == "abc")
assert(regex.replace("abc", "", "-") == "-a-b-c-")
assert(regex.replace("John Smith", "(\\w+) (\\w+)", "$2, $1") == "Smith, John")
assert(regex.replace("John Smith", "(?P<first>\\w+) (?P<last>\\w+)", "$last, $first") == "Smith, John")
assert(regex.replace("John Smith", "(?<first>\\w+) (?<last>\\w+)", "${last}_${first}") == "Smith_John")
assert(regex.replace("abc", "b", "[$0]") == "a[b]c")
assert(regex.replace("abc", "(b)", "$1a") == "ac", "$1a is the group named 1a: empty")
assert(regex.replace("abc", "(b)", "${1}a") == "abac")
assert(regex.replace("abc", "(b)", "$$1") == "a$1c")
assert(regex.replace("abc", "(b)", "$$") == "a$c")
assert(regex.replace("abc", "(b)", "$9") == "ac", "a group that does not exist is empty")
assert(regex.replace("abc", "(b)", "$nope") == "ac")
assert(regex.replace("b", "(a)|(b)", "<$1|$2>") == "<|b>", "a group that did not take part is empty")
assert(regex.replace("abc", "b", "$") == "a$c", "a lone $ is literal")
assert(regex.replace("abc", "b", "x$") == "ax$c")
assert(regex.replace("abc", "b", "$-") == "a$-c")
assert(regex.replace("abc", "(b)", "${1") == "a${1c", "an unclosed brace is literal")
assert(regex.replace("abc", "(b)", "${}") == "ac")
assert(regex.replace("abc", "(?P<a.b>b)", "${a.b}") == "abc")
assert(regex.replace("abc", "(b)", "${01}") == "abc")
assert(regex.replace("2024-05-06", "(\\d+)-(\\d+)-(\\d+)", "$3/$2/$1") == "06/05/2024")
assert(regex.replace("aaa", "a*?", "-") == "-a-a-a-")
assert(regex.replace("baaab", "a*", "-") == "-b-b-")
assert(regex.replace(123, 2, 9) == "193")

-- ---- flags --------------------------------------------------------------------------------
assert(regex.match("HELLO", "(?i)hello"))
assert(not regex.match("HELLO", "hello"))
assert(regex.match("Ab", "(?i:a)b") and not regex.match("AB", "(?i:a)b"), "scoped flag")
assert(regex.find("AaAaAbbBBBb", "(?i)a+(?-i)b+").match == "AaAaAbb")
assert(regex.match("xY", "x(?i)y"))
-- case folding is ASCII only
assert(not regex.match("É", "(?i)é"))
assert(not regex.match("\u{212A}", "(?i)k"), "not the Kelvin sign")
assert(not regex.match("\u{17F}", "(?i)s"), "not the long s")
assert(regex.match("K", "(?i)[a-z]") and regex.match("k", "(?i)[A-Z]"))
assert(not regex.match("X", "(?i)[^x]"), "folding before negation")
-- ^ $ anchor the whole text unless (?m); $ is not satisfied before a final newline
assert(not regex.match("a\nb", "^b"))
assert(regex.match("a\nb", "(?m)^b"))
assert(not regex.match("a\n", "a$"))
assert(regex.match("a\n", "(?m)a$"))
assert(list(regex.find_all("ab\ncd\n", "(?m)^\\w+$")) == "ab|cd")
assert(#regex.find_all("test\n", "(?m)^") == 2, "^ matches after the final newline")
-- \A and \z ignore (?m)
assert(not regex.match("a\nb", "(?m)\\Ab"))
assert(not regex.match("a\n", "(?m)a\\z"))
assert(regex.match("a\nb", "(?m)\\Aa"))
-- . and (?s)
assert(not regex.match("a\nb", "a.b"))
assert(regex.match("a\nb", "(?s)a.b"))
assert(regex.match("a\nb", "(?s:a.b)"))
assert(regex.match("a\rb", "a.b") and not regex.match("a\rb", "(?R)a.b"), "(?R) keeps . off \\r")
-- (?U) swaps greediness
assert(regex.find("aaa", "(?U)a+").match == "a")
assert(regex.find("aaa", "(?U)a+?").match == "aaa")
assert(regex.find("<a><b>", "(?U)<.+>").match == "<a>")
assert(regex.find("aaa", "a{1,2}?").match == "a")
-- (?x): whitespace and comments are ignored everywhere, classes included
assert(regex.find("12-34", "(?x) (\\d+)  # the first number\n - (\\d+) # the second").match == "12-34")
r = regex.find("2010-03-14", "(?x)\n  (?P<year>\\d{4}) # the year\n  -\n  (?P<month>\\d{2}) # the month\n")
assert(r.match == "2010-03" and r.groups[1] == "2010" and r.groups[2] == "03")
assert(regex.match("b", "(?x)[a b]") and not regex.match(" ", "(?x)[a b]"), "a space in a class is ignored")
assert(regex.match(" ", "(?x)[\\ ]") and regex.match(" ", "(?x)\\ "), "an escaped space is a space")
assert(regex.match("#", "(?x)[\\#]") and regex.match("#", "(?x)\\#") and regex.match("#", "(?x)\\x23"))
assert(regex.find("x#y", "(?x)x#y").match == "x", "# starts a comment")
assert(regex.match("a b", "(?x)a\\ b") and not regex.match("a b", "(?x)a b") and regex.match("ab", "(?x)a b"))
assert(regex.find("abc d", "(?x:a b)c d").match == "abc d", "scoped: only inside the group")
assert(regex.find("aa", "(?x)a{ 2 }").match == "aa")
assert(regex.match("a#b", "a#b"), "no comments without x")
assert(regex.match("a b", "(?x)a(?-x) b"))
-- several flags, and (?u) accepted as a no-op
assert(regex.match("A\nB", "(?is)a.b") and regex.match("a", "(?u)a") and regex.match("a\nb", "(?ms)^a.b$"))

-- ---- classes and escapes ------------------------------------------------------------------
-- \d \w \s \b are ASCII only; \s includes \v
assert(regex.match("7", "\\d") and not regex.match("٣", "\\d"))
assert(regex.match("_", "\\w") and not regex.match("é", "\\w") and not regex.match("δ", "\\w"))
assert(regex.match("\v", "\\s") and regex.match("\t", "\\s") and not regex.match("\u{2000}", "\\s"))
assert(regex.match("é", "\\W") and regex.match("\u{2000}", "\\S"))
assert(#regex.find_all("δ", "\\b") == 0 and #regex.find_all("δ", "\\B") == 2)
assert(list(regex.find_all("foo bar", "\\b\\w")) == "f|b")
assert(list(regex.find_all("foo bar", "\\<\\w")) == "f|b")
assert(list(regex.find_all("foo bar", "\\w\\>")) == "o|r")
assert(list(regex.find_all("foo bar", "\\w\\b{end}")) == "o|r")
assert(list(regex.find_all("foo bar", "\\b{start}\\w")) == "f|b")
assert(#regex.find_all("a b", "\\b{start-half}") == 2 and #regex.find_all("a b", "\\b{end-half}") == 2)
assert(regex.match("aaaa", "^\\b{2}a"), "\\b{2} is a repetition")
assert(regex.match("b", "[[:alpha:]]") and not regex.match("1", "[[:alpha:]]") and regex.match("1", "[[:^alpha:]]"))
assert(regex.match("]", "[]a]") and regex.match("-", "[a-]") and regex.match("-", "[-a]"))
assert(regex.match("é", "[é-ë]") and regex.match("\u{10FFFF}", "\\x{10FFFF}") and regex.match("é", "\\u00e9"))
assert(regex.match("A", "\\x41") and regex.match("💩", "\\U0001F4A9") and regex.match("a.b", "a\\.b"))
assert(regex.match("\a\f\t\n\r\v", "^\\a\\f\\t\\n\\r\\v$"))
assert(regex.match("%", "\\%") and regex.match("~", "\\~"))
assert(not regex.match("x", "[^\\s\\S]") and not regex.match("", "[^\\s\\S]"), "the empty class matches nothing")
assert(regex.match("a", "a**") and regex.match("", "(?:)*") and regex.match("ab", "(a|)b"))

-- ---- invalid patterns ---------------------------------------------------------------------
t.raises(invalid("match", "backreferences are not supported"), regex.match, "aa", "(a)\\1")
t.raises(invalid("match", "look-around is not supported"), regex.match, "a", "(?=a)")
t.raises(invalid("match", "look-around is not supported"), regex.match, "a", "(?!a)")
t.raises(invalid("match", "look-around is not supported"), regex.match, "a", "(?<=a)b")
t.raises(invalid("match", "look-around is not supported"), regex.match, "a", "(?<!a)b")
t.raises(invalid("match", "Unicode character classes are not supported"), regex.match, "a", "\\p{L}")
t.raises(invalid("match", "Unicode character classes are not supported"), regex.match, "a", "\\pL")
t.raises(invalid("match", "Unicode character classes are not supported"), regex.match, "a", "[\\P{Greek}]")
t.raises(invalid("find", "found open group without closing ')'"), regex.find, "a", "(a")
t.raises(invalid("find_all", "found closing ')' without matching '('"), regex.find_all, "a", "a)")
t.raises(invalid("replace", "found unclosed character class"), regex.replace, "a", "[", "b")
t.raises(invalid("replace", "non-empty character class has no closing bracket"), regex.replace, "a", "[a", "b")
t.raises(invalid("match", "uncounted repetition operator must be applied to a sub-expression"), regex.match, "a", "*a")
t.raises(invalid("match", "found incomplete and unclosed counted repetition operator"), regex.match, "a", "a{2")
t.raises(invalid("match", "found counted repetition with a min bigger than its max"), regex.match, "a", "a{3,2}")
t.raises(invalid("match", "unrecognized escape sequence"), regex.match, "a", "\\e")
t.raises(invalid("match", "unrecognized escape sequence"), regex.match, "a", "\\Qa\\E")
t.raises(invalid("match", "nested character classes are not supported"), regex.match, "a", "[[a]]")
t.raises(invalid("match", "character class intersection is not supported"), regex.match, "a", "[a&&b]")
t.raises(invalid("match", "duplicate capture group name"), regex.match, "a", "(?P<x>a)(?P<x>b)")
t.raises(invalid("match", "invalid group name"), regex.match, "a", "(?P<1a>a)")
t.raises(invalid("match", "unrecognized inline flag"), regex.match, "a", "(?#comment)a")
t.raises(invalid("match", "empty flag directive '(?)' is not allowed"), regex.match, "a", "(?)a")
t.raises(invalid("match", "saw start of escape sequence, but saw end of pattern before it finished"), regex.match, "a", "a\\")
t.raises(invalid("match", "got invalid hexadecimal number in braces"), regex.match, "a", "\\x{D800}")
t.raises(invalid("match", "found unclosed character class"), regex.match, "#", "(?x)[#]")
-- beyond what RE2 can run: said so, not mis-matched
t.raises(invalid("match", "^ and $ in CRLF multi-line mode (flags m and R together) are not supported"), regex.match, "a", "(?mR)^a")
for _, p in ipairs({ "a{1001}", "(?:\\w{100}){100}" }) do
  local ok, err = pcall(regex.match, "a", p)
  assert(not ok and err:find("regex.match: invalid pattern: invalid repeat count", 1, true), err)
  assert(err:find("counts above 1000", 1, true), err)
end
assert(regex.match(string.rep("a", 1000), "^a{1000}$") and regex.match("", "(?:\\w{10}){0,100}"))

-- ---- arguments ----------------------------------------------------------------------------
t.raises("regex.match: first argument must be a string", regex.match, nil, "a")
t.raises("regex.match: first argument must be a string", regex.match, {}, "a")
t.raises("regex.match: second argument must be a string", regex.match, "a")
t.raises("regex.find: second argument must be a string", regex.find, "a", true)
t.raises("regex.find_all: first argument must be a string", regex.find_all, false, "a")
t.raises("regex.replace: third argument must be a string", regex.replace, "a", "a")
t.raises("regex.replace: third argument must be a string", regex.replace, "a", "a", {})
t.raises("regex.match: second argument must be valid UTF-8 text", regex.match, "a", "\255")

-- ---- bytes and UTF-8 ----------------------------------------------------------------------
-- matches are the text's own bytes, UTF-8 or not
assert(regex.find("naïve café", "caf.").match == "café")
assert(regex.find("日本語", "本").match == "本")
assert(#regex.find_all("日本語", ".") == 3 and regex.find_all("日本語", ".")[3] == "語")
assert(regex.replace("日本語", "本", "-") == "日-語")
assert(regex.find("x💩y", "x(.)y").groups[1] == "💩")
assert(regex.find("\255abc\254", "[a-z]+").match == "abc")
assert(regex.replace("\255x\255", "x", "y") == "\255y\255")
-- a byte that is not part of valid UTF-8 is one character
assert(list(regex.find_all("\255\254", ".")) == "\255|\254")
assert(regex.find("a\255b", "a(.)b").groups[1] == "\255")
assert(#regex.find_all("\255\254", "") == 3)
assert(regex.find("\xe2\x82", "^..$").match == "\xe2\x82", "a truncated sequence is one character per byte")
assert(regex.replace("a", "a", "\255\0") == "\255\0", "the replacement may be any bytes")
assert(regex.find("a\0b", "a\\x00b").match == "a\0b")
assert(regex.match("\0", "^.$"))

-- ---- compiled patterns are cached per VM; the cache is invisible --------------------------
for round = 1, 2 do
  for i = 1, 300 do
    assert(regex.find("id-" .. i .. "-x", "id-(" .. i .. ")-").groups[1] == tostring(i), "round " .. round)
  end
end

-- ---- linear time: a pattern that takes a backtracking engine forever ----------------------
local start = os.clock()
local evil = string.rep("a", 30) .. "!"
assert(regex.match(evil, "(a+)+$") == false)
assert(regex.find(evil, "(a+)+$") == nil)
assert(#regex.find_all(evil, "(a|aa)+$") == 0)
assert(regex.replace(evil, "(a*)*b", "x") == evil)
local long = string.rep("a", 100000) .. "!"
assert(regex.match(long, "(a+)+$") == false)
local elapsed = os.clock() - start
assert(elapsed < 1, ("catastrophic patterns took %.3f s"):format(elapsed))
