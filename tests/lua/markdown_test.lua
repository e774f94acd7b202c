-- markdown.to_html (builtins.md §17): CommonMark plus GFM tables, strikethrough and task lists,
-- no autolink literals, footnotes or heading ids, raw HTML passed through, a final newline.
-- Expected HTML is CommonMark's and comrak's (the reference's renderer) for the same input.
local t = require("lib.testlib")

local function html(source, expected)
  local got = markdown.to_html(source)
  assert(got == expected, ("markdown %q\nexpected %q\n     got %q"):format(source, expected, got))
end

-- headings, paragraphs, the final newline
html("# Hello", "<h1>Hello</h1>\n")
html("# Hello\n", "<h1>Hello</h1>\n")
html("## Two\n###### Six\n####### seven", "<h2>Two</h2>\n<h6>Six</h6>\n<p>####### seven</p>\n")
html("Title\n=====\n\nSub\n---", "<h1>Title</h1>\n<h2>Sub</h2>\n")
html("one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>\n")
html("", "")
html("## Title {#custom-id}", "<h2>Title {#custom-id}</h2>\n") -- no heading ids

-- emphasis, code spans, links, escaping of text
html("*a* _b_ **c** __d__ ***e***", "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <em><strong>e</strong></em></p>\n")
html("`x < y` and a & b", "<p><code>x &lt; y</code> and a &amp; b</p>\n")
html("[site](https://example.com \"T\")", '<p><a href="https://example.com" title="T">site</a></p>\n')
html("![alt](img.png)", '<p><img src="img.png" alt="alt" /></p>\n')
html("<https://example.com>", '<p><a href="https://example.com">https://example.com</a></p>\n')
html("line  \nbreak", "<p>line<br />\nbreak</p>\n")
html("\\*not emphasis\\*", "<p>*not emphasis*</p>\n")

-- code blocks
html("```lua\nprint(\"hi\")\n```", '<pre><code class="language-lua">print(&quot;hi&quot;)\n</code></pre>\n')
html("```\na < b\n```\n", "<pre><code>a &lt; b\n</code></pre>\n")
html("    indented\n    code", "<pre><code>indented\ncode\n</code></pre>\n")

-- lists and block quotes
html("- a\n- b\n", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n")
html("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n")
html("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n')
html("- a\n  - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>\n")
html("> quoted\n> text", "<blockquote>\n<p>quoted\ntext</p>\n</blockquote>\n")
html("***", "<hr />\n")

-- GFM tables, with alignment
html("| a | b |\n|---|:-:|\n| c | d |\n",
  "<table>\n<thead>\n<tr>\n<th>a</th>\n<th align=\"center\">b</th>\n</tr>\n</thead>\n" ..
  "<tbody>\n<tr>\n<td>c</td>\n<td align=\"center\">d</td>\n</tr>\n</tbody>\n</table>\n")
html("| l | c | r |\n|:--|:-:|--:|\n| 1 | 2 | 3 |",
  "<table>\n<thead>\n<tr>\n<th align=\"left\">l</th>\n<th align=\"center\">c</th>\n<th align=\"right\">r</th>\n</tr>\n</thead>\n" ..
  "<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"center\">2</td>\n<td align=\"right\">3</td>\n</tr>\n</tbody>\n</table>\n")
html("| h |\n|---|", "<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n</table>\n")
html("| not | a table |", "<p>| not | a table |</p>\n")

-- GFM strikethrough: one or two tildes, as comrak
html("~~gone~~", "<p><del>gone</del></p>\n")
html("This is ~strikethrough~.\n\nAs is ~~this, okay~~?\n",
  "<p>This is <del>strikethrough</del>.</p>\n<p>As is <del>this, okay</del>?</p>\n")
html("a ~~~not~~~ and ~~mismatched~", "<p>a ~~~not~~~ and ~~mismatched~</p>\n")

-- GFM task lists
html("- [ ] todo\n- [x] done\n- [X] also done\n- [ ] `code`\n",
  '<ul>\n<li><input type="checkbox" disabled="" /> todo</li>\n' ..
  '<li><input type="checkbox" checked="" disabled="" /> done</li>\n' ..
  '<li><input type="checkbox" checked="" disabled="" /> also done</li>\n' ..
  '<li><input type="checkbox" disabled="" /> <code>code</code></li>\n</ul>\n')
html("- [!] not a task", "<ul>\n<li>[!] not a task</li>\n</ul>\n")

-- no autolink literals, no footnotes
html("see https://example.com and www.example.com or a@b.com", "<p>see https://example.com and www.example.com or a@b.com</p>\n")
html("text[^1]\n\n[^1]: https://x.test", '<p>text<a href="https://x.test">^1</a></p>\n')

-- raw HTML passes through unsanitised (as the reference renders it)
html("<div class=\"x\" onclick=\"go()\">\n*raw*\n</div>", "<div class=\"x\" onclick=\"go()\">\n*raw*\n</div>\n")
html("<script>alert(1)</script>", "<script>alert(1)</script>\n")
html("a <b>bold</b> <!-- note --> c", "<p>a <b>bold</b> <!-- note --> c</p>\n")
html("[x](javascript:alert(1))", '<p><a href="javascript:alert(1)">x</a></p>\n')

-- line endings come out as \n; text is UTF-8
html("a\r\nb\r\n\r\nc\rd", "<p>a\nb</p>\n<p>c\nd</p>\n")
html("# Café ☕\n\n日本語", "<h1>Café ☕</h1>\n<p>日本語</p>\n")
html(42, "<p>42</p>\n")

-- arguments
t.raises("markdown.to_html: first argument must be a string", markdown.to_html)
t.raises("markdown.to_html: first argument must be a string", markdown.to_html, nil)
t.raises("markdown.to_html: first argument must be a string", markdown.to_html, {})
t.raises("markdown.to_html: first argument must be a string", markdown.to_html, true)
t.raises("markdown.to_html: first argument must be valid UTF-8 text", markdown.to_html, "\255")

-- a large document
local parts = {}
for i = 1, 2000 do parts[#parts + 1] = ("## Section %d\n\nText with *emphasis* and `code` %d.\n"):format(i, i) end
local big = markdown.to_html(table.concat(parts, "\n"))
assert(select(2, big:gsub("<h2>", "")) == 2000 and big:sub(-1) == "\n")
