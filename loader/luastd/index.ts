/**
 * Host-facing patches of Lua's standard library, installed before any user code runs:
 * coroutine functions that cooperate with the scheduler, policy checks on `io`/`os`/`load*`,
 * host errno numbers, `io.popen`, the POSIX behaviour of `os.execute`/`exit`/`getenv`/
 * `tmpname`/`clock`/`setlocale`, the reference's `os` additions, profile pruning and signal
 * handling. `print`, `io.write` and file methods stay Lua's own C code (see wasi-errno.ts for
 * how their errno numbers become the host's at no cost).
 */
import type { BuiltinContext } from "../plugin.ts";
import { installCoroutine } from "./coroutine.ts";
import { Errno } from "./errno.ts";
import { installIo } from "./io.ts";
import { installLoad } from "./load.ts";
import { installOs } from "./os.ts";
import { applyProfile } from "./profile.ts";
import { installSignals } from "./signals.ts";
import { setStdoutBuffering } from "./stdio.ts";

export function installLuaStd(ctx: BuiltinContext): void {
  const errno = new Errno(ctx.api);
  installCoroutine(ctx);
  installIo(ctx, errno);
  installOs(ctx, errno);
  installLoad(ctx);
  applyProfile(ctx);
  installSignals(ctx);
  setStdoutBuffering(ctx);
}
