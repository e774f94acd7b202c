/**
 * Float formatting for JSON output: the shortest digit string that round-trips, laid out the
 * way Rust's `ryu` "pretty" format does (builtins.md §0.5), which is what the reference prints.
 * Fixed notation iff 1e-5 <= |x| < 1e16 (integral values keep a `.0`), scientific otherwise
 * with no `+` and no zero padding: `1e16`, `1.5e-7`.
 */

/**
 * Formats a finite float. The digits come from `toExponential()`, which like ryu picks the
 * shortest string that reads back as the same double, nearest to the exact value.
 */
export function formatFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const exp = (x < 0 ? -x : x).toExponential(); // "d.ddde+N" or "de-N"
  const e = exp.indexOf("e");
  const digits = e > 1 ? exp[0] + exp.slice(2, e) : exp[0];
  const length = digits.length;
  // kk: position of the decimal point relative to the first digit (10^(kk-1) <= |x| < 10^kk).
  const kk = Number(exp.slice(e + 1)) + 1;
  let body: string;
  if (kk >= length && kk <= 16) {
    body = digits + "0".repeat(kk - length) + ".0";
  } else if (kk > 0 && kk <= 16) {
    body = digits.slice(0, kk) + "." + digits.slice(kk);
  } else if (kk > -5 && kk <= 0) {
    body = "0." + "0".repeat(-kk) + digits;
  } else if (length === 1) {
    body = digits + "e" + (kk - 1);
  } else {
    body = digits[0] + "." + digits.slice(1) + "e" + (kk - 1);
  }
  return sign + body;
}

/** The text Rust prints for a non-finite float, used in "cannot encode <v> as JSON number". */
export function nonFiniteName(x: number): string {
  return Number.isNaN(x) ? "NaN" : x > 0 ? "inf" : "-inf";
}
