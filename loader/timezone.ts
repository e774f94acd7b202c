/**
 * The short name of the local time zone as C's `%Z` prints it ("UTC", "CET", "JST", "-03").
 * glibc takes it from the zone's TZif file, so we read the same file: `$TZ` (a zone name
 * under `$TZDIR` or /usr/share/zoneinfo, or a path), else /etc/localtime. A POSIX TZ string
 * such as "EST5EDT" names its zones itself. Without either, the host's Intl data is asked,
 * and the last resort is the numeric form ("+0530").
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

interface ZoneType {
  utoff: number;
  isdst: boolean;
  abbr: string;
}

interface Zone {
  /** Transition times (seconds since the epoch) and the type in force from each. */
  times: number[];
  types: number[];
  ttinfos: ZoneType[];
}

const zoneCache = new Map<string, Zone | null>();

/** Parses a TZif file (any version); null when it is not one. */
export function parseTzif(data: Uint8Array): Zone | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = (at: number) => data[at] === 0x54 && data[at + 1] === 0x5a && data[at + 2] === 0x69 && data[at + 3] === 0x66;
  if (data.length < 44 || !magic(0)) return null;
  const counts = (at: number) => [0, 1, 2, 3, 4, 5].map((i) => view.getUint32(at + 20 + i * 4));
  let header = 0;
  let timeSize = 4;
  let [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(0);
  if (data[4] >= 0x32) {
    // Skip the 32-bit block; the 64-bit one after it covers every date.
    header = 44 + timecnt * 4 + timecnt + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    if (header + 44 > data.length || !magic(header)) return null;
    [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(header);
    timeSize = 8;
  }
  let at = header + 44;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++, at += timeSize) {
    times.push(timeSize === 8 ? Number(view.getBigInt64(at)) : view.getInt32(at));
  }
  const types = Array.from(data.subarray(at, at + timecnt));
  at += timecnt;
  const raw: { utoff: number; isdst: boolean; idx: number }[] = [];
  for (let i = 0; i < typecnt; i++, at += 6) {
    raw.push({ utoff: view.getInt32(at), isdst: data[at + 4] !== 0, idx: data[at + 5] });
  }
  const chars = data.subarray(at, at + charcnt);
  const ttinfos = raw.map(({ utoff, isdst, idx }) => {
    let end = idx;
    while (end < chars.length && chars[end] !== 0) end++;
    return { utoff, isdst, abbr: new TextDecoder().decode(chars.subarray(idx, end)) };
  });
  return { times, types, ttinfos };
}

function zoneFile(tz: string | undefined): string | null {
  if (tz === undefined) return "/etc/localtime";
  const name = tz.startsWith(":") ? tz.slice(1) : tz;
  if (!name) return "/etc/localtime";
  if (isAbsolute(name)) return name;
  if (name.includes("..")) return null;
  return join(process.env.TZDIR || "/usr/share/zoneinfo", name);
}

function loadZone(tz: string | undefined): Zone | null {
  const file = zoneFile(tz);
  if (!file) return null;
  if (!zoneCache.has(file)) {
    let zone: Zone | null = null;
    try {
      zone = parseTzif(readFileSync(file));
    } catch {
      zone = null;
    }
    zoneCache.set(file, zone);
  }
  return zoneCache.get(file)!;
}

/** The abbreviation a zone used at `at` for the given offset and DST flag, if it has one. */
export function zoneAbbreviation(zone: Zone, at: number, gmtoff: number, isDst: boolean): string | null {
  const fits = (t: ZoneType | undefined) => t !== undefined && t.utoff === gmtoff && t.isdst === isDst;
  let i = zone.times.length - 1;
  while (i >= 0 && zone.times[i] > at) i--;
  const current = i >= 0 ? zone.ttinfos[zone.types[i]] : zone.ttinfos[0];
  if (fits(current)) return current.abbr;
  // Past the last transition (the footer rule) or a mismatch: the nearest type that fits.
  for (let j = Math.max(i, 0); j >= 0 && zone.times.length; j--) {
    const t = zone.ttinfos[zone.types[j]];
    if (fits(t)) return t.abbr;
  }
  return zone.ttinfos.find(fits)?.abbr ?? null;
}

/** Zone names of a POSIX TZ string such as "EST5EDT" or "<+0330>-3:30". */
function posixNames(tz: string): { std: string; dst: string | null } | null {
  const m = /^(<[^>]+>|[A-Za-z]{3,})[-+]?\d[\d:]*(<[^>]+>|[A-Za-z]{3,})?/.exec(tz);
  if (!m) return null;
  const strip = (s: string) => s.replace(/^<|>$/g, "");
  return { std: strip(m[1]), dst: m[2] ? strip(m[2]) : null };
}

/** An offset as `%z` prints it: "+0530", "-0300". */
export function numericOffset(gmtoffSeconds: number): string {
  const sign = gmtoffSeconds < 0 ? "-" : "+";
  const abs = Math.abs(gmtoffSeconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}${mm}`;
}

/**
 * The `%Z` text for a local time with the given UTC offset and DST flag at instant `at`
 * (defaults to now).
 */
export function timezoneAbbreviation(gmtoffSeconds: number, isDst: boolean, at: Date = new Date()): string {
  const tz = process.env.TZ;
  const zone = loadZone(tz);
  if (zone) {
    const name = zoneAbbreviation(zone, Math.floor(at.getTime() / 1000), gmtoffSeconds, isDst);
    if (name) return name;
  }
  if (tz && !zone) {
    const names = posixNames(tz.replace(/^:/, ""));
    if (names) return isDst && names.dst ? names.dst : names.std;
  }
  if (gmtoffSeconds === 0 && !isDst) return "UTC";
  try {
    for (const locale of ["en-US", "en-GB"]) {
      const parts = new Intl.DateTimeFormat(locale, { timeZoneName: "short" }).formatToParts(at);
      const name = parts.find((p) => p.type === "timeZoneName")?.value;
      if (name && /^[A-Z]{2,5}$/.test(name)) return name;
    }
  } catch {
    // No Intl zone data: fall through to the numeric form.
  }
  return numericOffset(gmtoffSeconds);
}
