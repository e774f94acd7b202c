/**
 * Entry point of the compiled binary: embeds wasmoon's glue.wasm as a file asset (Bun's
 * `type: "file"` import) and hands its path to the loader before running the CLI.
 */
import wasmPath from "../node_modules/wasmoon/dist/glue.wasm" with { type: "file" };
import { setWasmLocation } from "../loader/host.ts";

setWasmLocation(wasmPath);
const { main } = await import("../main.ts");
process.exit(await main(process.argv.slice(2)));
