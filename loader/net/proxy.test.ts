/**
 * Proxy choice from the environment: the scheme's variable (upper case first), NO_PROXY by
 * host, domain suffix, IP, CIDR range and port, and `*`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bypasses, proxyFor } from "./proxy.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

test("the scheme picks the variable; upper case wins; an empty value or none means direct", () => {
  const vars = { HTTP_PROXY: "http://p1:3128", http_proxy: "http://p2:3128", https_proxy: "p3:8080" };
  assert.equal(proxyFor(new URL("http://a.example/"), env(vars)), "http://p1:3128");
  assert.equal(proxyFor(new URL("https://a.example/"), env(vars)), "http://p3:8080");
  assert.equal(proxyFor(new URL("wss://a.example/"), env(vars)), "http://p3:8080");
  assert.equal(proxyFor(new URL("http://a.example/"), env({ HTTP_PROXY: "" })), null);
  assert.equal(proxyFor(new URL("https://a.example/"), env({ HTTP_PROXY: "http://p1" })), null);
});

test("NO_PROXY entries: hosts and their subdomains, IPs, CIDR ranges, ports, and *", () => {
  const cases: [string, string, boolean][] = [
    ["example.com", "http://example.com/", true],
    ["example.com", "http://api.example.com/", true],
    ["example.com", "http://notexample.com/", false],
    [".example.com", "http://api.example.com/", true],
    ["*.example.com", "http://example.com/", true],
    ["EXAMPLE.com", "http://Api.Example.COM/", true],
    ["127.0.0.1", "http://127.0.0.1:8080/", true],
    ["127.0.0.1", "http://127.0.0.2/", false],
    ["10.0.0.0/8", "http://10.1.2.3/", true],
    ["10.0.0.0/8", "http://11.1.2.3/", false],
    ["10.0.0.0/8", "http://ten.example/", false],
    ["::1", "http://[::1]:80/", true],
    ["[::1]:8080", "http://[::1]:8080/", true],
    ["[::1]:8080", "http://[::1]:9090/", false],
    ["fd00::/8", "http://[fd12:3456::1]/", true],
    ["fd00::/8", "http://[fe80::1]/", false],
    ["::ffff:127.0.0.1", "http://[::ffff:7f00:1]/", true],
    ["example.com:443", "https://example.com/", true],
    ["example.com:443", "http://example.com/", false],
    [" other.com , example.com ", "http://example.com/", true],
    ["*", "http://anything/", true],
    ["", "http://anything/", false],
  ];
  for (const [noProxy, url, expected] of cases) {
    assert.equal(bypasses(noProxy, new URL(url)), expected, `NO_PROXY=${noProxy} for ${url}`);
  }
  assert.equal(proxyFor(new URL("http://10.1.2.3/"), env({ HTTP_PROXY: "http://p", no_proxy: "10.0.0.0/8" })), null);
});
