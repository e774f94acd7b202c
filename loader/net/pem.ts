/**
 * PEM certificates and keys as the HTTP client takes them: split into blocks, each checked
 * by parsing it, so a bad CA is reported where it is given (`http.client: invalid CA cert
 * PEM: ...`) instead of failing every TLS connection later (Bun refuses to connect at all
 * when one entry of its CA list does not parse).
 *
 * @example
 * ```ts
 * const roots = parseCertificates(pemText); // ["-----BEGIN CERTIFICATE-----\n...", ...]
 * ```
 */
import { createPrivateKey, X509Certificate } from "node:crypto";

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificate blocks in a text, unchecked. */
export function certificateBlocks(text: string): string[] {
  return text.match(CERTIFICATE) ?? [];
}

/** Whether a block parses as an X.509 certificate. */
export function isCertificate(block: string): boolean {
  try {
    new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

/** The certificates in `text`; throws an Error saying why when there is none or one does not parse. */
export function parseCertificates(text: string): string[] {
  const blocks = certificateBlocks(text);
  if (blocks.length === 0) throw new Error("no certificate found (expected a -----BEGIN CERTIFICATE----- block)");
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new Error(`certificate ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return blocks;
}

/** Throws an Error saying why `text` is not a PEM private key. */
export function checkPrivateKey(text: string): void {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new Error("no private key found (expected a -----BEGIN ... PRIVATE KEY----- block)");
  createPrivateKey(text);
}

/** A block with its line breaks and spaces removed, to compare certificates as text. */
export function normalized(block: string): string {
  return block.replace(/\s+/g, "");
}
