/**
 * Calculated-field formulas (parse.ts) -> typed IR expressions. Semantics from Honeycomb's function
 * reference: math functions read strings as numbers when they parse and as 0 otherwise; conditions treat
 * non-zero numbers and the string "true" as true; DIV/MOD by zero is null.
 */
import { and, cmp, fn, isNull, lit, not, or, type CompareOp, type Expr } from '../../ir/ir.js';
import type { ColumnResolver, HcType } from '../columns.js';
import { isNumeric } from '../columns.js';
import { FormulaError, parseFormula, type FormulaNode } from './parse.js';

export interface Typed {
  expr: Expr;
  /** 'null' for the null literal (fits any type). */
  type: HcType | 'null';
}

export function compileFormula(src: string, columns: ColumnResolver): Typed {
  return new FormulaCompiler(columns).node(parseFormula(src));
}

const COMPARE: Record<string, CompareOp> = { EQUALS: '=', NOT_EQUALS: '!=', LT: '<', LTE: '<=', GT: '>', GTE: '>=' };
/** Honeycomb's math reads text as a number when it parses; anything else (null too) is 0. */
const num = (t: Typed): Expr => fn('coalesce', isNumeric(t.type as HcType) ? t.expr : fn('toDouble', t.expr), lit(0));
const text = (t: Typed): Expr => (t.type === 'string' ? t.expr : fn('toText', t.expr));

/** Honeycomb truthiness: booleans, non-zero numbers, the string "true". */
export function truthy(t: Typed): Expr {
  if (t.type === 'boolean') return fn('coalesce', t.expr, lit(false));
  if (isNumeric(t.type as HcType)) return fn('coalesce', cmp('!=', t.expr, lit(0)), lit(false));
  if (t.type === 'null') return lit(false);
  return fn('coalesce', cmp('=', fn('lower', text(t)), lit('true')), lit(false));
}

/** One type for several branches: equal types stay, numbers widen to float, anything else becomes text. */
function unify(ts: Typed[]): { type: HcType | 'null'; cast: (t: Typed) => Expr } {
  const types = [...new Set(ts.map((t) => t.type).filter((t) => t !== 'null'))];
  if (types.length === 0) return { type: 'null', cast: (t) => t.expr };
  if (types.length === 1) return { type: types[0]!, cast: (t) => t.expr };
  if (types.every((t) => isNumeric(t as HcType))) return { type: 'float', cast: (t) => (t.type === 'null' ? t.expr : fn('toDouble', t.expr)) };
  return { type: 'string', cast: (t) => (t.type === 'null' ? t.expr : text(t)) };
}

class FormulaCompiler {
  constructor(private readonly columns: ColumnResolver) {}

  node(n: FormulaNode): Typed {
    if (n.k === 'literal') {
      const v = n.value;
      const type: Typed['type'] = v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : Number.isInteger(v) ? 'integer' : 'float';
      return { expr: lit(v), type };
    }
    if (n.k === 'column') {
      const c = this.columns.get(n.name);
      if (!c) throw new FormulaError(`unknown column ${JSON.stringify(n.name)}`, n.pos);
      return { expr: c.expr, type: c.type };
    }
    return this.call(n);
  }

  private call(n: Extract<FormulaNode, { k: 'call' }>): Typed {
    const args = n.args.map((a) => this.node(a));
    const want = (min: number, max = min) => {
      if (args.length < min || args.length > max) {
        throw new FormulaError(`${n.fn} takes ${min === max ? min : max === Infinity ? `at least ${min}` : `${min} to ${max}`} argument(s), got ${args.length}`, n.pos);
      }
    };
    const literalString = (i: number): string => {
      const a = n.args[i]!;
      if (a.k !== 'literal' || typeof a.value !== 'string') throw new FormulaError(`${n.fn}: argument ${i + 1} must be a string literal`, a.pos);
      return a.value;
    };
    const bool = (expr: Expr): Typed => ({ expr, type: 'boolean' });
    const float = (expr: Expr): Typed => ({ expr, type: 'float' });
    const op = COMPARE[n.fn];
    if (op) {
      want(2);
      const [a, b] = args as [Typed, Typed];
      const numeric = isNumeric(a.type as HcType) || isNumeric(b.type as HcType);
      return bool(numeric ? cmp(op, num(a), num(b)) : a.type === 'boolean' && b.type === 'boolean' ? cmp(op, a.expr, b.expr) : cmp(op, text(a), text(b)));
    }
    switch (n.fn) {
      case 'IF': {
        want(2, Infinity);
        const pairs: Array<[Typed, Typed]> = [];
        for (let i = 0; i + 1 < args.length; i += 2) pairs.push([args[i]!, args[i + 1]!]);
        const elseArg = args.length % 2 === 1 ? args[args.length - 1] : undefined;
        const u = unify([...pairs.map((p) => p[1]), ...(elseArg ? [elseArg] : [])]);
        return { type: u.type, expr: { k: 'case', whens: pairs.map(([c, v]) => [truthy(c), u.cast(v)]), else: elseArg ? u.cast(elseArg) : undefined } };
      }
      case 'SWITCH': {
        want(3, Infinity);
        const subject = args[0]!;
        const rest = args.slice(1);
        const pairs: Array<[Typed, Typed]> = [];
        for (let i = 0; i + 1 < rest.length; i += 2) pairs.push([rest[i]!, rest[i + 1]!]);
        const elseArg = rest.length % 2 === 1 ? rest[rest.length - 1] : undefined;
        const u = unify([...pairs.map((p) => p[1]), ...(elseArg ? [elseArg] : [])]);
        return { type: u.type, expr: { k: 'case', whens: pairs.map(([c, v]) => [cmp('=', text(subject), text(c)), u.cast(v)]), else: elseArg ? u.cast(elseArg) : undefined } };
      }
      case 'COALESCE': {
        want(1, Infinity);
        const u = unify(args);
        return { type: u.type, expr: fn('coalesce', ...args.map(u.cast)) };
      }
      case 'IN': {
        want(2, Infinity);
        const [subject, ...list] = args as [Typed, ...Typed[]];
        return bool(fn('coalesce', { k: 'in', arg: text(subject), list: list.map(text) }, lit(false)));
      }
      case 'EXISTS': want(1); return bool(isNull(args[0]!.expr, true));
      case 'NOT': want(1); return bool(not(truthy(args[0]!)));
      case 'AND': want(1, Infinity); return bool(and(...args.map(truthy)));
      case 'OR': want(1, Infinity); return bool(or(...args.map(truthy)));
      case 'CONTAINS': want(2); return bool(fn('contains', text(args[0]!), text(args[1]!)));
      case 'STARTS_WITH': want(2); return bool(fn('startsWith', text(args[0]!), text(args[1]!)));
      case 'ENDS_WITH': want(2); return bool(fn('endsWith', text(args[0]!), text(args[1]!)));
      case 'REG_MATCH': {
        want(2);
        const pattern = checkedRegex(literalString(1), n.args[1]!.pos);
        return bool(fn('coalesce', fn('regexMatch', text(args[0]!), lit(pattern)), lit(false)));
      }
      case 'REG_VALUE': {
        want(2);
        const pattern = checkedRegex(literalString(1), n.args[1]!.pos);
        // The first capture group when there is one, else the whole match (Honeycomb's REG_VALUE).
        const group = /\((?!\?)/.test(pattern.replace(/\\./g, '')) ? 1 : 0;
        return { type: 'string', expr: { k: 'regexExtract', arg: text(args[0]!), pattern, group } };
      }
      case 'SUM': want(1, Infinity); return float(args.length === 1 ? num(args[0]!) : fn('add', ...args.map(num)));
      case 'SUB': want(2); return float(fn('sub', num(args[0]!), num(args[1]!)));
      case 'MUL': want(1, Infinity); return float(args.length === 1 ? num(args[0]!) : fn('mul', ...args.map(num)));
      case 'DIV': want(2); return float(fn('div', num(args[0]!), num(args[1]!)));
      case 'MOD': want(2); return float(fn('mod', num(args[0]!), num(args[1]!)));
      case 'MIN':
      case 'MAX': {
        want(1, Infinity);
        const u = unify(args);
        return { type: u.type, expr: fn(n.fn === 'MIN' ? 'least' : 'greatest', ...args.map(u.cast)) };
      }
      case 'LOG10': want(1); return float(fn('log10', num(args[0]!)));
      case 'BUCKET': {
        // BUCKET(value, size[, min, max]): the lower bound of the size-wide bucket; with min/max, values
        // outside are clamped to the first/last bucket.
        want(2, 4);
        if (args.length === 3) throw new FormulaError('BUCKET takes min and max together', n.pos);
        const size = n.args[1]!;
        if (size.k !== 'literal' || typeof size.value !== 'number' || !(size.value > 0)) throw new FormulaError('BUCKET: size must be a positive number', size.pos);
        let v = num(args[0]!);
        if (args.length === 4) v = fn('least', fn('greatest', v, num(args[2]!)), num(args[3]!));
        return float(fn('mul', fn('floor', fn('div', v, lit(size.value))), lit(size.value)));
      }
      case 'INT': want(1); return { type: 'integer', expr: fn('toInt', args[0]!.expr) };
      case 'FLOAT': want(1); return float(fn('toDouble', args[0]!.expr));
      case 'BOOL': want(1); return bool(truthy(args[0]!));
      case 'STRING': want(1); return { type: 'string', expr: text(args[0]!) };
      case 'CONCAT': want(1, Infinity); return { type: 'string', expr: fn('concat', ...args.map(text)) };
      case 'LENGTH': want(1); return { type: 'integer', expr: fn('length', text(args[0]!)) };
      case 'TO_LOWER': want(1); return { type: 'string', expr: fn('lower', text(args[0]!)) };
      case 'EVENT_TIMESTAMP': want(0); return float(fn('div', { k: 'col', column: 'start_ns' }, lit(1e9)));
      default:
        throw new FormulaError(`unknown function ${n.fn}`, n.pos);
    }
  }
}

/** RE2 and JavaScript agree on the common syntax; what JavaScript cannot compile is refused up front. */
function checkedRegex(pattern: string, pos: number): string {
  try {
    new RegExp(pattern);
  } catch {
    throw new FormulaError('invalid regular expression', pos);
  }
  if (/\(\?<?[=!]/.test(pattern) || /\\[1-9]/.test(pattern)) throw new FormulaError('lookaround and backreferences are not supported (RE2 syntax)', pos);
  return pattern;
}
