/**
 * `http` (builtins.md §1): the client functions (builtins/http/client.ts) and the server
 * (builtins/http/server.ts) under one global, so a profile can install `http.get` without
 * `http.serve` (each function declares its own capabilities).
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { clientFunctions, installClient } from "./http/client.ts";
import { installServer, serverFunctions } from "./http/server.ts";

registerBuiltin({
  name: "http",
  description: "HTTP client and server",
  functions: { ...clientFunctions, ...serverFunctions },
  install: (ctx) => ({ ...installClient(ctx), ...installServer(ctx) }),
});
