/**
 * Certificates for the database servers' TLS, made by `openssl` (an independent peer, as in the
 * other TLS tests): a CA, and a server certificate it signs for 127.0.0.1 and localhost, so a
 * client verifying fully (chain and name) accepts the server only when given the CA.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ServerCerts {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Writes ca.pem, server.pem and server.key into `dir` (created). P-256 keys: fast to make. */
export function makeServerCerts(dir: string): ServerCerts {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ecKey, "-keyout", at("ca.key"), "-out", at("ca.pem"), "-days", "3", "-subj", "/CN=assay test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ecKey, "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(at("server.ext"), [
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "",
  ].join("\n"));
  openssl("x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial",
    "-days", "3", "-extfile", at("server.ext"), "-out", at("server.pem"));
  return { caFile: at("ca.pem"), certFile: at("server.pem"), keyFile: at("server.key") };
}
