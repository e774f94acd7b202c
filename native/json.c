/*
 * json.parse and json.encode (builtins.md §0.5), working on the Lua stack through the Lua C
 * API (imported wasm-to-wasm from the Lua instance), called by builtins/json.ts.
 *
 * Parsing pushes each value as it is read: strings without escapes straight from the input
 * string's bytes, numbers as integers when they fit int64 (`-0` as the float -0.0), tables
 * created at their final size once their members, kept on the Lua stack meanwhile, are all
 * read. Encoding walks tables with lua_next into one growing byte buffer; object keys are
 * sorted byte-wise, and a table is an array iff its keys are exactly 1..n. Floats are
 * formatted here when they are short decimals in fixed notation, by JS otherwise.
 *
 * Errors are not raised from here: an entry point returns an error code (0 is success) and
 * leaves what the message needs (line and column, a byte position, a stack index, a number)
 * in the context's first fields, from which builtins/json.ts builds the `json.parse:` /
 * `json.encode:` message and raises it. A Lua API call may still throw (out of memory) past
 * these frames; the JS caller then restores the stack pointer and calls assay_json_release,
 * so scratch memory is never lost: it all hangs off the context. A context serves one call at
 * a time: a parse may run a collection step, whose `__gc` metamethods may call json again;
 * builtins/json.ts gives such a nested call a context of its own.
 *
 * Scratch buffers come from malloc, outside the Lua heap budget, so buffers larger than
 * KEEP_BUFFER are freed at the end of each call.
 */
#include "native.h"

/* Small functions keep the engine's optimising compiles short: with everything inlined into
 * parse_value, its optimising compile held the engine's one wasm compiler thread so long that
 * the functions waiting for their first compile ran interpreted meanwhile, about 9x slower. */
#define NOINLINE __attribute__((noinline))

enum {
  MAX_DEPTH = 1000,            /* nesting limit of both directions (lua-cjson's default) */
  KEEP_BUFFER = 1 << 18,       /* scratch kept between calls up to this many bytes */
  BATCH = 4096,                /* members kept on the Lua stack before a flush */
  STACK_RUN = 20,              /* Lua stack slots ensured per 8 members / 16 elements */
  ENCODE_STACK = 40,           /* Lua stack slots ensured per table / 16 members */
  FLOAT_TEXT = 32,             /* room for a formatted float */
};

/* Error codes, shared with builtins/json.ts (its PARSE_ERRORS / encode messages). */
enum {
  E_EOF_VALUE = 1,
  E_EXPECTED_VALUE,
  E_DEPTH,
  E_NEST_STACK,
  E_EOF_OBJECT,
  E_KEY_STRING,
  E_COLON,
  E_OBJECT_STACK,
  E_TRAILING_COMMA,
  E_COMMA_BRACE,
  E_ARRAY_STACK,
  E_EOF_LIST,
  E_COMMA_BRACKET,
  E_EOF_STRING,
  E_CONTROL,
  E_PARSE_MEMORY,
  E_LEADING_SURROGATE,
  E_LOW_SURROGATE,
  E_TRAILING_SURROGATE,
  E_ESCAPE,
  E_NUMBER,
  E_RANGE,
  E_TRAILING,
  E_ARGUMENT, /* 24: no position */

  X_TYPE = 32, /* unsupported value type; `a` is the stack index */
  X_NONFINITE, /* `number` is the value */
  X_UTF8,      /* `a` is the 1-based byte */
  X_KEY_TYPE,  /* `a` is the stack index of the key */
  X_CYCLE,
  X_DEPTH,
  X_NEST_STACK,
  X_TABLE_STACK,
  X_MEMORY,
  X_SHAPE,     /* a table marked as an array whose keys are not 1..n; `a` is its stack index */
};

/* Shapes set by json.object / json.array, as the values of the weak shape table. */
enum { SHAPE_OBJECT = 1, SHAPE_ARRAY = 2 };

/* One member of an object being encoded. */
typedef struct Member {
  const uint8_t *key; /* a string key's bytes, or 0 for a number key (its text is `text`) */
  uint32_t len;
  uint32_t pad;
  uint64_t prefix;    /* the first 8 key bytes, big-endian, zero-padded: orders like the bytes */
  int64_t index;      /* an integer key >= 1, else 0 */
  uint8_t text[FLOAT_TEXT];
} Member;

typedef struct Json {
  /* Read by builtins/json.ts after an error: keep these first, in this order. */
  int32_t code;
  int32_t a;       /* parse: line; encode: stack index or byte */
  int32_t b;       /* parse: column */
  int32_t pad;
  double number;   /* encode: the non-finite number */

  size_t len;      /* lua_tolstring's length out-parameter (kept off the C stack) */
  int depth;
  int keep_null;   /* parse: push json.null (a NULL light userdata) for null, not nil */
  int shapes;      /* encode: stack index of the weak table of marked shapes, or 0 */

  /* parse */
  const uint8_t *base, *end; /* the input; *end is the NUL Lua keeps after every string */
  uint8_t *buf;              /* decoded strings with escapes, number text */
  size_t bufsize;
  double pow10[23];          /* exact powers of ten */

  /* encode */
  uint8_t *out;              /* the output */
  size_t cap, n;
  Member *members;           /* members of the objects being encoded, innermost last */
  uint32_t *order, *tmp;     /* write order (offsets from an object's first member), sort scratch */
  size_t mcap, msp;          /* capacity, first free member */
  const void *path[MAX_DEPTH]; /* the tables being encoded, outermost first */
} Json;

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline void store64(uint8_t *p, uint64_t v) {
  __builtin_memcpy(p, &v, 8);
}

/* Copies n bytes. Short copies go 8 bytes at a time: the engine may run memory.copy (what
 * __builtin_memcpy compiles to) as a call into its runtime, costly for a string of 20 bytes. */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, size_t n) {
  if (n >= 256) {
    __builtin_memcpy(d, s, n);
    return;
  }
  for (; n >= 8; n -= 8, d += 8, s += 8) store64(d, load64(s));
  for (; n; n--) *d++ = *s++;
}

/* High bit set in the lowest byte of `v` (and maybe above) equal to `c`. */
static inline uint64_t has_byte(uint64_t v, uint8_t c) {
  uint64_t x = v ^ (ONES * c);
  return (x - ONES) & ~x & HIGHS;
}

/* High bit set in the lowest byte of `v` (and maybe above) that is below 0x20. */
static inline uint64_t has_control(uint64_t v) {
  return (v - ONES * 0x20) & ~v & HIGHS;
}

/* ---------------------------------------------------------------------------------------- */
/* Context */

EXPORT("assay_json_new")
Json *assay_json_new(void) {
  Json *j = malloc(sizeof(Json));
  if (!j) return 0;
  __builtin_memset(j, 0, sizeof(Json));
  double p = 1;
  for (int i = 0; i < 23; i++) {
    j->pow10[i] = p;
    p *= 10;
  }
  return j;
}

/* Frees scratch memory above KEEP_BUFFER and resets the per-call state. */
EXPORT("assay_json_release")
void assay_json_release(Json *j) {
  if (j->cap > KEEP_BUFFER) {
    free(j->out);
    j->out = 0;
    j->cap = 0;
  }
  if (j->bufsize > KEEP_BUFFER) {
    free(j->buf);
    j->buf = 0;
    j->bufsize = 0;
  }
  if (j->mcap * (sizeof(Member) + 8) > KEEP_BUFFER) {
    free(j->members);
    free(j->order);
    free(j->tmp);
    j->members = 0;
    j->order = j->tmp = 0;
    j->mcap = 0;
  }
  j->msp = 0;
  j->depth = 0;
}

EXPORT("assay_json_free")
void assay_json_free(Json *j) {
  free(j->out);
  free(j->buf);
  free(j->members);
  free(j->order);
  free(j->tmp);
  free(j);
}

/* ---------------------------------------------------------------------------------------- */
/* Parsing */

static inline const uint8_t *skip_ws(const uint8_t *p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  return p;
}

/* Records error `what` at byte `at` as line and column (1-based, like serde_json); returns 0. */
NOINLINE static const uint8_t *fail(Json *j, int what, const uint8_t *at) {
  const uint8_t *end = j->end, *stop = at < end ? at : end, *line_start = j->base;
  int line = 1;
  for (const uint8_t *q = j->base; q < stop; q++) {
    if (*q == '\n') {
      line++;
      line_start = q + 1;
    }
  }
  j->code = what;
  j->a = line;
  j->b = at >= end ? (int)(end - line_start) : (int)(at - line_start + 1);
  return 0;
}

/* Makes the scratch buffer hold at least `size` bytes. */
NOINLINE static int reserve_buf(Json *j, size_t size) {
  if (j->bufsize >= size) return 1;
  size_t want = j->bufsize * 2;
  if (want < size) want = size;
  if (want < 256) want = 256;
  uint8_t *p = realloc(j->buf, want);
  if (!p) return 0;
  j->buf = p;
  j->bufsize = want;
  return 1;
}

static const uint8_t *parse_value(Json *j, lua_State *L, const uint8_t *p);

/* Checks the rest of the literal whose letters are packed little-endian in `word`. */
NOINLINE static const uint8_t *literal(Json *j, const uint8_t *p, uint64_t word, int len) {
  for (int i = 1; i < len; i++) {
    if (p[i] != (uint8_t)(word >> (8 * i))) {
      if (p + i >= j->end) return fail(j, E_EOF_VALUE, j->end);
      return fail(j, E_EXPECTED_VALUE, p + i);
    }
  }
  return p + len;
}

/* The stack of keys and values of an object moves into its table (created when `table` is 0,
 * sized for `pending` members); returns the table's index. A later duplicate key wins, and a
 * null value removes an earlier one. */
NOINLINE static int flush_object(lua_State *L, int table, int pending) {
  int first = lua_gettop(L) - 2 * pending + 1;
  if (!table) {
    lua_createtable(L, 0, pending);
    lua_rotate(L, first, 1);
    table = first;
  }
  for (int i = 0; i < pending; i++) {
    lua_pushvalue(L, table + 1 + 2 * i);
    lua_pushvalue(L, table + 2 + 2 * i);
    lua_rawset(L, table);
  }
  lua_settop(L, table);
  return table;
}

static const uint8_t *parse_string(Json *j, lua_State *L, const uint8_t *p);

NOINLINE static const uint8_t *parse_object(Json *j, lua_State *L, const uint8_t *p) {
  if (++j->depth > MAX_DEPTH) return fail(j, E_DEPTH, p);
  if (!lua_checkstack(L, STACK_RUN)) return fail(j, E_NEST_STACK, p);
  const uint8_t *end = j->end;
  p = skip_ws(p + 1);
  if (*p == '}') {
    j->depth--;
    lua_createtable(L, 0, 0);
    return p + 1;
  }
  int pending = 0, table = 0;
  for (;;) {
    if (*p != '"') return fail(j, p >= end ? E_EOF_OBJECT : E_KEY_STRING, p);
    p = parse_string(j, L, p);
    if (!p) return 0;
    p = skip_ws(p);
    if (*p != ':') return fail(j, p >= end ? E_EOF_OBJECT : E_COLON, p);
    p = parse_value(j, L, skip_ws(p + 1));
    if (!p) return 0;
    if (++pending == BATCH) {
      table = flush_object(L, table, pending);
      pending = 0;
    } else if ((pending & 7) == 0 && !lua_checkstack(L, STACK_RUN)) {
      return fail(j, E_OBJECT_STACK, p);
    }
    p = skip_ws(p);
    if (*p == ',') {
      p = skip_ws(p + 1);
      if (*p == '}') return fail(j, E_TRAILING_COMMA, p);
    } else if (*p == '}') {
      j->depth--;
      flush_object(L, table, pending);
      return p + 1;
    } else {
      return fail(j, p >= end ? E_EOF_OBJECT : E_COMMA_BRACE, p);
    }
  }
}

/* Stores the `pending` values on top of the stack as elements n-pending+1..n of the table
 * (created when `table` is 0); returns its index. The array part stops before the first null,
 * so that `#` stops there as `ipairs` does; nulls leave holes. */
NOINLINE static int flush_array(lua_State *L, int table, int pending, int n, int first_null) {
  if (!table) {
    int dense = first_null ? first_null - 1 : n;
    lua_createtable(L, dense, n - dense);
    lua_rotate(L, -1 - pending, 1);
    table = lua_gettop(L) - pending;
  }
  for (int i = n; i > n - pending; i--) lua_rawseti(L, table, i);
  return table;
}

NOINLINE static const uint8_t *parse_array(Json *j, lua_State *L, const uint8_t *p) {
  if (++j->depth > MAX_DEPTH) return fail(j, E_DEPTH, p);
  if (!lua_checkstack(L, STACK_RUN)) return fail(j, E_NEST_STACK, p);
  const uint8_t *end = j->end;
  p = skip_ws(p + 1);
  if (*p == ']') {
    j->depth--;
    lua_createtable(L, 0, 0);
    return p + 1;
  }
  int n = 0, pending = 0, table = 0, first_null = 0;
  for (;;) {
    if (!first_null && *p == 'n') first_null = n + 1;
    p = parse_value(j, L, p);
    if (!p) return 0;
    n++;
    if (++pending == BATCH) {
      table = flush_array(L, table, pending, n, first_null);
      pending = 0;
    } else if ((pending & 15) == 0 && !lua_checkstack(L, STACK_RUN)) {
      return fail(j, E_ARRAY_STACK, p);
    }
    p = skip_ws(p);
    if (*p == ',') {
      p = skip_ws(p + 1);
      if (*p == ']') return fail(j, E_TRAILING_COMMA, p);
    } else if (*p == ']') {
      j->depth--;
      flush_array(L, table, pending, n, first_null);
      return p + 1;
    } else {
      return fail(j, p >= end ? E_EOF_LIST : E_COMMA_BRACKET, p);
    }
  }
}

NOINLINE static const uint8_t *bad_string_byte(Json *j, const uint8_t *p) {
  if (p >= j->end) return fail(j, E_EOF_STRING, j->end);
  return fail(j, E_CONTROL, p);
}

static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 4 hex digits at p, or -1 after recording the error. */
NOINLINE static int hex4(Json *j, const uint8_t *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_value(p[i]);
    if (d < 0) {
      if (p + i >= j->end) fail(j, E_EOF_STRING, j->end);
      else fail(j, E_ESCAPE, p + i);
      return -1;
    }
    v = v * 16 + d;
  }
  return v;
}

static uint8_t *write_utf8(uint8_t *o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = (uint8_t)cp;
  } else if (cp < 0x800) {
    *o++ = (uint8_t)(0xc0 | (cp >> 6));
    *o++ = (uint8_t)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *o++ = (uint8_t)(0xe0 | (cp >> 12));
    *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    *o++ = (uint8_t)(0x80 | (cp & 0x3f));
  } else {
    *o++ = (uint8_t)(0xf0 | (cp >> 18));
    *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    *o++ = (uint8_t)(0x80 | (cp & 0x3f));
  }
  return o;
}

/* The slow path of a string: `start` is its first content byte, `p` its first backslash. */
NOINLINE static const uint8_t *parse_escaped(Json *j, lua_State *L, const uint8_t *start, const uint8_t *p) {
  const uint8_t *end = j->end;
  /* Escapes only shrink the text, so the bytes up to the closing quote bound the result. */
  const uint8_t *close = p;
  while (close < end && *close != '"') close += *close == '\\' ? 2 : 1;
  if (!reserve_buf(j, (size_t)(close - start))) return fail(j, E_PARSE_MEMORY, start);
  uint8_t *o = j->buf;
  copy_bytes(o, start, (size_t)(p - start));
  o += p - start;
  for (;;) {
    uint8_t c = *p;
    if (c == '"') break;
    if (c != '\\') {
      if (c < 0x20) return bad_string_byte(j, p);
      *o++ = c;
      p++;
      continue;
    }
    uint8_t e = p[1];
    p += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        *o++ = e;
        break;
      case 'b':
        *o++ = 0x08;
        break;
      case 'f':
        *o++ = 0x0c;
        break;
      case 'n':
        *o++ = 0x0a;
        break;
      case 'r':
        *o++ = 0x0d;
        break;
      case 't':
        *o++ = 0x09;
        break;
      case 'u': {
        int cp = hex4(j, p);
        if (cp < 0) return 0;
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (p[0] != '\\' || p[1] != 'u') return fail(j, E_LEADING_SURROGATE, p);
          int lo = hex4(j, p + 2);
          if (lo < 0) return 0;
          if (lo < 0xdc00 || lo > 0xdfff) return fail(j, E_LOW_SURROGATE, p + 2);
          p += 6;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          return fail(j, E_TRAILING_SURROGATE, p - 4);
        }
        o = write_utf8(o, (uint32_t)cp);
        break;
      }
      default:
        if (p - 1 >= end) return fail(j, E_EOF_STRING, end);
        return fail(j, E_ESCAPE, p - 1);
    }
  }
  lua_pushlstring(L, (const char *)j->buf, (size_t)(o - j->buf));
  return p + 1;
}

/* Pushes the string whose opening quote is at `p`. */
NOINLINE static const uint8_t *parse_string(Json *j, lua_State *L, const uint8_t *p) {
  const uint8_t *start = p + 1, *q = start;
  /* 8 bytes at a time while they lie within the string and its NUL. */
  const uint8_t *wide_end = j->end - 7;
  for (;;) {
    if (q < wide_end) {
      uint64_t v = load64(q);
      uint64_t special = has_byte(v, '"') | has_byte(v, '\\') | has_control(v);
      if (!special) {
        q += 8;
        continue;
      }
      q += __builtin_ctzll(special) >> 3;
    }
    uint8_t c = *q;
    if (c == '"') {
      lua_pushlstring(L, (const char *)start, (size_t)(q - start));
      return q + 1;
    }
    if (c == '\\') return parse_escaped(j, L, start, q);
    if (c < 0x20) return bad_string_byte(j, q);
    q++;
  }
}

/* Pushes the number text [start, p) through lua_stringtonumber (copied NUL-terminated). */
NOINLINE static int push_number_text(Json *j, lua_State *L, const uint8_t *start, const uint8_t *p) {
  size_t len = (size_t)(p - start);
  if (!reserve_buf(j, len + 1)) return 0;
  copy_bytes(j->buf, start, len);
  j->buf[len] = 0;
  lua_stringtonumber(L, (const char *)j->buf);
  return 1;
}

NOINLINE static const uint8_t *parse_number(Json *j, lua_State *L, const uint8_t *p) {
  const uint8_t *start = p;
  int neg = *p == '-';
  if (neg) p++;
  uint64_t mant = 0;
  int digits = 0;
  uint32_t c = *p;
  if (c == '0') {
    p++;
  } else if (c - '1' < 9) {
    do {
      mant = mant * 10 + (c - '0');
      digits++;
      c = *++p;
    } while (c - '0' < 10);
  } else {
    if (p >= j->end) return fail(j, E_EOF_VALUE, j->end);
    return fail(j, E_NUMBER, p);
  }
  c = *p;
  int is_float = 0, scale = 0;
  if (c == '.') {
    is_float = 1;
    c = *++p;
    if (c - '0' >= 10) return fail(j, p >= j->end ? E_EOF_VALUE : E_NUMBER, p);
    do {
      mant = mant * 10 + (c - '0');
      digits++;
      scale--;
      c = *++p;
    } while (c - '0' < 10);
  }
  if (c == 'e' || c == 'E') {
    is_float = 1;
    c = *++p;
    int eneg = 0;
    if (c == '+' || c == '-') {
      eneg = c == '-';
      c = *++p;
    }
    if (c - '0' >= 10) return fail(j, p >= j->end ? E_EOF_VALUE : E_NUMBER, p);
    int e = 0;
    do {
      if (e < 100000) e = e * 10 + (int)(c - '0');
      c = *++p;
    } while (c - '0' < 10);
    scale += eneg ? -e : e;
  }
  if (!is_float) {
    if (digits <= 18) {
      /* serde_json reads "-0" as the float -0.0; every other integer that fits stays one. */
      if (neg && mant == 0) lua_pushnumber(L, -0.0);
      else lua_pushinteger(L, neg ? -(int64_t)mant : (int64_t)mant);
      return p;
    }
    /* Lua reads an integer that fits int64 as one, a larger one as the nearest float. */
    if (!push_number_text(j, L, start, p)) return fail(j, E_PARSE_MEMORY, start);
    if (!lua_isinteger(L, -1)) {
      double x = lua_tonumberx(L, -1, 0);
      if (__builtin_isinf(x)) return fail(j, E_RANGE, start);
    }
    return p;
  }
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    /* Both operands are exact doubles, so one rounding: the correctly rounded result. */
    double x = scale < 0 ? (double)mant / j->pow10[-scale] : (double)mant * j->pow10[scale];
    lua_pushnumber(L, neg ? -x : x);
    return p;
  }
  /* Lua's lua_stringtonumber uses strtod, which rounds correctly. */
  if (!push_number_text(j, L, start, p)) return fail(j, E_PARSE_MEMORY, start);
  if (__builtin_isinf(lua_tonumberx(L, -1, 0))) return fail(j, E_RANGE, start);
  return p;
}

static const uint8_t *parse_value(Json *j, lua_State *L, const uint8_t *p) {
  uint8_t c = *p;
  switch (c) {
    case '{':
      return parse_object(j, L, p);
    case '[':
      return parse_array(j, L, p);
    case '"':
      return parse_string(j, L, p);
    case 't':
      p = literal(j, p, 0x65757274, 4); /* "true" */
      if (p) lua_pushboolean(L, 1);
      return p;
    case 'f':
      p = literal(j, p, 0x65736c6166, 5); /* "false" */
      if (p) lua_pushboolean(L, 0);
      return p;
    case 'n':
      p = literal(j, p, 0x6c6c756e, 4); /* "null" */
      if (p) {
        if (j->keep_null) lua_pushlightuserdata(L, 0);
        else lua_pushnil(L);
      }
      return p;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return parse_number(j, L, p);
      if (p >= j->end) return fail(j, E_EOF_VALUE, p);
      return fail(j, E_EXPECTED_VALUE, p);
  }
}

/* Parses the string at stack index `idx` and pushes its value; returns 0 or an error code. */
static int parse_index(Json *j, lua_State *L, int idx) {
  j->code = 0;
  const uint8_t *s = (const uint8_t *)lua_tolstring(L, idx, &j->len);
  j->base = s;
  j->end = s + j->len;
  j->depth = 0;
  const uint8_t *p = parse_value(j, L, skip_ws(s));
  if (p) {
    p = skip_ws(p);
    if (p < j->end) fail(j, E_TRAILING, p);
  }
  return j->code;
}

/*
 * Parses the text at stack index `idx`, which must be a string or a number (converted in
 * place, §0.3); a JSON null becomes json.null when `keep_null` is set, else nil. Pushes the
 * value and returns 0, or returns an error code.
 */
EXPORT("assay_json_parse")
int assay_json_parse(Json *j, lua_State *L, int idx, int keep_null) {
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) {
    j->code = E_ARGUMENT;
    return E_ARGUMENT;
  }
  j->keep_null = keep_null;
  int r = parse_index(j, L, idx);
  j->keep_null = 0;
  assay_json_release(j);
  return r;
}

/* ---------------------------------------------------------------------------------------- */
/* Encoding */

/* Grows the output buffer to hold `extra` more bytes; 0 when out of memory. */
NOINLINE static int grow_out(Json *j, uint64_t extra) {
  uint64_t need = (uint64_t)j->n + extra;
  uint64_t size = (uint64_t)j->cap * 2;
  if (size < 65536) size = 65536;
  while (size < need) size *= 2;
  if (size > 0x7fffffff) return 0;
  uint8_t *p = realloc(j->out, (size_t)size);
  if (!p) return 0;
  j->out = p;
  j->cap = (size_t)size;
  return 1;
}

#define RESERVE(j, extra) \
  if ((uint64_t)(j)->n + (uint64_t)(extra) > (uint64_t)(j)->cap && !grow_out(j, extra)) return X_MEMORY

static int encode_value(Json *j, lua_State *L, int idx);

static int error_at(Json *j, int code, int a) {
  j->a = a;
  return code;
}

/* Writes the decimal digits of `v` at `o`; returns their count (at most 20). */
static int write_integer(uint8_t *o, int64_t v) {
  int k = 0;
  uint64_t u = (uint64_t)v;
  if (v < 0) {
    o[k++] = '-';
    u = 0 - u;
  }
  int digits = 1;
  for (uint64_t t = u; t >= 10; t /= 10) digits++;
  for (int i = k + digits - 1; i >= k; i--) {
    o[i] = (uint8_t)('0' + u % 10);
    u /= 10;
  }
  return k + digits;
}

/*
 * Writes the shortest text that reads back as `x` for 1e-5 <= |x| < 1e15 with at most 15
 * significant digits, in fixed notation (`5.0`, `12.34`, `0.001`), as ryu's "pretty" format
 * does; returns its length, or 0 for any other x. The digits are those of the smallest k for
 * which m = |x|*10^k rounded is an integer below 10^15 with m/10^k == |x|: m and 10^k are
 * exact doubles, so that division rounds once, exactly as reading the text back does; fewer
 * decimals mean fewer digits, and below 10^15 no other m with k decimals reads back as x.
 */
static int format_fixed(Json *j, double x, uint8_t *o) {
  double ax = x < 0 ? -x : x;
  if (!(ax >= 1e-5 && ax < 1e15)) return 0;
  for (int k = 0; k <= 20; k++) {
    double v = ax * j->pow10[k];
    if (v >= 1e15) return 0;
    uint64_t m = (uint64_t)(v + 0.5);
    if ((double)m / j->pow10[k] != ax) continue;
    int n = 0;
    if (x < 0) o[n++] = '-';
    uint8_t *digits = o + n;
    int len = write_integer(digits, (int64_t)m);
    if (k == 0) {
      digits[len] = '.';
      digits[len + 1] = '0';
      return n + len + 2;
    }
    if (len > k) {
      /* Move the last k digits one place right to make room for the point. */
      for (int i = len; i > len - k; i--) digits[i] = digits[i - 1];
      digits[len - k] = '.';
      return n + len + 1;
    }
    /* 0.00ddd: shift the digits right by the 2 + (k - len) bytes of "0." and the zeros. */
    int shift = 2 + k - len;
    for (int i = len - 1; i >= 0; i--) digits[i + shift] = digits[i];
    digits[0] = '0';
    digits[1] = '.';
    for (int i = 2; i < shift; i++) digits[i] = '0';
    return n + len + shift;
  }
  return 0;
}

/* Writes the float `x` (at most FLOAT_TEXT bytes), or fails when it is not finite. */
NOINLINE static int encode_float(Json *j, double x, uint8_t *o, uint32_t *len) {
  if (__builtin_isnan(x) || __builtin_isinf(x)) {
    j->number = x;
    return X_NONFINITE;
  }
  int n = 0;
  if (x == 0) {
    if (__builtin_signbit(x)) o[n++] = '-';
    o[n] = '0', o[n + 1] = '.', o[n + 2] = '0';
    n += 3;
  } else {
    n = format_fixed(j, x, o);
  }
  /* Tiny, huge and long floats: from JS (loader/bridge/float-format.ts). */
  *len = (uint32_t)(n ? n : assay_format_float(x, o));
  return 0;
}

NOINLINE static int encode_number(Json *j, lua_State *L, int idx) {
  RESERVE(j, FLOAT_TEXT);
  if (lua_isinteger(L, idx)) {
    j->n += write_integer(j->out + j->n, lua_tointegerx(L, idx, 0));
    return 0;
  }
  uint32_t len;
  int r = encode_float(j, lua_tonumberx(L, idx, 0), j->out + j->n, &len);
  if (r) return r;
  j->n += len;
  return 0;
}

/* Length of the well-formed UTF-8 sequence at `s` (lead byte >= 0x80), or 0: no overlongs, no
 * surrogates, nothing above U+10FFFF. */
static int utf8_length(const uint8_t *s, const uint8_t *end) {
  uint8_t c = s[0];
  if (c >= 0xc2 && c <= 0xdf) return s + 1 < end && (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (s + 2 >= end) return 0;
    uint8_t c1 = s[1];
    if ((c1 & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && c1 < 0xa0) return 0;
    if (c == 0xed && c1 > 0x9f) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (s + 3 >= end) return 0;
    uint8_t c1 = s[1];
    if ((c1 & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && c1 < 0x90) return 0;
    if (c == 0xf4 && c1 > 0x8f) return 0;
    return 4;
  }
  return 0;
}

static inline uint8_t hex_digit(uint32_t d) {
  return (uint8_t)(d < 10 ? '0' + d : 'a' + d - 10);
}

/* Writes a JSON string from `len` bytes at `s`, validating UTF-8. */
NOINLINE static int encode_string(Json *j, const uint8_t *s, size_t len) {
  RESERVE(j, (uint64_t)len + 2);
  uint8_t *o = j->out + j->n;
  int roomy = 0; /* room reserved for every remaining byte escaped */
  const uint8_t *i = s, *end = s + len, *wide_end = end - 7;
  if (len < 8) wide_end = s;
  *o++ = '"';
  for (;;) {
    /* Copy the run of bytes that need nothing, found 8 at a time. */
    const uint8_t *run = i;
    for (;;) {
      if (i < wide_end) {
        uint64_t v = load64(i);
        uint64_t special = has_byte(v, '"') | has_byte(v, '\\') | has_control(v) | (v & HIGHS);
        if (!special) {
          i += 8;
          continue;
        }
        i += __builtin_ctzll(special) >> 3;
        break;
      }
      while (i < end && *i >= 0x20 && *i < 0x80 && *i != '"' && *i != '\\') i++;
      break;
    }
    copy_bytes(o, run, (size_t)(i - run));
    o += i - run;
    if (i >= end) break;
    uint8_t b = *i;
    if (b >= 0x80) {
      int size = utf8_length(i, end);
      if (!size) return error_at(j, X_UTF8, (int)(i - s + 1));
      for (int k = 0; k < size; k++) *o++ = i[k];
      i += size;
      continue;
    }
    if (!roomy) {
      size_t done = (size_t)(o - j->out);
      j->n = done;
      RESERVE(j, (uint64_t)(end - i) * 6 + 1);
      o = j->out + done;
      roomy = 1;
    }
    *o++ = '\\';
    switch (b) {
      case '"':
      case '\\':
        *o++ = b;
        break;
      case 0x08:
        *o++ = 'b';
        break;
      case 0x0c:
        *o++ = 'f';
        break;
      case 0x0a:
        *o++ = 'n';
        break;
      case 0x0d:
        *o++ = 'r';
        break;
      case 0x09:
        *o++ = 't';
        break;
      default:
        *o++ = 'u';
        *o++ = '0';
        *o++ = '0';
        *o++ = hex_digit(b >> 4);
        *o++ = hex_digit(b & 15);
    }
    i++;
  }
  *o++ = '"';
  j->n = (size_t)(o - j->out);
  return 0;
}

/* Writes the table at absolute index `t` as an array while its keys come as 1, 2, 3... in
 * traversal order; returns -1 (stack restored) at the first key that does not. */
NOINLINE static int try_array(Json *j, lua_State *L, int t, int top) {
  RESERVE(j, 1);
  j->out[j->n++] = '[';
  lua_Integer expect = 1;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (!lua_isinteger(L, top + 1) || lua_tointegerx(L, top + 1, 0) != expect) {
      lua_settop(L, top);
      return -1;
    }
    if (expect > 1) {
      RESERVE(j, 1);
      j->out[j->n++] = ',';
    }
    int r = encode_value(j, L, top + 2);
    if (r) return r;
    lua_settop(L, top + 1);
    expect++;
  }
  RESERVE(j, 1);
  j->out[j->n++] = ']';
  return 0;
}

NOINLINE static int grow_members(Json *j) {
  size_t cap = j->mcap ? j->mcap * 2 : 64;
  Member *m = realloc(j->members, cap * sizeof(Member));
  if (!m) return 0;
  j->members = m;
  uint32_t *o = realloc(j->order, cap * sizeof(uint32_t));
  if (!o) return 0;
  j->order = o;
  uint32_t *t = realloc(j->tmp, cap * sizeof(uint32_t));
  if (!t) return 0;
  j->tmp = t;
  j->mcap = cap;
  return 1;
}

static uint64_t key_prefix(const uint8_t *s, uint32_t len) {
  if (len >= 8) return __builtin_bswap64(load64(s));
  uint64_t v = 0;
  for (uint32_t i = 0; i < 8; i++) v = (v << 8) | (i < len ? s[i] : 0);
  return v;
}

static inline const uint8_t *key_bytes(const Member *m) {
  return m->key ? m->key : m->text;
}

/* Byte-wise comparison of two keys. */
static int key_compare(const Member *a, const Member *b) {
  if (a->prefix != b->prefix) return a->prefix < b->prefix ? -1 : 1;
  const uint8_t *x = key_bytes(a), *y = key_bytes(b);
  uint32_t n = a->len < b->len ? a->len : b->len;
  for (uint32_t i = 8; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Fills order[base..base+count) with the members' offsets sorted by key (stable). */
NOINLINE static void sort_members(Json *j, size_t base, uint32_t count) {
  const Member *m = j->members + base;
  uint32_t *a = j->order + base, *t = j->tmp + base;
  for (uint32_t i = 0; i < count; i++) a[i] = i;
  const uint32_t RUN = 16;
  for (uint32_t lo = 0; lo < count; lo += RUN) {
    uint32_t hi = lo + RUN < count ? lo + RUN : count;
    for (uint32_t i = lo + 1; i < hi; i++) {
      uint32_t v = a[i], k = i;
      while (k > lo && key_compare(m + a[k - 1], m + v) > 0) {
        a[k] = a[k - 1];
        k--;
      }
      a[k] = v;
    }
  }
  for (uint32_t width = RUN; width < count; width *= 2) {
    for (uint32_t lo = 0; lo < count; lo += 2 * width) {
      uint32_t mid = lo + width < count ? lo + width : count;
      uint32_t hi = lo + 2 * width < count ? lo + 2 * width : count;
      uint32_t x = lo, y = mid, k = lo;
      while (x < mid && y < hi) t[k++] = key_compare(m + a[y], m + a[x]) < 0 ? a[y++] : a[x++];
      while (x < mid) t[k++] = a[x++];
      while (y < hi) t[k++] = a[y++];
    }
    uint32_t *swap = a;
    a = t;
    t = swap;
  }
  if (a != j->order + base) __builtin_memcpy(j->order + base, a, count * sizeof(uint32_t));
}

/* Records the number key at stack index `k` in `m` as its decimal text. */
NOINLINE static int number_key(Json *j, lua_State *L, int k, Member *m) {
  m->key = 0;
  m->index = 0;
  if (lua_isinteger(L, k)) {
    int64_t v = lua_tointegerx(L, k, 0);
    if (v >= 1) m->index = v;
    m->len = (uint32_t)write_integer(m->text, v);
  } else {
    int r = encode_float(j, lua_tonumberx(L, k, 0), m->text, &m->len);
    if (r) return r;
  }
  m->prefix = key_prefix(m->text, m->len);
  return 0;
}

/*
 * Writes the table at `t` as an object, or as an array when its keys are exactly 1..n but did
 * not come in order. Every member stays on the Lua stack meanwhile (key i at top+2i+1, its
 * value above it) while its key is recorded in j->members.
 */
NOINLINE static int encode_object(Json *j, lua_State *L, int t, int top, int shape) {
  size_t base = j->msp;
  uint32_t count = 0;
  int all_indices = 1;
  int64_t max_index = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int k = top + 2 * (int)count + 1;
    if (base + count >= j->mcap && !grow_members(j)) return X_MEMORY;
    Member *m = j->members + base + count;
    int kt = lua_type(L, k);
    if (kt == LUA_TSTRING) {
      m->key = (const uint8_t *)lua_tolstring(L, k, &j->len);
      m->len = (uint32_t)j->len;
      m->index = 0;
      m->prefix = key_prefix(m->key, m->len);
      all_indices = 0;
    } else if (kt == LUA_TNUMBER) {
      int r = number_key(j, L, k, m);
      if (r) return r;
      if (m->index > 0) {
        if (m->index > max_index) max_index = m->index;
      } else {
        all_indices = 0;
      }
    } else {
      return error_at(j, X_KEY_TYPE, k);
    }
    count++;
    /* Each member keeps 2 slots (plus the key copy lua_next consumes). */
    if ((count & 15) == 0 && !lua_checkstack(L, ENCODE_STACK)) return X_TABLE_STACK;
    lua_pushvalue(L, -2);
  }
  /* Nested objects written below take the member slots above this object's. */
  j->msp = base + count;
  int as_array = all_indices && max_index == (int64_t)count;
  if (shape == SHAPE_OBJECT) as_array = 0;
  else if (shape == SHAPE_ARRAY && !as_array) return error_at(j, X_SHAPE, t);
  if (as_array) {
    /* The keys are exactly 1..count. */
    for (uint32_t i = 0; i < count; i++) j->order[base + (size_t)(j->members[base + i].index - 1)] = i;
  } else {
    sort_members(j, base, count);
  }
  RESERVE(j, 1);
  j->out[j->n++] = as_array ? '[' : '{';
  int64_t previous = -1;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t slot = j->order[base + i];
    if (!as_array) {
      const Member *m = j->members + base + slot;
      /* 1 and "1" give the same JSON key; keep the first, as a JSON object has one value per key. */
      if (previous >= 0 && key_compare(j->members + base + previous, m) == 0) continue;
      previous = slot;
      RESERVE(j, (uint64_t)m->len + 4);
      if (i > 0) j->out[j->n++] = ',';
      if (m->key) {
        int r = encode_string(j, m->key, m->len);
        if (r) return r;
      } else {
        uint8_t *o = j->out + j->n;
        *o++ = '"';
        copy_bytes(o, m->text, m->len);
        o += m->len;
        *o++ = '"';
        j->n = (size_t)(o - j->out);
      }
      RESERVE(j, 1);
      j->out[j->n++] = ':';
    } else if (i > 0) {
      RESERVE(j, 1);
      j->out[j->n++] = ',';
    }
    int r = encode_value(j, L, top + 2 * (int)slot + 2);
    if (r) return r;
  }
  RESERVE(j, 1);
  j->out[j->n++] = as_array ? ']' : '}';
  lua_settop(L, top);
  j->msp = base;
  return 0;
}

/* Writes the table at absolute index `t`, as an array or an object. */
NOINLINE static int encode_table(Json *j, lua_State *L, int t) {
  const void *ptr = lua_topointer(L, t);
  for (int i = 0; i < j->depth; i++) {
    if (j->path[i] == ptr) return X_CYCLE;
  }
  if (j->depth >= MAX_DEPTH) return X_DEPTH;
  if (!lua_checkstack(L, ENCODE_STACK)) return X_NEST_STACK;
  j->path[j->depth++] = ptr;
  int shape = 0;
  if (j->shapes) {
    lua_pushvalue(L, t);
    lua_rawget(L, j->shapes);
    shape = (int)lua_tointegerx(L, -1, 0);
    lua_settop(L, -2);
  }
  int top = lua_gettop(L);
  size_t start = j->n;
  int r = shape == SHAPE_OBJECT ? -1 : try_array(j, L, t, top);
  if (r < 0) {
    j->n = start;
    r = encode_object(j, L, t, top, shape);
  }
  j->depth--;
  return r;
}

static int encode_value(Json *j, lua_State *L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      const uint8_t *s = (const uint8_t *)lua_tolstring(L, idx, &j->len);
      return encode_string(j, s, j->len);
    }
    case LUA_TNUMBER:
      return encode_number(j, L, idx);
    case LUA_TTABLE:
      return encode_table(j, L, idx);
    case LUA_TBOOLEAN: {
      RESERVE(j, 5);
      uint8_t *o = j->out + j->n;
      if (lua_toboolean(L, idx)) {
        o[0] = 't', o[1] = 'r', o[2] = 'u', o[3] = 'e';
        j->n += 4;
      } else {
        o[0] = 'f', o[1] = 'a', o[2] = 'l', o[3] = 's', o[4] = 'e';
        j->n += 5;
      }
      return 0;
    }
    case LUA_TNIL: {
      RESERVE(j, 4);
      uint8_t *o = j->out + j->n;
      o[0] = 'n', o[1] = 'u', o[2] = 'l', o[3] = 'l';
      j->n += 4;
      return 0;
    }
    case LUA_TLIGHTUSERDATA:
      /* json.null */
      if (!lua_touserdata(L, idx)) {
        RESERVE(j, 4);
        uint8_t *o = j->out + j->n;
        o[0] = 'n', o[1] = 'u', o[2] = 'l', o[3] = 'l';
        j->n += 4;
        return 0;
      }
      return error_at(j, X_TYPE, idx);
    default:
      return error_at(j, X_TYPE, idx);
  }
}

/* Encodes the value at absolute stack index `idx` and pushes the text; returns 0 or an error
 * code. */
static int encode_index(Json *j, lua_State *L, int idx) {
  j->n = 0;
  j->depth = 0;
  j->msp = 0;
  int r = encode_value(j, L, idx);
  j->code = r;
  if (!r) lua_pushlstring(L, (const char *)j->out, j->n);
  return r;
}

/* Pushes the JSON text of the value at stack index `idx` (absent: null) and returns 0, or
 * returns an error code. `shapes` is the stack index of the weak table json.object and
 * json.array fill (table -> SHAPE_*), or 0 when there is none. */
EXPORT("assay_json_encode")
int assay_json_encode(Json *j, lua_State *L, int idx, int shapes) {
  j->shapes = shapes;
  int r = encode_index(j, L, idx);
  j->shapes = 0;
  assay_json_release(j);
  return r;
}

/*
 * Parses the JSON text at stack index `idx` and encodes the result again, `rounds` times,
 * leaving the stack as it was; returns 0 or the first error code. The engine runs wasm
 * functions interpreted until it has compiled them, on one compiler thread shared with its
 * optimising compiles; builtins/json.ts calls this on a small document before the first large
 * one, so that the encoder's first compiles are queued before the optimising compiles the
 * large parse sets off, and encoding the result does not wait behind them, interpreted.
 */
EXPORT("assay_json_prime")
int assay_json_prime(Json *j, lua_State *L, int idx, int rounds) {
  int top = lua_gettop(L), r = 0;
  for (int i = 0; i < rounds && !r; i++) {
    r = parse_index(j, L, idx);
    if (!r) r = encode_index(j, L, top + 1);
    lua_settop(L, top);
  }
  assay_json_release(j);
  return r;
}
