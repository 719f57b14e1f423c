/**
 * Tokenizer for X-Ray filter expressions.
 *
 * Token kinds:
 * - `ident`: a word of letters, digits, `_` and `.` that starts with a letter or `_` (keywords such as
 *   `http.url`, `rootcause.fault.service`, `AND`, `true`, bare values such as `traces`).
 * - `annotation`: `annotation.KEY` or `annotation[KEY]` (KEY may be quoted inside the brackets, and may then
 *   hold any character); `value` is the key.
 * - `string`: a `"…"` or `'…'` literal with JSON-style escapes; `value` is the decoded text.
 * - `number`: an optionally negative decimal with optional fraction and exponent; `value` is the number.
 * - `json`: `#[…]` or `#{…}`, the raw JSON text after `#` (brackets balanced, strings respected).
 * - `op`: `=`, `!=`, `<`, `<=`, `>`, `>=`, `!`.
 * - `punct`: `(`, `)`, `{`, `}`, `,`, `:`.
 * - `eof`: end of input (its `pos` is the input length).
 */
import { FilterSyntaxError } from './errors.js';

export type TokenKind = 'ident' | 'annotation' | 'string' | 'number' | 'json' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** Decoded value: the string contents, the number, the annotation key or the JSON text. */
  value?: string | number;
  /** 0-based offset of the first character. */
  pos: number;
  /** Offset just past the last character. */
  end: number;
}

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_.]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };

/** Splits `src` into tokens; the last one is always `eof`. Throws `FilterSyntaxError`. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;

  while (i < n) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      const s = readString(src, i);
      out.push({ kind: 'string', text: src.slice(start, s.end), value: s.value, pos: start, end: s.end });
      i = s.end;
      continue;
    }
    const startsNumber =
      isDigit(c) || (c === '.' && isDigit(src[i + 1])) || (c === '-' && (isDigit(src[i + 1]) || (src[i + 1] === '.' && isDigit(src[i + 2]))));
    if (startsNumber) {
      const m = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new FilterSyntaxError(`invalid number at position ${i}`, i);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) throw new FilterSyntaxError(`number out of range at position ${i}`, i);
      i += m[0].length;
      if (i < n && isIdentStart(src[i])) throw new FilterSyntaxError(`unexpected '${src[i]}' at position ${i}: expected a separator after the number`, i);
      out.push({ kind: 'number', text: m[0], value, pos: start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src[j])) j++;
      const word = src.slice(i, j);
      const lower = word.toLowerCase();
      if (lower.startsWith('annotation.')) {
        const key = word.slice('annotation.'.length);
        if (key === '') throw new FilterSyntaxError(`expected an annotation key at position ${j}`, j);
        out.push({ kind: 'annotation', text: word, value: key, pos: start, end: j });
        i = j;
        continue;
      }
      if (lower === 'annotation' && src[j] === '[') {
        const close = readBracketKey(src, j);
        out.push({ kind: 'annotation', text: src.slice(start, close.end), value: close.key, pos: start, end: close.end });
        i = close.end;
        continue;
      }
      out.push({ kind: 'ident', text: word, pos: start, end: j });
      i = j;
      continue;
    }
    if (c === '#') {
      let j = i + 1;
      while (j < n && /\s/.test(src[j])) j++;
      if (src[j] !== '[' && src[j] !== '{') throw new FilterSyntaxError(`unexpected '#' at position ${i}: expected '#[' starting a JSON value`, i);
      const end = scanJson(src, j);
      out.push({ kind: 'json', text: src.slice(start, end), value: src.slice(j, end), pos: start, end });
      i = end;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two, pos: start, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === '==') {
      // Accept `==` as `=`: a common slip that X-Ray itself does not document.
      out.push({ kind: 'op', text: '=', pos: start, end: i + 2 });
      i += 2;
      continue;
    }
    if ('=<>!'.includes(c)) {
      out.push({ kind: 'op', text: c, pos: start, end: i + 1 });
      i++;
      continue;
    }
    if ('(){},:'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: start, end: i + 1 });
      i++;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character '${c}' at position ${i}`, i);
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}

/** Reads the quoted string starting at `start` (its quote character ends it); decodes escapes. */
function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let j = start + 1;
  let value = '';
  while (j < src.length) {
    const c = src[j];
    if (c === quote) return { value, end: j + 1 };
    if (c === '\\') {
      const e = src[j + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = src.slice(j + 2, j + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new FilterSyntaxError(`invalid \\u escape at position ${j}`, j);
        value += String.fromCharCode(parseInt(hex, 16));
        j += 6;
        continue;
      }
      // Unknown escapes keep the escaped character (lenient).
      value += ESCAPES[e] ?? e;
      j += 2;
      continue;
    }
    value += c;
    j++;
  }
  throw new FilterSyntaxError(`unterminated string starting at position ${start}`, start);
}

/** Reads `[KEY]` starting at the `[` at `open`; KEY is raw text up to `]`, or a quoted string. */
function readBracketKey(src: string, open: number): { key: string; end: number } {
  let j = open + 1;
  while (j < src.length && /\s/.test(src[j])) j++;
  let key: string;
  if (src[j] === '"' || src[j] === "'") {
    const s = readString(src, j);
    key = s.value;
    j = s.end;
    while (j < src.length && /\s/.test(src[j])) j++;
    if (src[j] !== ']') throw new FilterSyntaxError(`expected ']' at position ${j}`, j);
  } else {
    const close = src.indexOf(']', j);
    if (close < 0) throw new FilterSyntaxError(`unterminated 'annotation[' starting at position ${open}`, open);
    key = src.slice(j, close).trim();
    j = close;
  }
  if (key === '') throw new FilterSyntaxError(`expected an annotation key at position ${open + 1}`, open + 1);
  return { key, end: j + 1 };
}

/** Offset just past the closing quote of the string starting at `start`. */
function findStringEnd(src: string, start: number): number {
  const quote = src[start];
  for (let j = start + 1; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === quote) return j + 1;
  }
  throw new FilterSyntaxError(`unterminated string starting at position ${start}`, start);
}

/** Offset just past the bracket that closes the one at `open`, skipping JSON strings. */
function scanJson(src: string, open: number): number {
  const stack: string[] = [];
  for (let j = open; j < src.length; j++) {
    const c = src[j];
    if (c === '"') {
      j = findStringEnd(src, j) - 1;
    } else if (c === '[' || c === '{') {
      stack.push(c === '[' ? ']' : '}');
    } else if (c === ']' || c === '}') {
      if (stack.pop() !== c) throw new FilterSyntaxError(`unexpected '${c}' at position ${j}: unbalanced JSON`, j);
      if (stack.length === 0) return j + 1;
    }
  }
  throw new FilterSyntaxError(`unterminated JSON value starting at position ${open}`, open);
}
