/**
 * Lays compact JSON text out with newlines and indentation, as `JSON.stringify(v, null, n)`
 * does: one member or element per line, `": "` after keys, empty `{}` and `[]` kept on one
 * line. It works on the bytes, so text that is not ASCII passes through untouched (every
 * structural character is ASCII and never occurs inside a multi-byte UTF-8 sequence).
 *
 * @example
 * ```ts
 * prettyJson(new TextEncoder().encode('{"a":[1,2],"b":{}}'), 2);
 * // {\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}
 * ```
 */
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const NEWLINE = 0x0a, SPACE = 0x20;

export function prettyJson(compact: Uint8Array, indent: number): Uint8Array {
  const out: number[] = [];
  let depth = 0;
  const newline = () => {
    out.push(NEWLINE);
    for (let i = 0; i < depth * indent; i++) out.push(SPACE);
  };
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (c === QUOTE) {
      // Copy the string whole: its brackets and commas are text.
      out.push(c);
      for (i++; i < compact.length; i++) {
        out.push(compact[i]);
        if (compact[i] === BACKSLASH) out.push(compact[++i]);
        else if (compact[i] === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      out.push(c);
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (compact[i + 1] === close) {
        out.push(close);
        i++;
      } else {
        depth++;
        newline();
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      newline();
      out.push(c);
    } else if (c === COMMA) {
      out.push(c);
      newline();
    } else if (c === COLON) {
      out.push(c, SPACE);
    } else {
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}
