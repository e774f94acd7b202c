-- template.render_string / template.render (builtins.md §11): the Jinja features the reference
-- offered, its quirks, the values vars become (§0.5), byte safety, and every error path.
local testlib = require("lib.testlib")

local function eq(expected, tmpl, vars)
  local got = template.render_string(tmpl, vars)
  assert(got == expected, ("%q: expected %q, got %q"):format(tmpl, expected, got))
end

local function raises(message, tmpl, vars)
  testlib.raises("template.render_string: " .. message, template.render_string, tmpl, vars)
end

-- ---- output and quirks --------------------------------------------------------------------
eq("Hello World!", "Hello {{ name }}!", { name = "World" })
eq("Hello !", "Hello {{ name }}!", {})
eq("Hello !", "Hello {{ name }}!")
eq("Hello !", "Hello {{ name }}!", nil)
eq("x", "x\n")                       -- one trailing newline is dropped...
eq("x\n", "x\n\n")                   -- ...only one
eq("x\r\n", "x\r\n\r\n")  -- a CRLF counts as one newline
eq("a\nb", "a\nb\n")
eq("<b>&</b>", "{{ s }}", { s = "<b>&</b>" }) -- no auto-escaping
eq("", "{% for x in nothing %}x{% endfor %}") -- iterating undefined gives nothing
eq("", "{{ nothing }}{{ nothing|upper }}{{ nothing ~ '' }}")
eq("empty", "{% for x in nothing %}x{% else %}empty{% endfor %}")
eq("42", "{{ 42 }}")

-- ---- values from Lua (§0.5) ----------------------------------------------------------------
eq("30.0 30 2.5 -0.0 1e16 1000000000000000.0", "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ f }}",
  { a = 30.0, b = 30, c = 2.5, d = -0.0, e = 1e16, f = 1e15 })
eq("9223372036854775807 -9223372036854775808 9007199254740993", "{{ a }} {{ b }} {{ c }}",
  { a = math.maxinteger, b = math.mininteger, c = 9007199254740993 })
eq("9007199254740994 18014398509481986", "{{ c + 1 }} {{ c * 2 }}", { c = 9007199254740993 })
eq("inf -inf NaN", "{{ a }} {{ b }} {{ c }}", { a = math.huge, b = -math.huge, c = 0 / 0 })
eq("true false", "{{ t }} {{ f }}", { t = true, f = false })
eq("0 [] true", "{{ t|length }} {{ t }} {{ t is iterable }}", { t = {} }) -- an empty table is an empty list
eq("[1, 2.0, \"x\", true] {\"a\": 1, \"b\": [2]}", "{{ l }} {{ m }}", { l = { 1, 2.0, "x", true }, m = { b = { 2 }, a = 1 } })
eq("a=1;b=2;c=3;", "{% for k, v in m|items %}{{ k }}={{ v }};{% endfor %}", { m = { c = 3, a = 1, b = 2 } }) -- keys sorted
eq("a;b;", "{% for k in m %}{{ k }};{% endfor %}", { m = { b = 1, a = 2 } })
-- the json shape marks: an empty object is a map, an empty array a list, json.null is none
-- (there, unlike a nil, so defined)
eq("{} 0 true []", "{{ o }} {{ o|length }} {{ o is mapping }} {{ o|items|list }}", { o = json.object({}) })
eq("[] 0", "{{ a }} {{ a|length }}", { a = json.array({}) })
eq("none true true [none] {\"x\": none}", "{{ n }} {{ n is none }} {{ n is defined }} {{ l }} {{ m }}",
  { n = json.null, l = { json.null }, m = { x = json.null } })
eq("x", "{{ v.k }}", json.object({ v = { k = "x" } }))
eq("x y", "{{ m['1'] }} {{ m[2] }}", { m = { [1] = "x", [2] = "y", k = true } }) -- mixed table: keys as strings
eq("3", "{{ n.a.b.c }}", { n = { a = { b = { c = 3 } } } })

-- bytes that are not UTF-8 pass through unchanged; UTF-8 is untouched
eq("\255\254a", "{{ b }}", { b = "\255\254a" })
eq("3 \255", "{{ b|length }} {{ b|first }}", { b = "\255\254a" })
eq("\255x\254", "\255{{ 'x' }}\254")
eq("héllo wörld ✓ 😀", "{{ s }} {{ t }}", { s = "héllo wörld", t = "✓ 😀" })
eq("HÉLLO 5 😀", "{{ s|upper }} {{ s|length }} {{ e|first }}", { s = "héllo", e = "😀x" })
local all = {}
for b = 0, 255 do all[#all + 1] = string.char(b) end
all = table.concat(all)
eq(all, "{{ all }}", { all = all })

-- ---- statements ------------------------------------------------------------------------------
eq("big", "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}", { n = 11 })
eq("mid", "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}", { n = 6 })
eq("small", "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}", { n = 1 })
eq("1a 2b 3c", "{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %} {% endif %}{% endfor %}", { xs = { "a", "b", "c" } })
eq("0:3:2:true:false:3|1:2:1:false:false:3|2:1:0:false:true:3|",
  "{% for x in xs %}{{ loop.index0 }}:{{ loop.revindex }}:{{ loop.revindex0 }}:{{ loop.first }}:{{ loop.last }}:{{ loop.length }}|{% endfor %}",
  { xs = { 1, 2, 3 } })
eq("-b a-c b-", "{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }}{% if not loop.last %} {% endif %}{% endfor %}", { xs = { "a", "b", "c" } })
eq("odd even odd ", "{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}", { xs = { 1, 2, 3 } })
eq("1=2;3=4;", "{% for a, b in pairs %}{{ a }}={{ b }};{% endfor %}", { pairs = { { 1, 2 }, { 3, 4 } } })
eq("23", "{% for x in xs if x > 1 %}{{ x }}{% endfor %}", { xs = { 1, 2, 3 } })
eq("a-b-c-", "{% for c in 'abc' %}{{ c }}-{% endfor %}")
eq("1", "{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}")
eq("13", "{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}")
eq("12|", "{% for x in [1, 2] %}{% set y = x %}{{ y }}{% endfor %}|{{ y }}") -- loop scope
eq("1 2", "{% set a = 1 %}{% set b = a + 1 %}{{ a }} {{ b }}")
eq("12", "{% set a, b = 1, 2 %}{{ a }}{{ b }}")
eq("[captured 2]", "{% set x %}captured {{ 1 + 1 }}{% endset %}[{{ x }}]")
eq("10", "{% set ns = namespace(n=0) %}{% for i in range(5) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}")
eq("Hi bob/Yo al", "{% macro greet(n, p='Hi') %}{{ p }} {{ n }}{% endmacro %}{{ greet('bob') }}/{{ greet('al', p='Yo') }}")
eq("54321", "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}")
eq("2{\"a\": 3}", "{% macro m() %}{{ varargs|length }}{{ kwargs }}{% endmacro %}{{ m(1, 2, a=3) }}")
eq("<inner>", "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}")
eq("HELLO BOB", "{% filter upper %}hello {{ name }}{% endfilter %}", { name = "bob" })
eq("block body", "{% block content %}block body{% endblock %}")
-- with: a scope of its own, values evaluated outside it
eq("3|", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}|{{ a }}")
eq("1|", "{% with %}{% set q = 1 %}{{ q }}{% endwith %}|{{ q }}")
eq("12", "{% with a = 1 %}{% with b = a + 1 %}{{ a }}{{ b }}{% endwith %}{% endwith %}")
eq("1:2 2:4 ", "{% for x in xs %}{% with y = x * 2 %}{{ loop.index }}:{{ y }} {% endwith %}{% endfor %}", { xs = { 1, 2 } })
eq("2 1", "{% set a = 1 %}{% with a = 2, b = a %}{{ a }} {{ b }}{% endwith %}")
-- raw
eq("{{ x }} {% if %}", "{% raw %}{{ x }} {% if %}{% endraw %}")
eq("a {{ x }} b", "a {% raw -%}  {{ x }}  {%- endraw %} b")
eq("a{{ x }}b", "a  {%- raw %}{{ x }}{% endraw -%}  b")
-- comments and whitespace control
eq("ab", "a{# a comment {{ x }} #}b")
eq("abc", "{# comment #}a  {%- if true -%}  b  {%- endif -%}  c")
eq("a|b", "a  {{- '|' -}}  b")
eq("ab", "a  {#- note -#}  b")
eq("<ul>\n\n  <li>a</li>\n\n  <li>b</li>\n\n</ul>", "<ul>\n{% for x in xs %}\n  <li>{{ x }}</li>\n{% endfor %}\n</ul>\n", { xs = { "a", "b" } })
eq("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>", "<ul>\n{%- for x in xs %}\n  <li>{{ x }}</li>\n{%- endfor %}\n</ul>\n", { xs = { "a", "b" } })

-- ---- expressions -----------------------------------------------------------------------------
eq("1 1 1", "{{ m.a }} {{ m['a'] }} {{ m[\"a\"] }}", { m = { a = 1 } })
eq("b c 3", "{{ l[1] }} {{ l[-1] }} {{ l|length }}", { l = { "a", "b", "c" } })
eq("[2, 3] olleh [1, 3] b", "{{ [1, 2, 3][1:] }} {{ 'hello'[::-1] }} {{ [1, 2, 3][::2] }} {{ 'abc'[1] }}")
eq("a1 2.0 none true", "{{ 'a' ~ 1 }} {{ 2.0 ~ '' }} {{ none ~ '' }} {{ true ~ '' }}")
eq("a", "{{ 'a' ~ nothing }}")
eq("true true false true true", "{{ 1 in [1, 2] }} {{ 'a' in 'cat' }} {{ 'z' in m }} {{ 'k' in m }} {{ 3 not in [1] }}", { m = { k = 1 } })
eq("x y false 0 a", "{{ true and 'x' }} {{ false or 'y' }} {{ not true }} {{ 0 and 1 }} {{ '' or 'a' }}")
eq("true true false true", "{{ 1 == 1.0 }} {{ [1, [2]] == [1, [2]] }} {{ 1 == '1' }} {{ 'a' < 'b' }}")
eq("3 -4 1 -2 3.5 1.0 8 0.5 2.5", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 7.0 // 4 }} {{ 2 ** 3 }} {{ 2 ** -1 }} {{ 1.5 + 1 }}")
eq("4611686018427387904 9223372036854775807", "{{ 2 ** 62 }} {{ 9223372036854775806 + 1 }}")
eq("ababab ----- [0, 0] [1, 2, 3]", "{{ 'ab' * 3 }} {{ '-' * 5 }} {{ [0] * 2 }} {{ [1, 2] + [3] }}")
eq("no |", "{{ x if x else 'no' }} {{ 'yes' if y }}|", { x = 0, y = false })
eq("[1, \"a\", none, true, 2.5] {\"a\": [1]} {\"a\": 1, \"b\": 2}", "{{ [1, 'a', none, true, 2.5] }} {{ {'a': [1]} }} {{ dict(a=1, b=2) }}")
eq("[0, 1, 2] [1, 4, 7] [5, 3, 1]", "{{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }}")
eq("HELLO hello x [\"a\", \"b\"] true false", "{{ 'hello'.upper() }} {{ 'HeLLo'.lower() }} {{ ' x '.strip() }} {{ 'a-b'.split('-') }} {{ 'abc'.startswith('a') }} {{ 'abc'.endswith('x') }}")
eq("a=1; 1 none", "{% for k, v in m.items() %}{{ k }}={{ v }}; {% endfor %}{{ m.get('a') }} {{ m.get('zz') }}", { m = { a = 1 } })
eq("9007199254740993 -9223372036854775808", "{{ 9007199254740993 }} {{ -9223372036854775808 }}")

-- ---- tests -----------------------------------------------------------------------------------
eq("true true true false", "{{ x is defined }} {{ y is undefined }} {{ none is none }} {{ x is none }}", { x = 1 })
eq("true true false true", "{{ 3 is odd }} {{ 4 is even }} {{ 4 is odd }} {{ 3 is not even }}")
eq("true false true", "{{ 9 is divisibleby(3) }} {{ 9 is divisibleby 2 }} {{ 10 is divisibleby 5 and 3 is odd }}")
eq("true true true true true true", "{{ 'a' is string }} {{ 1 is number }} {{ 1 is integer }} {{ 1.5 is float }} {{ {} is mapping }} {{ [] is sequence }}")
eq("true true true true false", "{{ 'ab' is lower }} {{ 'AB' is upper }} {{ 2 is in [1, 2] }} {{ none is sameas none }} {{ x is sameas none }}")
eq("true true true", "{{ 2 is eq 2 }} {{ 3 is gt 2 }} {{ 'ab' is startingwith 'a' }}")
eq("true", "{{ m is defined and m.k is defined }}", { m = { k = 1 } })
eq("2;4;", "{% for x in [1, 2, 3, 4] %}{% if x is divisibleby 2 %}{{ x }};{% endif %}{% endfor %}")

-- ---- filters ---------------------------------------------------------------------------------
eq("HELLO hello Hello World Hello x|", "{{ 'hello'|upper }} {{ 'HELLO'|lower }} {{ 'hello world'|title }} {{ 'hELLO'|capitalize }} {{ '  x '|trim }}|")
eq("Hello-World It's", "{{ 'hello-world'|title }} {{ \"it's\"|title }}")
eq("3 2 0 0", "{{ 'abc'|length }} {{ m|length }} {{ t|length }} {{ nothing|length }}", { m = { a = 1, b = 2 }, t = {} })
eq("d d a x", "{{ nothing|default('d') }} {{ nothing|d('d') }} {{ ''|default('a', true) }} {{ 'x'|default('y') }}")
eq("a, b, c abc a c", "{{ xs|join(', ') }} {{ xs|join }} {{ xs|first }} {{ xs|last }}", { xs = { "a", "b", "c" } })
eq("a,b", "{{ users|join(',', attribute='name') }}", { users = { { name = "a" }, { name = "b" } } })
eq("[1, 2, 3] [\"A\", \"b\", \"c\"] [3, 2, 1] [\"b\", \"a\"]", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ [1, 3, 2]|sort(reverse=true) }} {{ users|sort(attribute='age')|map(attribute='name')|list }}",
  { users = { { name = "a", age = 30 }, { name = "b", age = 10 } } })
eq("[3, 2, 1] cba", "{{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }}")
eq("heLLo yx -a-b-", "{{ 'hello'|replace('l', 'L') }} {{ 'xx'|replace('x', 'y', 1) }} {{ 'ab'|replace('', '-') }}")
eq("[\"a\", \"b\", \"c\"] [\"a\", \"b\", \"c\"] [\"a\", \"b,c\"]", "{{ 'a,b,c'|split(',') }} {{ ' a b  c '|split }} {{ 'a,b,c'|split(',', 1) }}")
eq("[\"a\", \"b\"] [\"k\"] [1]", "{{ 'ab'|list }} {{ m|list }} {{ [1]|list }}", { m = { k = 1 } })
eq("a,b A,B 1 2", "{{ users|map(attribute='name')|join(',') }} {{ users|map(attribute='name')|map('upper')|join(',') }} {{ users|selectattr('admin')|map(attribute='id')|join }} {{ users|rejectattr('admin')|map(attribute='id')|join }}",
  { users = { { name = "a", admin = true, id = 1 }, { name = "b", admin = false, id = 2 } } })
eq("x-n", "{{ users|map(attribute='nick', default='x')|join('-') }}", { users = { { name = "a" }, { nick = "n" } } })
eq("[1, 3] [2, 4] [3, 4] a", "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [1, 2, 3, 4]|select('gt', 2)|list }} {{ users|selectattr('age', 'gt', 20)|map(attribute='name')|join }}",
  { users = { { name = "a", age = 30 }, { name = "b", age = 10 } } })
eq("[1, 2, 3] [\"a\", \"B\"]", "{{ [1, 2, 2, 3, 1]|unique|list }} {{ ['a', 'B', 'A', 'b']|unique|list }}")
eq("4 2.5 3 0 12 31 1 -3", "{{ '3'|int + 1 }} {{ '2.5'|float }} {{ 3.9|int }} {{ 'x'|int }} {{ '12.7'|int }} {{ '0x1f'|int(base=16) }} {{ true|int }} {{ -3.9|int }}")
eq("5.0 1000.0 0.0 7", "{{ 5|float }} {{ '1e3'|float }} {{ 'abc'|float }} {{ 'x'|int(7) }}")
-- round: integers unchanged, floats rounded half away from zero
eq("4.0 42 43.0 3.14 3.0 -3.0 1.23 1.3", "{{ 3.7|round }} {{ 42|round }} {{ 42.55|round }} {{ 3.14159|round(2) }} {{ 2.5|round }} {{ -2.5|round }} {{ 1.23456|round(2, 'floor') }} {{ 1.23|round(1, 'ceil') }}")
eq("6 3.5 3 0 15", "{{ [1, 2, 3]|sum }} {{ [1, 2.5]|sum }} {{ items|sum(attribute='v') }} {{ []|sum }} {{ [1, 2]|sum(start=12) }}", { items = { { v = 1 }, { v = 2 } } })
eq("3 3.5 5 1 B", "{{ -3|abs }} {{ -3.5|abs }} {{ [1, 5, 3]|max }} {{ [4, 1]|min }} {{ ['a', 'B', 'b']|max }}")
eq("a b", "{{ (users|max(attribute='age')).name }} {{ (users|min(attribute='age')).name }}", { users = { { name = "a", age = 30 }, { name = "b", age = 10 } } })
eq("a\n  b|    a|a\n  \n  b|a\n> b|a\n    b\n", "{{ 'a\nb'|indent(2) }}|{{ 'a'|indent(first=true) }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'a\nb'|indent('> ') }}|{{ 'a\nb\n'|indent }}")
eq("[[\"a\", 1], [\"b\", 2]] [[\"b\", 2], [\"a\", 1]] [[\"a\", 1], [\"b\", 2]]", "{{ m|items|list }} {{ m|dictsort(reverse=true) }} {{ m|dictsort(by='value') }}", { m = { b = 2, a = 1 } })
eq("&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&#x2f; &lt;b&gt; <b>", "{{ s|escape }} {{ '<b>'|e }} {{ '<b>'|safe }}", { s = "<a href=\"x\">&'/" })
eq("5 2.0 true", "{{ 5|string }} {{ 2.0|string }} {{ 1|bool }}")

-- ---- errors ----------------------------------------------------------------------------------
testlib.raises("template.render_string: second argument must be a table or nil", template.render_string, "x", 5)
testlib.raises("template.render_string: second argument must be a table or nil", template.render_string, "x", "vars")
testlib.raises("template.render_string: first argument must be a string", template.render_string, nil)
testlib.raises("template.render_string: first argument must be a string", template.render_string, {})
testlib.raises("template.render_string: second argument must be a table of named values, not a list", template.render_string, "x", { 1, 2 })
testlib.raises("template.render_string: unsupported Lua type for JSON: function (at .handler)", template.render_string, "x", { handler = print })
testlib.raises("template.render_string: unsupported Lua type for JSON: function (at .a.b[2])", template.render_string, "x", { a = { b = { 1, print } } })
testlib.raises("template.render_string: cannot convert a table that contains itself (cycle detected) (at .me)",
  function() local t = {} t.me = t return template.render_string("x", t) end)
eq("1", 1) -- a number is a template too (§0.3)
-- syntax errors name their line
raises("syntax error on line 3: unexpected \"}}\"", "a\n\n{{ 1 + }}")
raises("syntax error on line 1: unexpected \"%}\"", "{% for x in %}{% endfor %}")
raises("syntax error on line 4: unexpected end of template: missing {% endfor %} for the {% for %} on line 2", "a\n{% for x in y %}\nb\nc")
raises("syntax error on line 3: unexpected {% endif %} (the {% for %} on line 2 is still open)", "a\n{% for x in y %}\n{% endif %}")
raises("syntax error on line 2: unexpected end of template: missing \"}}\" for the tag opened on line 2", "a\n{{ x }")
raises("syntax error on line 1: unexpected end of template: missing \"#}\" for the comment opened on line 1", "{# never closed")
raises("syntax error on line 1: unexpected end of template: missing {% endraw %} for the raw block opened on line 1", "{% raw %}x")
raises("syntax error on line 2: unterminated string literal", "x\n{{ 'abc }}")
raises("syntax error on line 1: unexpected character: @", "{{ x @ y }}")
raises("syntax error on line 1: unknown statement \"foo\"", "{% foo %}")
raises("syntax error on line 1: unexpected {% else %} outside of an if or for block", "{% else %}")
raises("syntax error on line 1: unexpected {% endfor %}", "{% endfor %}")
raises("syntax error on line 1: unexpected {% break %} outside of a for loop", "{% break %}")
raises("syntax error on line 1: unexpected {% elif %} after {% else %}", "{% if a %}{% else %}{% elif b %}{% endif %}")
raises("syntax error on line 2: {% include %} is not available: a template cannot load other templates", "x\n{% include 'other.html' %}")
raises("syntax error on line 1: {% import %} is not available: a template cannot load other templates", "{% import 'macros.html' as m %}")
raises("syntax error on line 1: {% from %} is not available: a template cannot load other templates", "{% from 'm.html' import x %}")
raises("syntax error on line 1: {% extends %} is not available: a template cannot load other templates", "{% extends 'base.html' %}")
raises("syntax error on line 1: {% autoescape %} is not available: output is never escaped automatically", "{% autoescape true %}{% endautoescape %}")
-- render errors: attribute lookup on undefined, unknown filters and tests, type errors
raises("render error on line 3: user is undefined (looking up \"name\")", "a\nb\n{{ user.name }}")
raises("render error on line 1: x.y is undefined (looking up \"z\")", "{{ x.y.z }}", { x = {} })
raises("render error on line 1: nope is undefined (looking up 0)", "{{ nope[0] }}")
raises("render error on line 2: user is undefined (looking up \"name\")", "{% if true %}\n{{ user.name }}{% endif %}")
raises("render error on line 2: user is undefined (looking up \"name\")", "{% macro m() %}\n{{ user.name }}{% endmacro %}\n{{ m() }}")
raises("render error on line 1: unknown filter \"tojson\"", "{{ 1|tojson }}")
raises("render error on line 1: unknown filter \"urlencode\"", "{{ 'a b'|urlencode }}")
raises("render error on line 1: unknown test \"prime\"", "{{ 1 is prime }}")
raises("render error on line 1: unsupported operand types for +: string and integer", "{{ 'x' + 1 }}")
raises("render error on line 1: cannot compare integer with string", "{{ 1 < 'a' }}")
raises("render error on line 1: division by zero", "{{ 1 / 0 }}")
raises("render error on line 1: division by zero", "{{ 1 // 0 }}")
raises("render error on line 1: integer overflow (integers are 64-bit)", "{{ 2 ** 63 }}")
raises("render error on line 1: integer overflow (integers are 64-bit)", "{{ n + 1 }}", { n = math.maxinteger })
raises("render error on line 1: x is not callable (it is undefined)", "{{ x() }}")
raises("render error on line 1: round: expected a number, got string", "{{ 'a'|round }}")
raises("render error on line 1: cannot loop over integer (n)", "{% for x in n %}{% endfor %}", { n = 5 })
raises("render error on line 1: range has too many elements (1000000000, at most 100000)", "{% for i in range(10 ** 9) %}x{% endfor %}")
raises("render error on line 1: recursion too deep (a macro that calls itself without end?)", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
raises("render error on line 1: with: expected assignments (name = value, ...)", "{% with 1 %}x{% endwith %}")
raises("render error on line 1: join: cannot iterate over integer", "{{ 5|join }}")
raises("render error on line 1: replace: missing argument \"new\"", "{{ 'a'|replace('a') }}")
raises("render error on line 1: indent: unexpected keyword argument \"bogus\"", "{{ 'a'|indent(bogus=1) }}")
raises("render error on line 1: upper: too many arguments (at most 0)", "{{ 'a'|upper(1) }}")
raises("render error on line 1: unknown filter \"nofilter\"", "{{ [1]|map('nofilter') }}")
raises("render error on line 1: range: arguments must be integers, got float", "{{ range(1.5) }}")
raises("render error on line 1: cannot look for integer in a string", "{{ 1 in 'x' }}")
-- the library's own messages, with the reference's type names
raises("render error on line 1: cannot unpack non-iterable type in set: integer", "{% set a, b = 1 %}")
raises("render error on line 2: macro 'm' takes not more than 1 argument(s)", "{% macro m(a) %}{% endmacro %}\n{{ m(1, 2) }}")
eq("1", "{% for x in [1, 2, 3] %}{% with y = x %}{% if y == 2 %}{% break %}{% endif %}{{ y }}{% endwith %}{% endfor %}")
-- pcall catches them; the message is a string
local ok, err = pcall(template.render_string, "{{ a.b }}")
assert(not ok and type(err) == "string" and err:find("template.render_string: render error", 1, true))

-- ---- bounded work ----------------------------------------------------------------------------
local function too_large(tmpl)
  local ok2, e = pcall(template.render_string, tmpl)
  assert(not ok2 and e:find("too large %(over %d+ [%w ]+%)"), tostring(e))
end
too_large("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
too_large("{% set ns = namespace(s=[1]) %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")
too_large("{{ 'x' * 1000000000000 }}")
too_large("{{ ('x' * 1000000)|replace('x', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') }}")

-- ---- template.render reads a file ------------------------------------------------------------
local dir = testlib.scratch()
local path = dir .. "/page.j2"
local f = assert(io.open(path, "wb"))
f:write("<h1>{{ title }}</h1>\n{% for i in items %}<li>{{ i }}</li>{% endfor %}\n")
f:close()
assert(template.render(path, { title = "T", items = { 1, 2 } }) == "<h1>T</h1>\n<li>1</li><li>2</li>")
assert(template.render(path) == "<h1></h1>\n")
testlib.raises(('template.render: failed to read "%s/missing.j2": No such file or directory (os error 2)'):format(dir), template.render, dir .. "/missing.j2")
testlib.raises('template.render: failed to read "' .. dir .. '": Is a directory (os error 21)', template.render, dir)
testlib.raises("template.render: second argument must be a table or nil", template.render, path, 1)
testlib.raises("template.render: first argument must be a string", template.render, nil)
testlib.raises("template.render: unsupported Lua type for JSON: function (at .f)", template.render, path, { f = print })
f = assert(io.open(dir .. "/bad.j2", "wb"))
f:write("line one\n{% if x %}\n{{ x.y.z }}\n{% endif %}\n{{ }}\n")
f:close()
testlib.raises(('template.render: syntax error in "%s/bad.j2" on line 5: unexpected "}}"'):format(dir), template.render, dir .. "/bad.j2")
f = assert(io.open(dir .. "/fail.j2", "wb"))
f:write("line one\n{% if true %}\n{{ x.y.z }}\n{% endif %}\n")
f:close()
testlib.raises(('template.render: render error in "%s/fail.j2" on line 3: x is undefined (looking up "y")'):format(dir), template.render, dir .. "/fail.j2")
f = assert(io.open(dir .. "/bytes.j2", "wb"))
f:write("\255{{ v }}\n")
f:close()
assert(template.render(dir .. "/bytes.j2", { v = "\254" }) == "\255\254")
