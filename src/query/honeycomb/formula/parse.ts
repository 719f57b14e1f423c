/**
 * Honeycomb calculated-field formulas (https://docs.honeycomb.io/reference/calculated-field-formula/syntax):
 * `FUNC(arg, ...)`, `$column`, `$"column name"`, literals ("string" with escapes, `raw string`, numbers,
 * true, false, null), and the infix forms `+ - * /` and `= != < <= > >=` with parentheses.
 * A hand-written recursive-descent parser (the grammar is a dozen lines; a generator would be more code).
 */
export type FormulaNode =
  | { k: 'column'; name: string; pos: number }
  | { k: 'literal'; value: string | number | boolean | null; pos: number }
  | { k: 'call'; fn: string; args: FormulaNode[]; pos: number };

export class FormulaError extends Error {
  constructor(message: string, readonly pos: number) {
    super(`${message} at position ${pos}`);
    this.name = 'FormulaError';
  }
}

type Tok =
  | { t: 'num'; v: number; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'col'; v: string; pos: number }
  | { t: 'ident'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const MAX_LENGTH = 10_000;
const MAX_DEPTH = 64;

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const pos = i;
    if (c === '"' || c === '`') {
      const [v, end] = c === '"' ? readQuoted(src, i) : readRaw(src, i);
      out.push({ t: 'str', v, pos });
      i = end;
    } else if (c === '$') {
      if (src[i + 1] === '"') {
        const [v, end] = readQuoted(src, i + 1);
        out.push({ t: 'col', v, pos });
        i = end;
      } else {
        const m = /^[A-Za-z_][\w.\-/:@]*/.exec(src.slice(i + 1));
        if (!m) throw new FormulaError('expected a column name after $', pos);
        out.push({ t: 'col', v: m[0], pos });
        i += 1 + m[0].length;
      }
    } else if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new FormulaError('bad number', pos);
      out.push({ t: 'num', v: Number(m[0]), pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], pos });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['!=', '<=', '>=', '=='].includes(two)) { out.push({ t: 'op', v: two === '==' ? '=' : two, pos }); i += 2; continue; }
      if ('(),+-*/<>='.includes(c)) { out.push({ t: 'op', v: c, pos }); i++; continue; }
      throw new FormulaError(`unexpected character ${JSON.stringify(c)}`, pos);
    }
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

function readQuoted(src: string, start: number): [string, number] {
  let i = start + 1;
  let s = '';
  while (i < src.length && src[i] !== '"') {
    if (src[i] === '\\') {
      const e = src[i + 1];
      s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : (e ?? '');
      i += 2;
    } else s += src[i++];
  }
  if (i >= src.length) throw new FormulaError('unterminated string', start);
  return [s, i + 1];
}

function readRaw(src: string, start: number): [string, number] {
  const end = src.indexOf('`', start + 1);
  if (end < 0) throw new FormulaError('unterminated raw string', start);
  return [src.slice(start + 1, end), end + 1];
}

const INFIX: Record<string, { prec: number; fn: string }> = {
  '=': { prec: 1, fn: 'EQUALS' }, '!=': { prec: 1, fn: 'NOT_EQUALS' },
  '<': { prec: 1, fn: 'LT' }, '<=': { prec: 1, fn: 'LTE' }, '>': { prec: 1, fn: 'GT' }, '>=': { prec: 1, fn: 'GTE' },
  '+': { prec: 2, fn: 'SUM' }, '-': { prec: 2, fn: 'SUB' },
  '*': { prec: 3, fn: 'MUL' }, '/': { prec: 3, fn: 'DIV' },
};

/** Parses a formula; throws FormulaError naming the position. */
export function parseFormula(src: string): FormulaNode {
  if (src.length > MAX_LENGTH) throw new FormulaError(`formula longer than ${MAX_LENGTH} characters`, 0);
  const toks = lex(src);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => { const t = peek(); return t.t === 'op' && t.v === v; };
  const expect = (v: string) => {
    if (!isOp(v)) throw new FormulaError(`expected ${JSON.stringify(v)}`, peek().pos);
    p++;
  };

  const binary = (minPrec: number): FormulaNode => {
    if (++depth > MAX_DEPTH) throw new FormulaError('formula nested too deeply', peek().pos);
    let left = unary();
    for (;;) {
      const t = peek();
      const info = t.t === 'op' ? INFIX[t.v] : undefined;
      if (!info || info.prec < minPrec) break;
      p++;
      const right = binary(info.prec + 1);
      left = { k: 'call', fn: info.fn, args: [left, right], pos: t.pos };
    }
    depth--;
    return left;
  };

  const unary = (): FormulaNode => {
    const t = peek();
    if (t.t === 'op' && t.v === '-') {
      p++;
      const arg = unary();
      if (arg.k === 'literal' && typeof arg.value === 'number') return { ...arg, value: -arg.value, pos: t.pos };
      return { k: 'call', fn: 'SUB', args: [{ k: 'literal', value: 0, pos: t.pos }, arg], pos: t.pos };
    }
    return primary();
  };

  const primary = (): FormulaNode => {
    const t = peek();
    switch (t.t) {
      case 'num': p++; return { k: 'literal', value: t.v, pos: t.pos };
      case 'str': p++; return { k: 'literal', value: t.v, pos: t.pos };
      case 'col': p++; return { k: 'column', name: t.v, pos: t.pos };
      case 'ident': {
        p++;
        const lower = t.v.toLowerCase();
        if (!isOp('(')) {
          if (lower === 'true' || lower === 'false') return { k: 'literal', value: lower === 'true', pos: t.pos };
          if (lower === 'null') return { k: 'literal', value: null, pos: t.pos };
          throw new FormulaError(`unknown name ${JSON.stringify(t.v)} (columns start with $)`, t.pos);
        }
        p++;
        const args: FormulaNode[] = [];
        if (!isOp(')')) {
          for (;;) {
            args.push(binary(1));
            if (isOp(',')) { p++; continue; }
            break;
          }
        }
        expect(')');
        return { k: 'call', fn: t.v.toUpperCase(), args, pos: t.pos };
      }
      case 'op':
        if (t.v === '(') {
          p++;
          const e = binary(1);
          expect(')');
          return e;
        }
        throw new FormulaError(`unexpected ${JSON.stringify(t.v)}`, t.pos);
      case 'end':
        throw new FormulaError('unexpected end of formula', t.pos);
    }
  };

  const root = binary(1);
  if (peek().t !== 'end') throw new FormulaError('unexpected text after the formula', peek().pos);
  return root;
}
