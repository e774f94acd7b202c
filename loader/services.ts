/**
 * Long-running services of a run (an `http.serve` server): while one is live the run does not
 * end when its main chunk returns (README §0 item 7), and SIGTERM/SIGINT ask every live service
 * to shut down gracefully before the run ends with exit code 0 (loader/shutdown.ts).
 *
 * @example
 * ```ts
 * const remove = ctx.services.add({ shutdown: () => server.drain() });
 * // ... once the server has closed:
 * remove();
 * ```
 */

export interface Service {
  /**
   * Stops taking new work and lets the work in progress finish (within the service's own
   * grace period); resolves once it is done. Called at most once.
   */
  shutdown(): Promise<void>;
}

export class Services {
  private live = new Set<Service>();
  private idleWaiters: (() => void)[] = [];
  private watchers: ((live: number) => void)[] = [];
  private stopping: Promise<void> | undefined;

  /** How many services are live. */
  get size(): number {
    return this.live.size;
  }

  /** Whether a shutdown was asked for. */
  get shuttingDown(): boolean {
    return this.stopping !== undefined;
  }

  /** Registers a live service; returns the function that removes it (idempotent). */
  add(service: Service): () => void {
    this.live.add(service);
    this.changed();
    // A service started while the others shut down is shut down too.
    if (this.stopping) void this.stopOne(service);
    return () => {
      if (!this.live.delete(service)) return;
      this.changed();
    };
  }

  /** Resolves once no service is live. */
  idle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Calls `watcher` with the number of live services whenever it changes; returns an unsubscribe. */
  watch(watcher: (live: number) => void): () => void {
    this.watchers.push(watcher);
    return () => {
      const i = this.watchers.indexOf(watcher);
      if (i >= 0) this.watchers.splice(i, 1);
    };
  }

  /** Asks every live service to shut down; resolves when all have. Later calls share the first. */
  shutdown(): Promise<void> {
    this.stopping ??= Promise.all([...this.live].map((s) => this.stopOne(s))).then(() => {});
    return this.stopping;
  }

  private async stopOne(service: Service): Promise<void> {
    try {
      await service.shutdown();
    } finally {
      if (this.live.delete(service)) this.changed();
    }
  }

  private changed(): void {
    const n = this.live.size;
    for (const watcher of [...this.watchers]) watcher(n);
    if (n === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
