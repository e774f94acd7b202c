/**
 * `%Z` names: read from TZif files as glibc does, from POSIX TZ strings, or numeric.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { numericOffset, parseTzif, timezoneAbbreviation, zoneAbbreviation } from "./timezone.ts";

const ZONEINFO = "/usr/share/zoneinfo";
const hasZones = existsSync(`${ZONEINFO}/Europe/Berlin`);

/** Runs f with $TZ set to tz (undefined unsets it). */
function withTz<T>(tz: string | undefined, f: () => T): T {
  const old = process.env.TZ;
  if (tz === undefined) delete process.env.TZ;
  else process.env.TZ = tz;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.TZ;
    else process.env.TZ = old;
  }
}

test("TZif files give the abbreviation in force at the instant", { skip: !hasZones && "no zoneinfo" }, () => {
  const berlin = parseTzif(readFileSync(`${ZONEINFO}/Europe/Berlin`))!;
  assert.ok(berlin);
  const winter = Date.UTC(2024, 0, 15) / 1000;
  const summer = Date.UTC(2024, 6, 15) / 1000;
  assert.equal(zoneAbbreviation(berlin, winter, 3600, false), "CET");
  assert.equal(zoneAbbreviation(berlin, summer, 7200, true), "CEST");
  // Far in the future (past the last transition in the file).
  assert.equal(zoneAbbreviation(berlin, Date.UTC(2200, 6, 1) / 1000, 7200, true), "CEST");
  const sp = parseTzif(readFileSync(`${ZONEINFO}/America/Sao_Paulo`))!;
  assert.equal(zoneAbbreviation(sp, summer, -3 * 3600, false), "-03");
  withTz("Asia/Kolkata", () => assert.equal(timezoneAbbreviation(19800, false, new Date(summer * 1000)), "IST"));
  withTz(":Asia/Tokyo", () => assert.equal(timezoneAbbreviation(9 * 3600, false), "JST"));
  withTz(`${ZONEINFO}/Europe/London`, () => assert.equal(timezoneAbbreviation(3600, true, new Date(summer * 1000)), "BST"));
});

test("POSIX TZ strings name their zones; UTC and numeric fallbacks", () => {
  withTz("XYZ3ABC", () => {
    assert.equal(timezoneAbbreviation(-3 * 3600, false), "XYZ");
    assert.equal(timezoneAbbreviation(-2 * 3600, true), "ABC");
  });
  withTz("<+0330>-3:30", () => assert.equal(timezoneAbbreviation(12600, false), "+0330"));
  withTz("Not/AZone", () => assert.equal(timezoneAbbreviation(0, false), "UTC"));
  assert.equal(numericOffset(19800), "+0530");
  assert.equal(numericOffset(-9000), "-0230");
  assert.equal(numericOffset(0), "+0000");
});

test("not a TZif file", () => {
  assert.equal(parseTzif(new TextEncoder().encode("not a zone file at all, but long enough to have a header")), null);
});
