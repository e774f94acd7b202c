/**
 * TOML text to the JS values that bridge/values.ts pushes (builtins.md §4), on smol-toml:
 * integers exact (parsed as bigint: the library's plain numbers would lose `1.0` vs `1` and
 * digits beyond 2^53), floats as floats, date-times as the reference's marker table.
 *
 * Date-times: smol-toml's default `Date` objects round to milliseconds and roll `2020-02-30`
 * over to March 1st; its Temporal mode hands the exact source text to `Temporal.*.from`. For
 * the duration of the (synchronous) parse a stand-in `Temporal` whose `from` validates that
 * text and keeps it canonicalised (datetime.ts) takes the global's place, so the values keep
 * their precision and form and no `Temporal` implementation is needed.
 */
import { parse, TomlError } from "smol-toml";
import { fitsInt64, LuaFloat } from "../../loader/bridge/values.ts";
import { canonicalDatetime, DATETIME_KEY, TomlDatetime } from "./datetime.ts";

/** What a TOML document becomes before it is pushed. */
export type TomlValue = boolean | number | bigint | LuaFloat | string | TomlValue[] | { [key: string]: TomlValue };

/** A parse failure, message ready to be prefixed with the function name. */
export class TomlSyntaxError extends Error {}

const SAFE = 9007199254740991n;

// smol-toml appends the zone in brackets for ZonedDateTime ("...-07:00[-07:00]").
const recordText = { from: (s: string) => new TomlDatetime(canonicalDatetime(s.replace(/\[[^\]]*\]$/, ""))) };
const TEMPORAL_STAND_IN = { ZonedDateTime: recordText, PlainDateTime: recordText, PlainDate: recordText, PlainTime: recordText };

/** The document's top-level table; syntax errors raise TomlSyntaxError with line and column. */
export function parseToml(text: string): { [key: string]: TomlValue } {
  let doc: Record<string, unknown>;
  const saved = Object.getOwnPropertyDescriptor(globalThis, "Temporal");
  Object.defineProperty(globalThis, "Temporal", { value: TEMPORAL_STAND_IN, configurable: true, writable: true });
  try {
    doc = parse(text, { integersAsBigInt: true, useLegacyDate: false });
  } catch (e) {
    if (e instanceof TomlError) {
      const detail = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new TomlSyntaxError(`${detail} at line ${e.line}, column ${e.column}`);
    }
    throw e;
  } finally {
    if (saved) Object.defineProperty(globalThis, "Temporal", saved);
    else delete (globalThis as { Temporal?: unknown }).Temporal;
  }
  return table(doc);
}

function table(t: Record<string, unknown>): { [key: string]: TomlValue } {
  const out: { [key: string]: TomlValue } = Object.create(null);
  for (const key of Object.keys(t)) out[key] = value(t[key]);
  return out;
}

function value(v: unknown): TomlValue {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "bigint":
      if (v >= -SAFE && v <= SAFE) return Number(v);
      if (!fitsInt64(v)) throw new TomlSyntaxError(`integer ${v} does not fit in 64 bits`);
      return v;
    case "number":
      return Number.isInteger(v) ? new LuaFloat(v) : v;
  }
  if (Array.isArray(v)) return v.map(value);
  if (v instanceof TomlDatetime) return { [DATETIME_KEY]: v.text };
  return table(v as Record<string, unknown>);
}
