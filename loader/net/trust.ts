/**
 * The TLS roots every HTTP and WebSocket client trusts besides the runtime's bundled ones
 * (issue 7 item 2): the OS bundle when present, `SSL_CERT_FILE` and the files in each
 * `SSL_CERT_DIR` directory when set, and the Kubernetes service-account CA when it exists, so
 * in-cluster calls work with no flags. The runtime reads these files itself: they configure
 * the runtime, not the script, so no sandbox profile denies them.
 *
 * Only the certificates the bundled list lacks are returned (most of an OS bundle repeats
 * it), each checked to parse: one bad entry would make Bun refuse every TLS connection.
 * The answer is computed once per process for each value of the variables.
 *
 * `ASSAY_TEST_SA_CA` replaces the service-account CA path. It exists for the test suite only
 * (a test cannot create /var/run/secrets), and is not a supported setting.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { certificateBlocks, isCertificate, normalized } from "./pem.ts";
import type { EnvReader } from "./proxy.ts";

/** Where a pod finds the cluster's CA. */
export const SERVICE_ACCOUNT_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
/** Test-only override of SERVICE_ACCOUNT_CA's path. */
export const SERVICE_ACCOUNT_CA_OVERRIDE = "ASSAY_TEST_SA_CA";

/** OS bundles, by distribution; the first that exists is read. */
const OS_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // Alpine, macOS
];

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function dirTexts(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const texts: string[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) texts.push(readText(path));
    } catch {
      // a dangling link
    }
  }
  return texts;
}

/** The texts of every trust file that exists, in a fixed order. */
function trustTexts(env: EnvReader): string[] {
  const texts: string[] = [];
  for (const path of OS_BUNDLES) {
    const text = readText(path);
    if (text === "") continue;
    texts.push(text);
    break;
  }
  const file = env("SSL_CERT_FILE");
  if (file) texts.push(readText(file));
  for (const dir of (env("SSL_CERT_DIR") ?? "").split(":").filter(Boolean)) texts.push(...dirTexts(dir));
  texts.push(readText(env(SERVICE_ACCOUNT_CA_OVERRIDE) || SERVICE_ACCOUNT_CA));
  return texts;
}

const cache = new Map<string, readonly string[]>();

/** The trusted certificates (PEM) missing from `bundled`; the same array while the variables stay. */
export function systemRoots(env: EnvReader, bundled: readonly string[]): readonly string[] {
  const key = [env("SSL_CERT_FILE"), env("SSL_CERT_DIR"), env(SERVICE_ACCOUNT_CA_OVERRIDE)].join("\0");
  let roots = cache.get(key);
  if (roots) return roots;
  const seen = new Set(bundled.map(normalized));
  const extra: string[] = [];
  for (const text of trustTexts(env)) {
    for (const block of certificateBlocks(text)) {
      const id = normalized(block);
      if (seen.has(id)) continue;
      seen.add(id);
      if (isCertificate(block)) extra.push(block);
    }
  }
  roots = Object.freeze(extra);
  cache.set(key, roots);
  return roots;
}
