/**
 * One WebSocket client connection as `ws.recv` needs it: the socket's events turned into a
 * queue that a Lua task waits on. Messages that arrive while nobody waits are kept in order;
 * once the connection has closed, what was received before is still delivered, then every
 * `recv` fails. `send` waits while the socket's outgoing buffer is large, so a fast sender
 * does not pile up memory behind a slow peer.
 */

/** One message: text, or a binary frame's bytes. */
export interface WsMessage {
  data: string | Uint8Array;
  binary: boolean;
}

/** The connection closed (by either side, or the network failed). */
export class ClosedError extends Error {
  constructor() {
    super("connection closed");
  }
}

/** Bytes in the outgoing buffer above which `send` waits for it to drain. */
const HIGH_WATER = 1 << 20;
/** How long `close` waits for the peer's close frame before dropping the connection. */
const CLOSE_WAIT_MS = 3000;

interface Waiter {
  resolve(message: WsMessage): void;
  reject(error: Error): void;
}

export class WsConnection {
  private queue: WsMessage[] = [];
  private waiters: Waiter[] = [];
  private closedAt: Promise<void>;
  private markClosed!: () => void;
  closed = false;

  /** `early`: what the socket received before this took it over, in order. */
  constructor(private socket: WebSocket, early: MessageEvent[] = []) {
    this.closedAt = new Promise((resolve) => (this.markClosed = resolve));
    for (const event of early) this.deliver(toMessage(event.data));
    socket.onmessage = (event) => this.deliver(toMessage(event.data));
    socket.onclose = () => this.ended();
    // An error is followed by a close event, which ends the connection.
    socket.onerror = () => {};
    if (socket.readyState >= WebSocket.CLOSING) this.ended();
  }

  private deliver(message: WsMessage): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(message);
    else this.queue.push(message);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ClosedError());
    this.markClosed();
  }

  /** The next message; fails with ClosedError once the connection has closed and the queue is empty. */
  recv(signal: AbortSignal): Promise<WsMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new ClosedError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (m) => {
          signal.removeEventListener("abort", onAbort);
          resolve(m);
        },
        reject: (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Sends one frame, then waits while the outgoing buffer is above its high-water mark. */
  async send(data: string | Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) throw new ClosedError();
    this.socket.send(data as string | Uint8Array<ArrayBuffer>);
    while (this.socket.bufferedAmount > HIGH_WATER && !this.closed) {
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Sends a close frame and waits (a while) for the peer's; closing twice does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close(1000);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.closedAt, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.ended();
  }

  /** Drops the connection at once (the handle was collected or the VM closes). */
  terminate(): void {
    if (this.socket.readyState < WebSocket.CLOSING) {
      try {
        this.socket.close(1001);
      } catch {
        // The WebSocket standard lets a client send only 1000 or 3000-4999 (Deno holds to it; Bun does not).
        this.socket.close(1000);
      }
    }
    this.ended();
  }
}

function toMessage(data: unknown): WsMessage {
  if (typeof data === "string") return { data, binary: false };
  if (data instanceof ArrayBuffer) return { data: new Uint8Array(data), binary: true };
  if (ArrayBuffer.isView(data)) return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), binary: true };
  return { data: new Uint8Array(0), binary: true };
}
