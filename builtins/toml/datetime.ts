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

/**
 * The canonical text of an offset date-time, local date-time, local date or local time
 * (TOML 1.0, plus 1.1's optional seconds); raises DatetimeError for anything else. A scanner
 * over fixed positions rather than a regular expression: it runs for every date-time parsed
 * and every one encoded.
 */
export function canonicalDatetime(text: string): string {
  let out = "";
  let i = 0;
  const hasDate = text.charCodeAt(2) !== COLON;
  if (hasDate) {
    const year = num(text, 0, 4), month = num(text, 5, 2), day = num(text, 8, 2);
    if (year < 0 || month < 0 || day < 0 || text[4] !== "-" || text[7] !== "-") throw invalid(text);
    if (month < 1 || month > 12) throw invalid(text, "month out of range");
    if (day < 1 || day > daysIn(year, month)) throw invalid(text, "day out of range");
    if (text.length === 10) return text;
    const delim = text[10];
    if (delim !== "T" && delim !== "t" && delim !== " ") throw invalid(text);
    out = text.slice(0, 10) + "T";
    i = 11;
  }
  const hour = num(text, i, 2), minute = num(text, i + 3, 2);
  if (hour < 0 || minute < 0 || text.charCodeAt(i + 2) !== COLON) throw invalid(text);
  let second = 0;
  out += text.slice(i, i + 5);
  i += 5;
  if (text.charCodeAt(i) === COLON) {
    second = num(text, i + 1, 2);
    if (second < 0) throw invalid(text);
    out += text.slice(i, i + 3);
    i += 3;
  } else {
    out += ":00";
  }
  if (hour > 23) throw invalid(text, "hour out of range");
  if (minute > 59) throw invalid(text, "minute out of range");
  // 60 is a leap second, which the reference accepts too.
  if (second > 60) throw invalid(text, "second out of range");
  if (text[i] === ".") {
    const from = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === from) throw invalid(text);
    // Beyond nanoseconds the digits are truncated, not rounded (TOML 1.0).
    let end = Math.min(i, from + 9);
    while (end > from && text.charCodeAt(end - 1) === ZERO) end--;
    if (end > from) out += "." + text.slice(from, end);
  }
  if (i === text.length) return out;
  if (!hasDate) throw invalid(text, "a local time cannot have an offset");
  const sign = text[i];
  if (sign === "Z" || sign === "z") {
    out += "Z";
    i++;
  } else {
    const oh = num(text, i + 1, 2), om = num(text, i + 4, 2);
    if ((sign !== "+" && sign !== "-") || oh < 0 || om < 0 || text.charCodeAt(i + 3) !== COLON) throw invalid(text);
    if (oh > 23 || om > 59) throw invalid(text, "offset out of range");
    out += (sign === "-" && oh + om > 0 ? "-" : "+") + text.slice(i + 1, i + 6);
    i += 6;
  }
  if (i !== text.length) throw invalid(text);
  return out;
}

const COLON = 58, ZERO = 48;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The number written by the `n` digits at `at`, or -1 when they are not all digits. */
function num(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

function invalid(text: string, why?: string): DatetimeError {
  return new DatetimeError(why ? `${why} in "${text}"` : `invalid date-time "${text}"`);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
