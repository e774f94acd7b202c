/**
 * Entry point of the compiled binary: embeds wasmoon's glue.wasm and the runtime's native helpers as file assets (Bun's
 * `type: "file"` import) and hands their paths to the loader before running the CLI.
 */
import wasmPath from "../node_modules/wasmoon/dist/glue.wasm" with { type: "file" };
import nativePath from "../native/assay-native.wasm" with { type: "file" };
import { setWasmLocation } from "../loader/host.ts";

setWasmLocation(wasmPath, nativePath);
const { main } = await import("../main.ts");
// argv0 is the name the binary was started under (process.argv[0] is always "bun"): a link
// named `lua` selects lua mode.
process.exit(await main(process.argv.slice(2), process.argv0));
