// A small JSON parser that keeps the offsets (UTF-16, like the rest of the server) of every key
// and value, so lock diagnostics can point at `"nixpkgs_2": {` instead of line 1. It never
// throws: bad input yields an error with the offset where parsing stopped. Nesting is capped so a
// hostile file cannot overflow the stack; everything else is linear in the input size.

export type JsonValue = JsonObject | JsonArray | JsonScalar;

export interface JsonSpan {
  start: number;
  end: number;
}

export interface JsonObject extends JsonSpan {
  kind: 'object';
  members: JsonMember[];
}

export interface JsonMember {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonValue;
}

export interface JsonArray extends JsonSpan {
  kind: 'array';
  items: JsonValue[];
}

export interface JsonScalar extends JsonSpan {
  kind: 'string' | 'number' | 'boolean' | 'null';
  value: string | number | boolean | null;
}

export interface JsonError {
  message: string;
  offset: number;
  /** Set when parsing stopped at the caller's value limit rather than at bad JSON. */
  tooManyValues?: boolean;
}

export type JsonResult = { ok: true; value: JsonValue } | { ok: false; error: JsonError };

export const MAX_JSON_DEPTH = 256;

class Fail {
  constructor(public message: string, public offset: number) {}
}

/** The value limit was reached: not a syntax error, so it is reported as its own kind. */
class TooManyValues extends Fail {
  constructor(limit: number, offset: number) {
    super(`more than ${limit} JSON values`, offset);
  }
}

/** Parses `text`; past `maxValues` values (objects, arrays and scalars) it stops with an error, so
 *  that a caller's limit bounds the work and memory before any of it is spent on a huge file. */
export function parseJson(text: string, maxValues = Infinity): JsonResult {
  const p = new JsonParser(text, maxValues);
  try {
    p.ws();
    const value = p.value(0);
    p.ws();
    if (p.i < text.length) p.fail('unexpected text after the JSON value');
    return { ok: true, value };
  } catch (e) {
    if (e instanceof TooManyValues) return { ok: false, error: { message: e.message, offset: e.offset, tooManyValues: true } };
    if (e instanceof Fail) return { ok: false, error: { message: e.message, offset: e.offset } };
    // A RangeError from a huge string is the only other thing that could escape; report it.
    return { ok: false, error: { message: `cannot parse: ${String(e)}`, offset: p.i } };
  }
}

class JsonParser {
  i = 0;
  private nextBackslash: number;
  private values = 0;
  constructor(private readonly s: string, private readonly maxValues: number) {
    this.nextBackslash = s.indexOf('\\');
  }

  fail(message: string, offset = this.i): never {
    throw new Fail(message, Math.min(offset, this.s.length));
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    if (++this.values > this.maxValues) throw new TooManyValues(this.maxValues, this.i);
    const s = this.s;
    const start = this.i;
    if (start >= s.length) this.fail('unexpected end of file');
    const c = s[start];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      const value = this.string();
      return { kind: 'string', value, start, end: this.i };
    }
    if (c === 't' && s.startsWith('true', start)) return this.word('boolean', true, 4);
    if (c === 'f' && s.startsWith('false', start)) return this.word('boolean', false, 5);
    if (c === 'n' && s.startsWith('null', start)) return this.word('null', null, 4);
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private word(kind: 'boolean' | 'null', value: boolean | null, len: number): JsonScalar {
    const start = this.i;
    this.i += len;
    return { kind, value, start, end: this.i };
  }

  private number(): JsonScalar {
    const re = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (!m) this.fail('invalid number');
    const start = this.i;
    this.i += m[0].length;
    return { kind: 'number', value: Number(m[0]), start, end: this.i };
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1; // past the opening quote
    let out = '';
    let chunk = i;
    for (;;) {
      // Fast path: jump to the next quote or backslash.
      let q = s.indexOf('"', i);
      if (q < 0) this.fail('unterminated string', this.i);
      // The next backslash is cached: searching for it from every string would be quadratic in
      // a file that has none.
      if (this.nextBackslash !== -1 && this.nextBackslash < i) this.nextBackslash = s.indexOf('\\', i);
      const b = this.nextBackslash;
      if (b >= 0 && b < q) q = b;
      for (let k = i; k < q; k++) {
        if (s.charCodeAt(k) < 0x20) this.fail('control character in string', k);
      }
      if (s[q] === '"') {
        out += s.slice(chunk, q);
        this.i = q + 1;
        return out;
      }
      out += s.slice(chunk, q);
      const e = s[q + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        i = q + 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(q + 2, q + 6))) {
        out += String.fromCharCode(parseInt(s.slice(q + 2, q + 6), 16));
        i = q + 6;
      } else {
        this.fail('invalid escape in string', q);
      }
      chunk = i;
    }
  }

  private object(depth: number): JsonObject {
    const s = this.s;
    const start = this.i;
    this.i++;
    const members: JsonMember[] = [];
    this.ws();
    if (s[this.i] === '}') {
      this.i++;
      return { kind: 'object', members, start, end: this.i };
    }
    for (;;) {
      this.ws();
      if (s[this.i] !== '"') this.fail(this.i >= s.length ? 'unexpected end of file' : 'expected a string key');
      const keyStart = this.i;
      const key = this.string();
      const keyEnd = this.i;
      this.ws();
      if (s[this.i] !== ':') this.fail(this.i >= s.length ? 'unexpected end of file' : "expected ':'");
      this.i++;
      this.ws();
      const value = this.value(depth + 1);
      members.push({ key, keyStart, keyEnd, value });
      this.ws();
      const c = s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === '}') { this.i++; return { kind: 'object', members, start, end: this.i }; }
      this.fail(this.i >= s.length ? 'unexpected end of file' : "expected ',' or '}'");
    }
  }

  private array(depth: number): JsonArray {
    const s = this.s;
    const start = this.i;
    this.i++;
    const items: JsonValue[] = [];
    this.ws();
    if (s[this.i] === ']') {
      this.i++;
      return { kind: 'array', items, start, end: this.i };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === ']') { this.i++; return { kind: 'array', items, start, end: this.i }; }
      this.fail(this.i >= s.length ? 'unexpected end of file' : "expected ',' or ']'");
    }
  }
}

/** Looks up a member by key; the last one wins, as in JSON.parse. */
export function member(obj: JsonObject, key: string): JsonMember | undefined {
  for (let i = obj.members.length - 1; i >= 0; i--) if (obj.members[i].key === key) return obj.members[i];
  return undefined;
}

/** Converts to a plain JS value (for attrs such as `locked`, which are small). */
export function toPlain(v: JsonValue): unknown {
  switch (v.kind) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const m of v.members) o[m.key] = toPlain(m.value);
      return o;
    }
    case 'array':
      return v.items.map(toPlain);
    default:
      return v.value;
  }
}
