/**
 * The calendar half of the wasm libc, which the build leaves to its host: broken-down time in
 * UTC and in the local zone (`_gmtime_js`, `_localtime_js`), its inverse (`_mktime_js`), the
 * zone's description (`_tzset_js`) and `strftime`. The local zone is the JS runtime's (`TZ`).
 * `strftime` follows the C/POSIX locale as glibc prints it, so `os.date` matches `lua5.4`;
 * `%Z` and `%z` are added by `wrapStrftime` (host-syscalls.ts), which reads the zone data.
 *
 * @example
 * ```ts
 * const imports = timeImports(memory, (s) => allocString(s));
 * ```
 */
import type { WasmMemory } from "../host-syscalls.ts";

/** Offsets in musl's `struct tm` (wasm32). */
const SEC = 0, MIN = 4, HOUR = 8, MDAY = 12, MON = 16, YEAR = 20, WDAY = 24, YDAY = 28, ISDST = 32, GMTOFF = 36;

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];
/** Days before each month in a common year. */
const MONTH_START = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function dayOfYear(year: number, month: number, day: number): number {
  return MONTH_START[month] + day - 1 + (month > 1 && isLeap(year) ? 1 : 0);
}

/** The largest |seconds| a JS Date holds (±100,000,000 days). */
const DATE_LIMIT_S = 8.64e12;

/** Year, month (0-11) and day of the day `days` after 1970-01-01, in the proleptic Gregorian calendar. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  // Counted from 0000-03-01 in 400-year eras, so leap days fall at the end of each year.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 2 : mp - 10;
  return { year: yoe + era * 400 + (month <= 1 ? 1 : 0), month, day };
}

/** Days from 1970-01-01 to a date (month 0-11) of the proleptic Gregorian calendar. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 1 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 10) % 12; // March is 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The instant whose local time reads `local` (seconds, as if UTC), as glibc's mktime picks it:
 * with `isdst` > 0 in the zone's DST offset (an hour ahead of standard where the zone has no
 * DST), with 0 in its standard offset, and with < 0 in whichever offset is in effect then
 * (standard time when both are, at the end of DST; the standard offset inside a gap).
 */
function fromLocal(local: number, isdst: number): number {
  const year = Math.max(-270000, Math.min(270000, civilFromDays(Math.floor(local / 86400)).year));
  // The zone's offsets that year, to the second (January's and July's; the larger is DST).
  const [a, b] = [0, 6].map((month) => {
    const d = new Date(0);
    d.setFullYear(year, month, 1);
    d.setHours(12, 0, 0, 0);
    return localOffset(d.getTime() / 1000).gmtoff;
  });
  const standard = Math.min(a, b), dst = Math.max(a, b);
  if (isdst > 0) return local - (dst !== standard ? dst : standard + 3600);
  if (isdst === 0) return local - standard;
  if (localOffset(local - standard).gmtoff === standard) return local - standard;
  if (localOffset(local - dst).gmtoff === dst) return local - dst;
  return local - standard;
}

/** UTC broken-down time of `t` seconds, by arithmetic (JS Date stops at ±275,760 years). */
function utcFields(t: number) {
  const days = Math.floor(t / 86400);
  const secs = t - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    sec: secs % 60,
    min: Math.floor(secs / 60) % 60,
    hour: Math.floor(secs / 3600),
    mday: day,
    mon: month,
    year,
    wday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    yday: dayOfYear(year, month, day),
  };
}

/** The local zone's offset (seconds east) and DST flag at `t`, or at the nearest instant a Date holds. */
function localOffset(t: number): { gmtoff: number; isdst: number } {
  const d = new Date(Math.floor(Math.max(-DATE_LIMIT_S, Math.min(DATE_LIMIT_S, t))) * 1000);
  const offset = d.getTimezoneOffset();
  const { winter, summer } = zoneOffsets(d.getFullYear());
  // Before 1970 a zone may still be on local mean time, whose offset has seconds (New York's
  // was -4:56:02) that getTimezoneOffset rounds away.
  const gmtoff = t < 0 ? exactOffset(d) ?? -60 * offset : -60 * offset;
  return { gmtoff, isdst: winter !== summer && offset === Math.min(winter, summer) ? 1 : 0 };
}

let wallClock: Intl.DateTimeFormat | undefined;

/** The local zone's offset at `d` to the second, from the local wall-clock reading of it. */
function exactOffset(d: Date): number | undefined {
  try {
    wallClock ??= new Intl.DateTimeFormat("en-US", {
      hourCycle: "h23", era: "short", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    const part: Record<string, string> = {};
    for (const { type, value } of wallClock.formatToParts(d)) part[type] = value;
    const year = part.era === "BC" ? 1 - Number(part.year) : Number(part.year);
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(part.month) - 1, Number(part.day));
    wall.setUTCHours(Number(part.hour), Number(part.minute), Number(part.second), 0);
    const offset = (wall.getTime() - d.getTime()) / 1000;
    return Number.isFinite(offset) ? offset : undefined;
  } catch {
    return undefined;
  }
}

/** The offsets (minutes west, JS sign) in January and July of a year. */
function zoneOffsets(year: number): { winter: number; summer: number } {
  // setFullYear: the Date constructor reads years 0-99 as 1900-1999.
  const at = (month: number) => {
    const d = new Date(0);
    d.setFullYear(year, month, 1);
    d.setHours(0, 0, 0, 0);
    return d.getTimezoneOffset();
  };
  return { winter: at(0), summer: at(6) };
}

interface Tm {
  sec: number;
  min: number;
  hour: number;
  mday: number;
  mon: number;
  year: number;
  wday: number;
  yday: number;
  gmtoff: number;
}

const pad = (n: number, width: number, fill = "0") => String(n).padStart(width, fill);

/** ISO 8601 week-based year and week number of a broken-down time. */
function isoWeek(tm: Tm): { year: number; week: number } {
  const year = tm.year + 1900;
  const weekday = (tm.wday + 6) % 7; // Monday = 0
  const week = Math.floor((tm.yday - weekday + 10) / 7);
  if (week < 1) {
    const prev = year - 1;
    const prevDays = isLeap(prev) ? 366 : 365;
    return { year: prev, week: Math.floor((tm.yday + prevDays - weekday + 10) / 7) };
  }
  const days = isLeap(year) ? 366 : 365;
  if (week === 53 && tm.yday - weekday + 3 >= days) return { year: year + 1, week: 1 };
  return { year, week };
}

/** One conversion of the C locale (`c` is the letter after `%`, modifiers E/O dropped). */
function convert(c: string, tm: Tm): string | null {
  const year = tm.year + 1900;
  const hour12 = tm.hour % 12 === 0 ? 12 : tm.hour % 12;
  switch (c) {
    case "a": return DAYS[tm.wday]?.slice(0, 3) ?? "?";
    case "A": return DAYS[tm.wday] ?? "?";
    case "b": case "h": return MONTHS[tm.mon]?.slice(0, 3) ?? "?";
    case "B": return MONTHS[tm.mon] ?? "?";
    case "c": return format("%a %b %e %H:%M:%S %Y", tm);
    case "C": return String(Math.floor(year / 100)).padStart(year >= 0 && year < 1000 ? 1 : 2, "0");
    case "d": return pad(tm.mday, 2);
    case "D": return format("%m/%d/%y", tm);
    case "e": return pad(tm.mday, 2, " ");
    case "F": return format("%Y-%m-%d", tm);
    case "g": return pad(((isoWeek(tm).year % 100) + 100) % 100, 2);
    case "G": return String(isoWeek(tm).year);
    case "H": return pad(tm.hour, 2);
    case "I": return pad(hour12, 2);
    case "j": return pad(tm.yday + 1, 3);
    case "m": return pad(tm.mon + 1, 2);
    case "M": return pad(tm.min, 2);
    case "n": return "\n";
    case "p": return tm.hour < 12 ? "AM" : "PM";
    case "r": return format("%I:%M:%S %p", tm);
    case "R": return format("%H:%M", tm);
    case "s": return String(Math.floor(Date.UTC(year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec) / 1000) - tm.gmtoff);
    case "S": return pad(tm.sec, 2);
    case "t": return "\t";
    case "T": return format("%H:%M:%S", tm);
    case "u": return String(tm.wday === 0 ? 7 : tm.wday);
    case "U": return pad(Math.floor((tm.yday + 7 - tm.wday) / 7), 2);
    case "V": return pad(isoWeek(tm).week, 2);
    case "w": return String(tm.wday);
    case "W": return pad(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), 2);
    case "x": return format("%m/%d/%y", tm);
    case "X": return format("%H:%M:%S", tm);
    case "y": return pad(((year % 100) + 100) % 100, 2);
    case "Y": return String(year);
    case "%": return "%";
    default: return null;
  }
}

/** `strftime` over a JS format string in the C locale (no %Z/%z, see the file comment). */
export function format(fmt: string, tm: Tm): string {
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== "%" || i + 1 >= fmt.length) {
      out += fmt[i];
      continue;
    }
    let c = fmt[++i];
    if ((c === "E" || c === "O") && i + 1 < fmt.length) c = fmt[++i];
    out += convert(c, tm) ?? "%" + c;
  }
  return out;
}

/** Builds the calendar imports over the instance's memory; `newString` mallocs a C string. */
export function timeImports(memory: WasmMemory, newString: (s: string) => number) {
  const view = () => memory.view();
  const put = (tm: number, at: number, v: number) => view().setInt32(tm + at, v, true);
  const get = (tm: number, at: number) => view().getInt32(tm + at, true);
  const writeFields = (p: number, f: ReturnType<typeof utcFields>) => {
    put(p, SEC, f.sec);
    put(p, MIN, f.min);
    put(p, HOUR, f.hour);
    put(p, MDAY, f.mday);
    put(p, MON, f.mon);
    put(p, YEAR, f.year - 1900);
    put(p, WDAY, f.wday);
    put(p, YDAY, f.yday);
  };
  const readTm = (p: number): Tm => ({
    sec: get(p, SEC), min: get(p, MIN), hour: get(p, HOUR), mday: get(p, MDAY), mon: get(p, MON),
    year: get(p, YEAR), wday: get(p, WDAY), yday: get(p, YDAY), gmtoff: get(p, GMTOFF),
  });

  return {
    _gmtime_js(t: bigint, tm: number): void {
      writeFields(tm, utcFields(Number(t)));
    },
    _localtime_js(t: bigint, tm: number): void {
      const { gmtoff, isdst } = localOffset(Number(t));
      writeFields(tm, utcFields(Number(t) + gmtoff));
      put(tm, GMTOFF, gmtoff);
      put(tm, ISDST, isdst);
    },
    _mktime_js(tm: number): bigint {
      // The fields as seconds of local time, normalised arithmetically (any field may be out of
      // range, and years are not limited to what a JS Date holds).
      const mon = get(tm, MON);
      const year = get(tm, YEAR) + 1900 + Math.floor(mon / 12);
      const days = daysFromCivil(year, ((mon % 12) + 12) % 12, 1) + get(tm, MDAY) - 1;
      const local = days * 86400 + get(tm, HOUR) * 3600 + get(tm, MIN) * 60 + get(tm, SEC);
      const t = fromLocal(local, get(tm, ISDST));
      if (!Number.isFinite(t) || Math.abs(t) > 2 ** 53) return -1n;
      const { gmtoff, isdst } = localOffset(t);
      writeFields(tm, utcFields(t + gmtoff));
      put(tm, GMTOFF, gmtoff);
      put(tm, ISDST, isdst);
      return BigInt(t);
    },
    _tzset_js(timezone: number, daylight: number, tzname: number): void {
      const year = new Date().getFullYear();
      const { winter, summer } = zoneOffsets(year);
      view().setUint32(timezone, 60 * Math.max(winter, summer), true);
      view().setInt32(daylight, winter !== summer ? 1 : 0, true);
      const name = (d: Date) => /\(([A-Za-z ]+)\)$/.exec(d.toTimeString())?.[1] ?? "GMT";
      const std = newString(name(new Date(year, summer < winter ? 0 : 6, 1)));
      const dst = newString(name(new Date(year, summer < winter ? 6 : 0, 1)));
      view().setUint32(tzname, std, true);
      view().setUint32(tzname + 4, dst, true);
    },
    strftime(s: number, max: number, fmt: number, tm: number): number {
      const u8 = memory.u8();
      let end = fmt;
      while (u8[end] !== 0) end++;
      const text = format(new TextDecoder().decode(u8.subarray(fmt, end)), readTm(tm));
      const bytes = new TextEncoder().encode(text);
      if (bytes.length + 1 > max) return 0;
      memory.u8().set(bytes, s);
      memory.u8()[s + bytes.length] = 0;
      return bytes.length;
    },
  };
}
