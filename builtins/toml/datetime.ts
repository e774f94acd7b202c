/**
 * TOML date-time values as text, the way the reference carries them (builtins.md §4): a table
 * `{["$__toml_private_datetime"] = "<text>"}` whose text is what its toml crate prints, so
 * `T` as the delimiter, `Z` for a `z` offset, `-00:00` as `+00:00`, seconds always present,
 * the fraction to at most nanoseconds with trailing zeros dropped (none when zero).
 */

/** The key of the marker table (the toml crate's serde field name). */
export const DATETIME_KEY = "$__toml_private_datetime";

/** A date-time value on its way out of the parser, in its canonical text. */
export class TomlDatetime {
  constructor(readonly text: string) {}
}

/** A date-time text that is not a valid TOML date-time; the message says why. */
export class DatetimeError extends Error {}

const FORM =
  /^(?:(\d{4})-(\d{2})-(\d{2}))?(?:(?:^|[Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?$/;

const pad = (n: number) => (n < 10 ? "0" : "") + n;

/**
 * The canonical text of an offset date-time, local date-time, local date or local time
 * (TOML 1.0, plus 1.1's optional seconds); raises DatetimeError for anything else.
 */
export function canonicalDatetime(text: string): string {
  const m = FORM.exec(text);
  if (!m || text === "" || (!m[1] && /^[Tt ]/.test(text))) throw new DatetimeError(`invalid date-time "${text}"`);
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  if ((z || sign) && !y) throw new DatetimeError(`a local time cannot have an offset: "${text}"`);
  let out = "";
  if (y) {
    const year = Number(y), month = Number(mo), day = Number(d);
    if (month < 1 || month > 12) throw new DatetimeError(`month out of range in "${text}"`);
    if (day < 1 || day > daysIn(year, month)) throw new DatetimeError(`day out of range in "${text}"`);
    out = `${y}-${mo}-${d}`;
  }
  if (h) {
    if (Number(h) > 23) throw new DatetimeError(`hour out of range in "${text}"`);
    if (Number(mi) > 59) throw new DatetimeError(`minute out of range in "${text}"`);
    // 60 is a leap second, which the reference accepts too.
    if (s && Number(s) > 60) throw new DatetimeError(`second out of range in "${text}"`);
    if (out) out += "T";
    out += `${h}:${mi}:${s ?? "00"}`;
    // Beyond nanoseconds the digits are truncated, not rounded (TOML 1.0).
    const digits = frac?.slice(0, 9).replace(/0+$/, "");
    if (digits) out += "." + digits;
  }
  if (z) out += "Z";
  if (sign) {
    const hours = Number(oh), minutes = Number(om);
    if (hours > 23 || minutes > 59) throw new DatetimeError(`offset out of range in "${text}"`);
    out += (sign === "-" && hours + minutes > 0 ? "-" : "+") + `${pad(hours)}:${pad(minutes)}`;
  }
  return out;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
