/**
 * `http` (builtins.md §1): the client functions (builtins/http/client.ts) and the server
 * (builtins/http/server.ts) under one global, so a profile can install `http.get` without
 * `http.serve` (each function declares its own capabilities).
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { clientFunctions, installClient } from "./http/client.ts";
import { installServer, serverFunctions } from "./http/server.ts";
import { httpClasses } from "./http/classes.ts";

registerBuiltin({
  name: "http",
  description: "HTTP client and server",
  keywords: ["client", "server", "request", "response", "rest", "api", "url", "fetch", "get", "post", "webhook", "https", "tls", "mtls", "sse", "websocket", "download", "serve"],
  example: 'local r = http.get("https://api.example.com/health", { timeout = 5 }); assert.eq(r.status, 200)',
  functions: { ...clientFunctions, ...serverFunctions },
  classes: httpClasses,
  globals: { _SERVER_PORT: { type: "integer?", description: "The port http.serve bound (useful with port 0), once it listens" } },
  install: (ctx) => ({ ...installClient(ctx), ...installServer(ctx) }),
});
