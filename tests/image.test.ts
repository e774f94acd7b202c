/**
 * The FROM scratch image of container/Containerfile runs real scripts: its root file system
 * is built with `podman build` and exported from a container where podman is installed
 * (otherwise laid out from the Containerfile's own lines), then scripts run in it by chroot
 * with /proc mounted, the way a container runtime starts them, sharing the host's network:
 * hello, HTTP to a server of this test on 127.0.0.1, a file written in /tmp, HTTPS with a CA
 * file inside the image (`http.client{ca_cert_file}` and SSL_CERT_FILE), and the assay-full
 * variant loading the stdlib from /lib/assay.
 *
 * Skipped, with the reason printed, only where /proc cannot be mounted (not root); under CI
 * it always runs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT, tempDir } from "./helpers.ts";
import { makeCertificates } from "./peers.ts";
import { chrootSkip, mountProc, newRoot, removeRoots, runInRoot } from "./chroot.ts";
import { assembleRoot, buildRoot, hasPodman, type ImageRoot } from "../scripts/container/rootfs.ts";
import { stage } from "../scripts/container/stage.ts";

const skip = chrootSkip();
const builder = hasPodman() ? "podman build and export" : "the Containerfile's lines (podman is not installed)";
// The reason in a test's name: deno test --quiet prints no console output, but every test's name.
if (skip) test(`image tests skipped: ${skip}`, { skip: true }, () => {});

interface Built {
  root: string;
  image: ImageRoot;
  /** Every path in the root as built, before any test wrote into it: `mode size path`. */
  listing: string[];
}

let base: Built;
let full: Built;
let plain: Server;
let secure: Server;

/**
 * `mode size path` for everything under `root` (directories without a size; a symbolic link's
 * mode reads `link`, so a link where a real file belongs shows), depth first, names sorted.
 */
function listing(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = `${dir}/${name}`;
    const info = lstatSync(join(root, path));
    const mode = info.isSymbolicLink() ? "link" : (info.mode & 0o7777).toString(8).padStart(4, "0");
    if (info.isDirectory()) out.push(`${mode} - ${path}/`, ...listing(root, path));
    else out.push(`${mode} ${info.size} ${path}`);
  }
  return out;
}

function build(target: string): Built {
  const root = newRoot();
  const image = buildRoot(target, root);
  const built = { root, image, listing: listing(root) };
  mountProc(root);
  mkdirSync(join(root, "work"));
  return built;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ path: req.url }));
}

/** Writes `code` as /work/`name` in the root (a script mounted into the container). */
function script(root: string, name: string, code: string): string {
  writeFileSync(join(root, "work", name), code);
  return `/work/${name}`;
}

before(() => {
  if (skip) return;
  stage();
  base = build("assay");
  full = build("assay-full");
  const certs = makeCertificates(tempDir());
  for (const b of [base, full]) copyFileSync(certs.ca, join(b.root, "work", "ca.pem"));
  plain = createServer(answer);
  secure = createTlsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, answer);
});

after(async () => {
  await Promise.all([plain, secure].map((s) => s?.listening ? new Promise((r) => s.close(r)) : undefined));
  removeRoots();
});

const LIBS = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libdl.so.2", "/lib/x86_64-linux-gnu/libm.so.6", "/lib/x86_64-linux-gnu/libpthread.so.0"];

test(`the image (made by ${builder}) holds the binary, the loader, four glibc libraries and an empty /tmp (1777), nothing else`, { skip }, () => {
  const paths = base.listing.map((l) => l.split(" ")[2]);
  assert.deepEqual(paths, ["/assay", "/lib/", "/lib/x86_64-linux-gnu/", ...LIBS, "/lib64/", "/lib64/ld-linux-x86-64.so.2", "/tmp/"]);
  assert.ok(base.listing.includes("1777 - /tmp/"), base.listing.join("\n"));
  // Real files (no links), executable where they are run.
  for (const path of ["/assay", "/lib64/ld-linux-x86-64.so.2"]) assert.ok(base.listing.some((l) => new RegExp(`^0755 \\d+ ${path}$`).test(l)), base.listing.join("\n"));
  assert.ok(!base.listing.some((l) => l.startsWith("link")), base.listing.join("\n"));
  assert.deepEqual(base.image.entrypoint, ["/assay"]);
  assert.equal(base.image.env.ASSAY_LIB_PATH, undefined);
  // The full variant is the same files plus the stdlib's.
  const stdlib = readdirSync(join(ROOT, "stdlib")).filter((n) => n.endsWith(".lua")).sort();
  const added = ["0755 - /lib/assay/", ...stdlib.map((n) => {
    const info = statSync(join(ROOT, "stdlib", n));
    return `${(info.mode & 0o7777).toString(8).padStart(4, "0")} ${info.size} /lib/assay/${n}`;
  })];
  assert.deepEqual([...full.listing].sort(byPath), [...base.listing, ...added].sort(byPath));
  assert.deepEqual(full.image.env.ASSAY_LIB_PATH, "/lib/assay");
});

function byPath(a: string, b: string): number {
  const pa = a.split(" ")[2];
  const pb = b.split(" ")[2];
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

test("the Containerfile's lines alone (the way without podman) lay out the same root podman builds", { skip: skip || !hasPodman() }, () => {
  for (const [target, built] of [["assay", base], ["assay-full", full]] as const) {
    const root = newRoot();
    const image = assembleRoot(target, root);
    assert.deepEqual(listing(root), built.listing, target);
    assert.deepEqual([image.env, image.entrypoint], [built.image.env, built.image.entrypoint], target);
  }
});

test("hello: a script runs in the image with only /proc mounted, and prints", { skip }, async () => {
  const hello = script(base.root, "hello.lua", `print("hello from " .. os.platform() .. " " .. os.arch() .. ", HOME=" .. os.getenv("HOME"))`);
  const r = await runInRoot(base.root, base.image, [hello]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "hello from linux x86_64, HOME=/\n", ""]);
  const version = await runInRoot(base.root, base.image, ["--version"]);
  assert.match(version.stdout, /^assay \d+\.\d+\.\d+/);
});

test("an HTTP call to a server on 127.0.0.1, and files written in /tmp, as root and as nobody (65534)", { skip }, async () => {
  const port = await listen(plain);
  const job = script(base.root, "job.lua", `
    local r = http.get("http://127.0.0.1:${port}/status?from=image")
    assert.eq(r.status, 200)
    local body = json.parse(r.body)
    fs.write(arg[1], json.encode({ path = body.path }))
    local name = os.tmpname()
    local f = assert(io.open(name, "w"))
    f:write("scratch")
    f:close()
    print(name:match("^/tmp/") ~= nil, io.open(name):read("a"), fs.read(arg[1]))
    os.remove(name)
  `);
  for (const [user, out] of [[undefined, "/tmp/root/result.json"], ["65534:65534", "/tmp/nobody/result.json"]]) {
    const r = await runInRoot(base.root, base.image, [job, out!], { user });
    assert.deepEqual([r.code, r.stderr, r.stdout], [0, "", 'true\tscratch\t{"path":"/status?from=image"}\n'], user ?? "root");
    // Written inside the image's /tmp, seen from the host under the root's tmp/.
    assert.equal(readFileSync(join(base.root, out!), "utf8"), '{"path":"/status?from=image"}');
    if (user) assert.equal(statSync(join(base.root, out!)).uid, 65534);
  }
});

test("HTTPS with a test CA inside the image: http.client{ca_cert_file}, SSL_CERT_FILE; refused without it", { skip }, async () => {
  const port = await listen(secure);
  const url = `https://127.0.0.1:${port}/secure`;
  const tls = script(base.root, "tls.lua", `
    local c = http.client({ ca_cert_file = "/work/ca.pem" })
    print(c:get("${url}").status)
    local ok, err = pcall(http.get, "${url}")
    print(ok, err)
  `);
  const r = await runInRoot(base.root, base.image, [tls]);
  assert.equal(r.code, 0, r.stderr);
  const [status, refused] = r.stdout.split("\n");
  assert.equal(status, "200");
  // Not trusted by the runtime's own roots, so the failure is the certificate's, not the network's.
  assert.match(refused, /^false\thttp\.get failed: .*(certificate|issuer)/i);
  const byEnv = script(base.root, "env.lua", `print(http.get("${url}").status)`);
  const viaEnv = await runInRoot(base.root, base.image, [byEnv], { env: { SSL_CERT_FILE: "/work/ca.pem" } });
  assert.deepEqual([viaEnv.code, viaEnv.stdout, viaEnv.stderr], [0, "200\n", ""]);
});

test("assay-full: require('assay.inspect') loads /lib/assay/inspect.lua, the file in the image", { skip }, async () => {
  const check = script(full.root, "full.lua", `
    local inspect = require("assay.inspect")
    print(package.loaded["assay.inspect"] == inspect, inspect({ a = 1 }), inspect.from_image)
  `);
  const before = await runInRoot(full.root, full.image, [check]);
  assert.deepEqual([before.code, before.stderr, before.stdout], [0, "", "true\t{ a = 1 }\tnil\n"]);
  // Changing the unpacked copy changes what require returns: it is that file, not the embedded one.
  const file = join(full.root, "lib", "assay", "inspect.lua");
  const source = readFileSync(file, "utf8");
  writeFileSync(file, `local m = (function(...)\n${source}\nend)(...)\nrawset(m, "from_image", "/lib/assay")\nreturn m\n`);
  const after = await runInRoot(full.root, full.image, [check]);
  assert.deepEqual([after.code, after.stderr, after.stdout], [0, "", "true\t{ a = 1 }\t/lib/assay\n"]);
  // The base image has no /lib/assay and finds the embedded copy.
  const embedded = await runInRoot(base.root, base.image, ["-e", "print(require('assay.inspect')({ 1 }))"]);
  assert.deepEqual([embedded.code, embedded.stdout], [0, "{ 1 }\n"]);
});
