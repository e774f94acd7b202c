/**
 * The version `assay --version` prints: the package version, followed in a built binary by
 * semver build metadata naming the commit it was built from (`0.1.0+abc1234`, or
 * `0.1.0+abc1234.dirty` when tracked files differed from that commit). scripts/compile.ts
 * stamps the metadata in with Bun's `--define`; run from source (Deno, `npm run assay`) or
 * built outside a git checkout, nothing is stamped and the version is the package's alone.
 * Build metadata is part of a semver version, so `assay <version>` (spec README §0 item 15)
 * still holds, and a bug report can name the exact build.
 *
 * @example
 * import { VERSION } from "./loader/version.ts";
 * console.log(`assay ${VERSION}`); // "assay 0.1.0+abc1234" from a build of commit abc1234
 */
import pkg from "../package.json" with { type: "json" };

/** Replaced by a string literal at build time (scripts/compile.ts); undeclared at run time otherwise. */
declare const ASSAY_BUILD_METADATA: string | undefined;

const metadata = typeof ASSAY_BUILD_METADATA === "string" ? ASSAY_BUILD_METADATA : "";

/** `<package version>[+<build metadata>]`. */
export const VERSION: string = metadata ? `${pkg.version}+${metadata}` : pkg.version;
