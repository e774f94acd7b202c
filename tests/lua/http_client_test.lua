-- http client and ws: the errors a script can hit before anything reaches the network
-- (tests/http-client.test.ts and tests/ws.test.ts drive real peers).
local t = require("lib.testlib")

local function raises_prefix(prefix, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  err = tostring(err)
  assert(err:sub(1, #prefix) == prefix, ("expected %q at the start of %q"):format(prefix, err))
  return err
end

-- argument checks, with the spec's texts
t.raises("http.get: first argument must be a URL string", http.get, 5)
t.raises("http.get: first argument must be a URL string", http.get)
t.raises("http.delete: first argument must be a URL string", http.delete, {})
t.raises("http.get: second argument must be a table or nil", http.get, "http://127.0.0.1/", "x")
t.raises("http.post: second argument must be a string, table, or nil", http.post, "http://127.0.0.1/", 5)
t.raises("http.put: second argument must be a string, table, or nil", http.put, "http://127.0.0.1/", true)
t.raises("http.patch: third argument must be a table or nil", http.patch, "http://127.0.0.1/", "x", "y")
t.raises("http.get: opts.headers.x must be a string or number", http.get, "http://127.0.0.1/", { headers = { x = true } })
t.raises("http.get: opts.timeout must be a number or nil", http.get, "http://127.0.0.1/", { timeout = "soon" })
t.raises("http.get: opts.timeout must be a positive number of seconds", http.get, "http://127.0.0.1/", { timeout = 0 })
t.raises("http.get: opts.on_event must be a function or nil", http.get, "http://127.0.0.1/", { on_event = 1 })
t.raises("http.request: first argument must be a table", http.request, "http://127.0.0.1/")
t.raises("http.request: request.url must be a URL string", http.request, { method = "GET" })
t.raises("http.request: request.body must be a string, table, or nil", http.request, { url = "http://127.0.0.1/", body = 1 })
t.raises("http.request: request.method must be an HTTP method name", http.request, { url = "http://127.0.0.1/", method = "G T" })
t.raises("http.download: second argument must be a string", http.download, "http://127.0.0.1/")

-- a table body is JSON; what JSON cannot hold is refused before anything is sent
t.raises("http.post: cannot encode the body as JSON: unsupported Lua type for JSON: function (at .f)",
  http.post, "http://127.0.0.1/", { f = print })
t.raises("http.post: cannot encode the body as JSON: cannot encode inf as JSON number (at [1])",
  http.post, "http://127.0.0.1/", { math.huge })

-- malformed URLs, unknown schemes and bad headers name the URL
t.raises('http.get failed: invalid URL "not a url"', http.get, "not a url")
t.raises('http.get failed: invalid URL "http://exa mple.com/"', http.get, "http://exa mple.com/")
t.raises('http.get failed: ftp://example.com/: unsupported URL scheme "ftp" (http or https only)', http.get, "ftp://example.com/")
t.raises('http.get failed: file:///etc/hostname: unsupported URL scheme "file" (http or https only)', http.get, "file:///etc/hostname")
t.raises('http.get failed: http://127.0.0.1/: invalid header name "a b"', http.get, "http://127.0.0.1/", { headers = { ["a b"] = "x" } })
t.raises('http.get failed: http://127.0.0.1/: invalid value for header "X-A" (line breaks and NUL are not allowed)',
  http.get, "http://127.0.0.1/", { headers = { ["X-A"] = "a\r\nInjected: yes" } })
-- credentials in a URL never appear in its errors
t.raises('http.get failed: ftp://example.com/: unsupported URL scheme "ftp" (http or https only)', http.get, "ftp://user:secret@example.com/")

-- where Lua cannot yield, an async call raises instead of hanging
local ok, err = pcall(table.sort, { 1, 2, 3 }, function(a, b)
  http.get("http://127.0.0.1/")
  return a < b
end)
assert(not ok and tostring(err):find("attempt to yield across a C-call boundary", 1, true), tostring(err))

-- http.client options
local dir = t.scratch()
local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "w"))
  f:write(text)
  f:close()
  return dir .. "/" .. name
end
local not_pem = write("not-a-cert.pem", "hello\n")
local broken = write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
raises_prefix('http.client: failed to read CA cert file "' .. dir .. '/missing.pem": No such file or directory',
  http.client, { ca_cert_file = dir .. "/missing.pem" })
raises_prefix('http.client: invalid PEM in "' .. not_pem .. '": no certificate found', http.client, { ca_cert_file = not_pem })
raises_prefix('http.client: invalid PEM in "' .. broken .. '": certificate 1:', http.client, { ca_cert_file = broken })
raises_prefix("http.client: invalid CA cert PEM: no certificate found", http.client, { ca_cert = "nope" })
raises_prefix("http.client: a client certificate needs both cert and key", http.client, { cert = "x" })
raises_prefix("http.client: invalid client certificate PEM: no certificate found", http.client, { cert = "x", key = "y" })
raises_prefix("http.client: give cert or cert_file, not both", http.client, { cert = "x", cert_file = "y" })
raises_prefix('http.client: opts.base_url must be an absolute http or https URL, got "api/v1"', http.client, { base_url = "api/v1" })
t.raises("http.client: opts.timeout must be a positive number of seconds", http.client, { timeout = -1 })
t.raises("http.client: opts.follow_redirects must be a boolean or nil", http.client, { follow_redirects = "no" })
t.raises("http.client: first argument must be a table or nil", http.client, "x")

-- a client is a handle with methods; closed, it refuses them
local client = http.client({ timeout = 5, headers = { ["X-Default"] = 1 } })
assert(type(client) == "userdata")
for _, m in ipairs({ "get", "post", "put", "patch", "delete", "request", "download", "close" }) do
  assert(type(client[m]) == "function", m)
end
t.raises("http.get: first argument must be a URL string", client.get, client, 1)
t.raises('http.get failed: invalid URL "nope"', client.get, client, "nope")
client:close()
t.raises("http.client:get: the http.client is closed", client.get, client, "http://127.0.0.1/")
t.raises("http.client:get: self must be a http.client", client.get, {}, "http://127.0.0.1/")
do
  local scoped <close> = http.client()
  assert(scoped)
end

-- ws: arguments and URLs
t.raises("ws.connect: first argument must be a URL string", ws.connect, 1)
t.raises('ws.connect: invalid URL "nope"', ws.connect, "nope")
t.raises("ws.connect: second argument must be a table or nil", ws.connect, "ws://127.0.0.1/", 5)
t.raises("ws.connect: opts.timeout must be a positive number of seconds", ws.connect, "ws://127.0.0.1/", { timeout = 0 })
t.raises('ws.connect: http://127.0.0.1/: unsupported URL scheme "http" (ws or wss only)', ws.connect, "http://127.0.0.1/")
t.raises("ws.send: first argument must be a ws connection", ws.send, {}, "x")
t.raises("ws.recv: first argument must be a ws connection", ws.recv, client)
t.raises("ws.close: first argument must be a ws connection", ws.close, nil)
