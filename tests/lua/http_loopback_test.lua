-- http.serve and the http/ws clients in one script, the way stdlib tests mock an API: a
-- server in a spawned task on an ephemeral port (_SERVER_PORT) whose handlers assert the
-- method, path, headers and body they get, called by http.get/post/... and ws.connect from
-- the main task, which asserts the responses. A failed assertion inside a handler comes back
-- as a 500 whose body is the assertion's message, so the client's check names it.
--
-- Under `assay test` the file's VM is closed once its last test ends, server and all (a plain
-- run would keep going while the server lives, README §0 item 7).

local seen = {} -- what the handlers saw, for the checks the client cannot make itself

local function expect(cond, ...)
  if not cond then error(table.concat({ ... }, " "), 2) end
end

local routes = {
  GET = {
    -- a Kubernetes-like read: path parameters, query, bearer token
    ["/api/v1/namespaces/:ns/pods/:name"] = function(req)
      expect(req.method == "GET", "method", req.method)
      expect(req.path_params.ns == "kube-system" and req.path_params.name == "dns 1", "path_params",
        req.path_params.ns, req.path_params.name)
      expect(req.path == "/api/v1/namespaces/kube-system/pods/dns%201", "path", req.path)
      expect(req.query == "watch=false&labelSelector=app%3Ddns", "query", req.query)
      expect(req.params.labelSelector == "app=dns" and req.params.watch == "false", "params")
      expect(req.headers.authorization == "Bearer t0k3n", "authorization", tostring(req.headers.authorization))
      expect(req.headers["user-agent"]:match("^assay/"), "user-agent", tostring(req.headers["user-agent"]))
      expect(req.body == "", "a GET has no body")
      return { json = { kind = "Pod", metadata = { name = req.path_params.name, namespace = req.path_params.ns } },
        headers = { ["X-Request-Id"] = 7, ["Set-Cookie"] = { "a=1", "b=2" } } }
    end,
    ["/missing-on-purpose"] = function() return { status = 404, json = { message = "not here" } } end,
    ["/boom"] = function() error("handler blew up") end,
    ["/not-a-table"] = function() return "nope" end,
    -- a handler may call the client itself (here: another route of the same server)
    ["/proxy"] = function(req)
      local inner = http.get("http://127.0.0.1:" .. _SERVER_PORT .. "/api/v1/namespaces/kube-system/pods/dns%201?watch=false&labelSelector=app%3Ddns",
        { headers = { Authorization = req.headers.authorization } })
      return { status = inner.status, body = inner.body, headers = { ["content-type"] = inner.headers["content-type"] } }
    end,
    ["/events"] = function()
      return { sse = function(send)
        for i = 1, 3 do send({ event = "tick", data = "n=" .. i .. "\nline 2", id = tostring(i) }) end
      end }
    end,
    ["/ws/:room"] = { ws = function(conn, req)
      conn:send("joined " .. req.path_params.room .. " as " .. (req.params.who or "?"))
      while true do
        local msg, kind = conn:recv()
        if msg == nil then seen.ws_peer_closed = true return end
        if msg == "bye" then conn:close() return end
        conn:send(kind .. ":" .. #msg, { binary = false })
        conn:send(msg, { binary = kind == "binary" })
      end
    end },
  },
  POST = {
    -- a Vault-like write: JSON body, token header
    ["/v1/secret/data/:path"] = function(req)
      expect(req.method == "POST", "method", req.method)
      expect(req.headers["content-type"] == "application/json", "content-type", tostring(req.headers["content-type"]))
      expect(req.headers["x-vault-token"] == "s.root", "token", tostring(req.headers["x-vault-token"]))
      local body = json.parse(req.body)
      expect(body.data.password == "hunter2" and math.type(body.options.cas) == "integer", "body", req.body)
      return { status = 201, json = { data = { version = 3, path = req.path_params.path } } }
    end,
    -- bytes both ways
    ["/echo"] = function(req)
      return { body = req.body, headers = { ["content-type"] = "application/octet-stream" } }
    end,
  },
  PUT = {
    ["/v1/config"] = function(req)
      expect(req.body == "plain text body", "body", req.body)
      expect(req.headers["content-type"] == "text/plain", "content-type", tostring(req.headers["content-type"]))
      return { status = 204 }
    end,
  },
  PATCH = {
    ["/apis/apps/v1/deployments/:name"] = function(req)
      expect(req.headers["content-type"] == "application/merge-patch+json", "content-type", tostring(req.headers["content-type"]))
      local patch = json.parse(req.body)
      return { json = { name = req.path_params.name, replicas = patch.spec.replicas } }
    end,
  },
  DELETE = {
    ["/v1/secret/metadata/:path"] = function(req)
      seen.deleted = req.path_params.path
      return { status = 204 }
    end,
  },
}

async.spawn(function() http.serve(0, routes, { host = "127.0.0.1" }) end)
while not _SERVER_PORT do sleep(0.01) end
assert(math.type(_SERVER_PORT) == "integer" and _SERVER_PORT > 0)
local base = "http://127.0.0.1:" .. _SERVER_PORT

local function ok(r, want)
  assert(r.status == (want or 200), ("status %d: %s"):format(r.status, r.body or ""))
  return r
end

-- GET with path parameters, query and headers
local r = ok(http.get(base .. "/api/v1/namespaces/kube-system/pods/dns%201?watch=false&labelSelector=app%3Ddns",
  { headers = { Authorization = "Bearer t0k3n" } }))
assert(r.headers["content-type"] == "application/json", r.headers["content-type"])
assert(r.headers["x-request-id"] == "7")
assert(r.headers["set-cookie"] == "b=2", "a repeated set-cookie keeps its last value")
local pod = json.parse(r.body)
assert(pod.kind == "Pod" and pod.metadata.name == "dns 1" and pod.metadata.namespace == "kube-system")

-- the same through a client with a base URL and default headers
local kube = http.client({ base_url = base .. "/api/v1", headers = { Authorization = "Bearer t0k3n" } })
r = ok(kube:get("namespaces/kube-system/pods/dns%201?watch=false&labelSelector=app%3Ddns"))
assert(json.parse(r.body).metadata.name == "dns 1")

-- POST a table: JSON with its content type
r = ok(http.post(base .. "/v1/secret/data/db", { data = { password = "hunter2" }, options = { cas = 2 } },
  { headers = { ["X-Vault-Token"] = "s.root" } }), 201)
assert(json.parse(r.body).data.version == 3 and json.parse(r.body).data.path == "db")

-- PUT a string, PATCH with the caller's content type, DELETE
r = ok(http.put(base .. "/v1/config", "plain text body", { headers = { ["Content-Type"] = "text/plain" } }), 204)
assert(r.body == "")
r = ok(http.patch(base .. "/apis/apps/v1/deployments/web", { spec = { replicas = 3 } },
  { headers = { ["Content-Type"] = "application/merge-patch+json" } }))
assert(json.parse(r.body).replicas == 3 and json.parse(r.body).name == "web")
ok(http.delete(base .. "/v1/secret/metadata/old"), 204)
assert(seen.deleted == "old")
ok(http.request({ method = "DELETE", url = base .. "/v1/secret/metadata/older" }), 204)
assert(seen.deleted == "older")

-- every byte value survives the round trip
local bytes = {}
for b = 0, 255 do bytes[#bytes + 1] = string.char(b) end
bytes = table.concat(bytes):rep(16)
r = ok(http.post(base .. "/echo", bytes))
assert(r.body == bytes and r.headers["content-type"] == "application/octet-stream")

-- not found, a failing handler, a handler that returns no table: responses, not client errors
r = http.get(base .. "/nowhere")
assert(r.status == 404 and r.body == "not found" and r.headers["content-type"] == "text/plain")
r = http.get(base .. "/missing-on-purpose")
assert(r.status == 404 and json.parse(r.body).message == "not here")
r = http.get(base .. "/boom")
assert(r.status == 500 and r.body:match("^handler error: .*http_loopback_test%.lua:%d+: handler blew up$"), r.body)
r = http.get(base .. "/not-a-table")
assert(r.status == 500 and r.body == "handler error: the handler returned a string value instead of a response table", r.body)
r = http.request({ method = "HEAD", url = base .. "/api/v1/namespaces/kube-system/pods/x" })
assert(r.status == 404, "HEAD is not mapped to GET")

-- a handler that is itself a client of the server
r = ok(http.get(base .. "/proxy", { headers = { Authorization = "Bearer t0k3n" } }))
assert(json.parse(r.body).kind == "Pod")

-- concurrent calls from several tasks
local tasks = {}
for i = 1, 10 do
  tasks[i] = async.spawn(function() return http.post(base .. "/echo", "task " .. i).body end)
end
for i = 1, 10 do assert(tasks[i]:await()[1] == "task " .. i) end

-- an event stream read event by event
local events = {}
r = http.get(base .. "/events", { on_event = function(e) events[#events + 1] = e end })
assert(r.status == 200 and r.body == nil and #events == 3, #events)
assert(events[2].event == "tick" and events[2].data == "n=2\nline 2" and events[2].id == "2")

-- the WebSocket route, driven by the ws client
local conn = ws.connect("ws://127.0.0.1:" .. _SERVER_PORT .. "/ws/ops?who=bot")
local msg, kind = ws.recv(conn)
assert(msg == "joined ops as bot" and kind == "text", msg)
ws.send(conn, "héllo")
assert(ws.recv(conn) == "text:6")
msg, kind = ws.recv(conn)
assert(msg == "héllo" and kind == "text")
ws.send(conn, "\0\255\r\n", { binary = true })
assert(ws.recv(conn) == "binary:4")
msg, kind = ws.recv(conn)
assert(msg == "\0\255\r\n" and kind == "binary")
ws.send(conn, "bye")
local closed, err = pcall(ws.recv, conn)
assert(not closed and tostring(err):match("ws%.recv: connection closed$"), tostring(err))
ws.close(conn)

-- the client closing first: the handler's recv returns nil
conn = ws.connect("ws://127.0.0.1:" .. _SERVER_PORT .. "/ws/other")
assert(ws.recv(conn) == "joined other as ?")
ws.close(conn)
for _ = 1, 200 do
  if seen.ws_peer_closed then break end
  sleep(0.01)
end
assert(seen.ws_peer_closed, "the handler saw the client close")
