/**
 * Listening for HTTP requests and WebSocket upgrades on whichever runtime runs us: `Bun.serve`
 * (upgrades through `server.upgrade` and its `websocket` handlers) or `Deno.serve` (upgrades
 * through `Deno.upgradeWebSocket`). The rest of the server (routing, Lua tasks) sees one
 * interface: a fetch function given a `Request` and the `Peer` it came from, and sockets with
 * the same events on both. Only the host facade calls `serve`, after asking the policy.
 *
 * @example
 * ```ts
 * const listener = serve({ hostname: "127.0.0.1", port: 0, maxBody: 1 << 20, fetch: (req) => new Response("hi"), onError });
 * console.log(listener.port);
 * await listener.stop();
 * ```
 */

export interface ServeOptions {
  hostname: string;
  /** 0 for an ephemeral port. */
  port: number;
  /** The largest request body accepted, in bytes (Bun answers 413 beyond it by itself). */
  maxBody: number;
  fetch(request: Request, peer: Peer): Response | Promise<Response>;
  /** An exception thrown by `fetch` (a bug): reported here, answered with a bare 500. */
  onError(error: unknown): void;
}

/** The connection a request came on, as far as the server needs it. */
export interface Peer {
  /** Lifts the idle timeout for this request: a slow handler or a stream may take as long as it needs. */
  untimed(): void;
  /**
   * Accepts the request as a WebSocket upgrade: `fetch` must answer with the returned
   * response. Null when the request is not an upgrade the runtime accepts.
   */
  upgrade(): { socket: ServerSocket; response: Response } | null;
}

export interface SocketEvents {
  message(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

/** A server-side WebSocket. */
export interface ServerSocket {
  /** Sets the event handlers; frames (and a close) that arrived before are delivered now. */
  attach(events: SocketEvents): void;
  /** Sends a frame (text for a string); resolves once the socket's buffer has room again. */
  send(data: string | Uint8Array): Promise<void>;
  /** Starts the closing handshake (`code` 1000 by default). */
  close(code?: number, reason?: string): void;
  readonly closed: boolean;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting connections; resolves when the open ones have finished. */
  stop(): Promise<void>;
  /** Closes every connection now. Idempotent. */
  close(): void;
}

/** The listening socket could not be opened (address in use, unknown host...). */
export class BindError extends Error {}

/** Buffered bytes beyond which `send` waits for the peer to catch up. */
const SEND_HIGH_WATER = 1 << 20;

/** Starts a server; throws BindError when it cannot listen. */
export function serve(options: ServeOptions): Listener {
  const g = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal };
  if (g.Bun) return serveBun(g.Bun, options);
  if (g.Deno) return serveDeno(g.Deno, options);
  throw new BindError("this runtime has no HTTP server (Bun or Deno is needed)");
}

/** Frames arriving before the socket's events are set, and the close that may follow them. */
class SocketBase {
  private events: SocketEvents | undefined;
  closed = false;
  private early: (string | Uint8Array)[] = [];
  private earlyClose: [number, string] | undefined;

  protected received(data: string | Uint8Array): void {
    if (this.events) return this.events.message(data);
    this.early.push(data);
  }

  protected ended(code: number, reason: string): void {
    this.closed = true;
    if (this.events) return this.events.close(code, reason);
    this.earlyClose = [code, reason];
  }

  attach(events: SocketEvents): void {
    this.events = events;
    for (const data of this.early.splice(0)) events.message(data);
    if (this.earlyClose) events.close(...this.earlyClose);
  }
}

// ---- Bun --------------------------------------------------------------------------------------

interface BunSocket {
  data: BunServerSocket;
  send(data: string | Uint8Array): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  upgrade(request: Request, options: { data: unknown }): boolean;
  timeout(request: Request, seconds: number): void;
}

interface BunGlobal {
  serve(options: Record<string, unknown>): BunServer;
}

class BunServerSocket extends SocketBase implements ServerSocket {
  private ws: BunSocket | undefined;
  private pending: (string | Uint8Array)[] = [];
  private closing: [number | undefined, string | undefined] | undefined;
  private drainWaiters: (() => void)[] = [];

  open(ws: BunSocket): void {
    this.ws = ws;
    for (const data of this.pending.splice(0)) ws.send(data);
    if (this.closing) ws.close(...this.closing);
  }

  message(data: string | Uint8Array): void {
    this.received(typeof data === "string" ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  closedBy(code: number, reason: string): void {
    for (const wake of this.drainWaiters.splice(0)) wake();
    this.ended(code, reason);
  }

  drain(): void {
    if (this.ws && this.ws.getBufferedAmount() >= SEND_HIGH_WATER) return;
    for (const wake of this.drainWaiters.splice(0)) wake();
  }

  send(data: string | Uint8Array): Promise<void> {
    if (!this.ws) {
      this.pending.push(data);
      return Promise.resolve();
    }
    this.ws.send(data);
    if (this.closed || this.ws.getBufferedAmount() < SEND_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(code?: number, reason?: string): void {
    if (this.ws) this.ws.close(code, reason);
    else this.closing ??= [code, reason];
  }
}

class BunPeer implements Peer {
  constructor(private request: Request, private server: BunServer) {}

  untimed(): void {
    this.server.timeout(this.request, 0);
  }

  upgrade(): { socket: ServerSocket; response: Response } | null {
    const socket = new BunServerSocket();
    if (!this.server.upgrade(this.request, { data: socket })) return null;
    // Bun has answered the upgrade itself: `fetch` must return nothing, so the response is a
    // marker the wrapper below turns into undefined.
    return { socket, response: UPGRADED };
  }
}

const UPGRADED = new Response(null, { status: 200 });

function serveBun(Bun: BunGlobal, options: ServeOptions): Listener {
  let server: BunServer;
  try {
    server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      development: false,
      // Bun turns port sharing on in production mode unless told otherwise: a second server
      // on a port in use must fail, not split the traffic.
      reusePort: false,
      // Bun caps it at 2^32 - 1 (and answers 413 beyond it).
      maxRequestBodySize: Math.min(options.maxBody, 2 ** 32 - 1),
      fetch(request: Request, server: BunServer) {
        const response = options.fetch(request, new BunPeer(request, server));
        if (response instanceof Promise) return response.then((r) => (r === UPGRADED ? undefined : r));
        return response === UPGRADED ? undefined : response;
      },
      error(error: unknown) {
        options.onError(error);
        return new Response("internal server error", { status: 500, headers: { "content-type": "text/plain" } });
      },
      websocket: {
        open: (ws: BunSocket) => ws.data.open(ws),
        message: (ws: BunSocket, data: string | Uint8Array) => ws.data.message(data),
        close: (ws: BunSocket, code: number, reason: string) => ws.data.closedBy(code, reason),
        drain: (ws: BunSocket) => ws.data.drain(),
      },
    });
  } catch (e) {
    throw new BindError(bunBindError(e, options));
  }
  let closed = false;
  return {
    port: server.port,
    stop: () => server.stop(false),
    close() {
      if (closed) return;
      closed = true;
      void server.stop(true);
    },
  };
}

/** Bun says "Is port N in use?" for every failure to listen, an unknown host included. */
function bunBindError(e: unknown, options: ServeOptions): string {
  const code = (e as { code?: string }).code;
  const where = `${options.hostname}:${options.port}`;
  if (code === "EADDRINUSE") return `cannot listen on ${where}: address in use or not available (EADDRINUSE)`;
  if (code === "EACCES") return `cannot listen on ${where}: permission denied (EACCES)`;
  return `cannot listen on ${where}: ${(e as Error).message ?? e}`;
}

// ---- Deno -------------------------------------------------------------------------------------

interface DenoWebSocket {
  binaryType: string;
  readyState: number;
  bufferedAmount: number;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

interface DenoServer {
  addr: { port: number };
  shutdown(): Promise<void>;
  unref(): void;
}

interface DenoGlobal {
  serve(
    options: { hostname: string; port: number; onListen(): void; onError(e: unknown): Response },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
  upgradeWebSocket(request: Request): { socket: DenoWebSocket; response: Response };
}

const OPEN = 1;

class DenoServerSocket extends SocketBase implements ServerSocket {
  private pending: (string | Uint8Array)[] = [];
  private closing: [number | undefined, string | undefined] | undefined;

  constructor(private ws: DenoWebSocket) {
    super();
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      for (const data of this.pending.splice(0)) ws.send(data);
      if (this.closing) ws.close(...this.closing);
    };
    ws.onmessage = (event) => this.received(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
    ws.onclose = (event) => this.ended(event.code, event.reason);
    ws.onerror = () => {};
  }

  async send(data: string | Uint8Array): Promise<void> {
    if (this.ws.readyState !== OPEN) {
      if (!this.closed) this.pending.push(data);
      return;
    }
    this.ws.send(data);
    // Deno's WebSocket has no drain event: poll until the buffer has room again.
    while (this.ws.readyState === OPEN && this.ws.bufferedAmount >= SEND_HIGH_WATER) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === OPEN) this.ws.close(code, reason);
    else this.closing ??= [code, reason];
  }
}

class DenoPeer implements Peer {
  constructor(private Deno: DenoGlobal, private request: Request) {}

  untimed(): void {}

  upgrade(): { socket: ServerSocket; response: Response } | null {
    try {
      const { socket, response } = this.Deno.upgradeWebSocket(this.request);
      return { socket: new DenoServerSocket(socket), response };
    } catch {
      return null;
    }
  }
}

function serveDeno(Deno: DenoGlobal, options: ServeOptions): Listener {
  let server: DenoServer;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen() {},
      onError(error) {
        options.onError(error);
        return new Response("internal server error", { status: 500, headers: { "content-type": "text/plain" } });
      },
    }, (request) => options.fetch(request, new DenoPeer(Deno, request)));
  } catch (e) {
    throw new BindError(`cannot listen on ${options.hostname}:${options.port}: ${(e as Error).message ?? e}`);
  }
  let stopping: Promise<void> | undefined;
  return {
    port: server.addr.port,
    stop: () => (stopping ??= server.shutdown()),
    close() {
      // Deno cannot cut open connections: stop accepting, and let the process end without them.
      stopping ??= server.shutdown();
      server.unref();
    },
  };
}
