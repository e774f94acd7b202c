/**
 * Graceful shutdown on SIGTERM and SIGINT, which is what a Kubernetes rolling update sends a
 * pod: while a service (a server) is live, the signal asks every service to shut down (stop
 * accepting, let work in progress finish within its grace period), then stops the VM, and the
 * run ends with exit code 0. A second signal stops the VM at once. While no service is live
 * the signals keep their default action, so a plain script still dies of Ctrl-C.
 *
 * @example
 * ```ts
 * const shutdown = watchShutdown(vm);
 * try { ... await scheduler.run(main) ... if (shutdown.requested) return 0 } finally { shutdown.dispose() }
 * ```
 */
import { LuaError } from "./lua-api.ts";
import type { Vm } from "./vm.ts";

export interface ShutdownWatch {
  /** Whether a signal asked the run to shut down. */
  readonly requested: boolean;
  /** Stops listening for the signals. */
  dispose(): void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

export function watchShutdown(vm: Vm): ShutdownWatch {
  const { services, log } = vm.ctx;
  let requested = false;
  let listening = false;
  const stopVm = () => vm.stop(new LuaError("the run was shut down", 0));
  const onSignal = (signal: string) => {
    if (requested) {
      log.write("DEBUG", "assay", `${signal} during shutdown: stopping now`);
      stopVm();
      return;
    }
    requested = true;
    log.write("DEBUG", "assay", `${signal}: shutting down`, { services: services.size });
    services.shutdown().then(stopVm, stopVm);
  };
  const handlers = SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  const listen = (on: boolean) => {
    if (on === listening) return;
    listening = on;
    for (const [signal, handler] of handlers) {
      if (on) process.on(signal, handler);
      else process.off(signal, handler);
    }
  };
  // Once a shutdown has begun the listeners stay, so that a second signal cuts it short
  // rather than killing the process with the signal's default exit status.
  const unwatch = services.watch((live) => listen(live > 0 || requested));
  listen(services.size > 0);
  return {
    get requested() {
      return requested;
    },
    dispose() {
      unwatch();
      listen(false);
    },
  };
}
