/**
 * A JSON tree that keeps what EventBridge's engine (aws/event-ruler, built on a streaming Jackson parser) sees
 * but `JSON.parse` throws away: the order of object members (including duplicate keys, which matter to how a
 * pattern's keys override each other) and the literal text of every number (300, 300.0 and 3e2 are different
 * literals, and integers beyond 2^53 must not collapse into one double).
 */

/** One JSON value, with object members in document order and numbers as their literal text. */
export type JsonNode =
  | { readonly type: 'object'; readonly entries: readonly (readonly [string, JsonNode])[] }
  | { readonly type: 'array'; readonly items: readonly JsonNode[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly literal: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' };

/** Raised when a text is not a single well-formed JSON value. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

/** Parses strict RFC 8259 JSON (no comments, trailing commas or NaN, like Jackson's defaults) into a JsonNode. */
export function parseJsonText(text: string): JsonNode {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (!parser.atEnd()) {
    parser.fail('unexpected content after the JSON value');
  }
  return value;
}

// Deep enough for any real event or pattern, shallow enough that a hostile document cannot blow the stack.
const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new JsonSyntaxError(`${what} at line ${line}, column ${column}`);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
        this.pos++;
      } else {
        return;
      }
    }
  }

  parseValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) {
      this.fail('JSON nested too deeply');
    }
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return { type: 'string', value: this.parseString() };
      case 't':
        return this.parseKeyword('true', { type: 'boolean', value: true });
      case 'f':
        return this.parseKeyword('false', { type: 'boolean', value: false });
      case 'n':
        return this.parseKeyword('null', { type: 'null' });
      case undefined:
        return this.fail('unexpected end of input, expected a JSON value');
      default:
        return this.parseNumber();
    }
  }

  private parseKeyword(word: string, node: JsonNode): JsonNode {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return node;
    }
    return this.fail('unexpected token, expected a JSON value');
  }

  private parseNumber(): JsonNode {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null || match[0].length === 0) {
      return this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}, expected a JSON value`);
    }
    this.pos += match[0].length;
    return { type: 'number', literal: match[0] };
  }

  private parseString(): string {
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    while (true) {
      if (this.pos >= this.text.length) {
        this.fail('unterminated string');
      }
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) {
        this.fail('unescaped control character in string');
      }
      if (c === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.parseEscape();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private parseEscape(): string {
    const e = this.text[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.fail('invalid \\u escape in string');
        }
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail('invalid escape in string');
    }
  }

  private parseArray(depth: number): JsonNode {
    this.pos++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { type: 'array', items };
    }
    while (true) {
      this.skipWhitespace();
      items.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') {
        return { type: 'array', items };
      }
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']' in array");
      }
    }
  }

  private parseObject(depth: number): JsonNode {
    this.pos++;
    const entries: (readonly [string, JsonNode])[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { type: 'object', entries };
    }
    while (true) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') {
        this.fail('expected a double-quoted member name');
      }
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') {
        this.fail("expected ':' after member name");
      }
      this.pos++;
      this.skipWhitespace();
      entries.push([key, this.parseValue(depth + 1)]);
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') {
        return { type: 'object', entries };
      }
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}' in object");
      }
    }
  }
}

/**
 * Converts in-memory data to a JsonNode with JSON.stringify's semantics (toJSON honoured, undefined/functions
 * dropped from objects and nulled in arrays, non-finite numbers become null) so an object and its JSON text
 * behave the same. Bigints are accepted as exact integer literals. Throws TypeError on cycles.
 */
export function toJsonNode(value: unknown): JsonNode {
  const node = convert(value, new Set<object>(), 0);
  return node ?? { type: 'null' };
}

function convert(value: unknown, seen: Set<object>, depth: number): JsonNode | undefined {
  if (depth > MAX_DEPTH) {
    throw new TypeError('value is nested too deeply to be JSON');
  }
  let v = value;
  if (typeof v === 'object' && v !== null && 'toJSON' in v && typeof v.toJSON === 'function') {
    v = (v.toJSON as () => unknown)();
  }
  switch (typeof v) {
    case 'string':
      return { type: 'string', value: v };
    case 'boolean':
      return { type: 'boolean', value: v };
    case 'bigint':
      return { type: 'number', literal: v.toString() };
    case 'number':
      return Number.isFinite(v) ? { type: 'number', literal: numberLiteral(v) } : { type: 'null' };
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (v === null) {
    return { type: 'null' };
  }
  if (seen.has(v)) {
    throw new TypeError('value contains a cycle and cannot be JSON');
  }
  seen.add(v);
  try {
    if (Array.isArray(v)) {
      const items = v.map((item: unknown) => convert(item, seen, depth + 1) ?? { type: 'null' as const });
      return { type: 'array', items };
    }
    const entries: (readonly [string, JsonNode])[] = [];
    for (const [key, member] of Object.entries(v)) {
      const node = convert(member, seen, depth + 1);
      if (node !== undefined) {
        entries.push([key, node]);
      }
    }
    return { type: 'object', entries };
  } finally {
    seen.delete(v);
  }
}

// The literal JSON.stringify writes for a finite number (so -0 is "0", 1e21 is "1e+21").
function numberLiteral(n: number): string {
  return JSON.stringify(n);
}
