/**
 * THE compiler from the IR (ir.ts) to SQL text for one engine's `Dialect`. Portable SQL (CASE, COALESCE,
 * comparisons, arithmetic, AND/OR, GROUP BY/HAVING/ORDER BY/LIMIT) is written here; everything engine-specific
 * is asked of the dialect. Values become literals only through `dialect.string/number/bool`, names only
 * through `dialect.ident`: nothing else from the IR is pasted into the text.
 */
import type { Dialect } from '../../store/dialect.js';
import type { Expr, Query, ScalarFn } from './ir.js';

/** An IR the compiler cannot turn into SQL (a front end bug or an unsupported shape; never user-facing SQL). */
export class IrError extends Error {
  override name = 'IrError';
}

export function compileQuery(q: Query, d: Dialect): string {
  return new Compiler(d).query(q);
}

/** One expression alone (tests, and front ends that splice into another IR query). */
export function compileExpr(e: Expr, d: Dialect): string {
  return new Compiler(d).expr(e, new Map());
}

/** The integer ns column inside `nsToMs(col)`, if that is what `e` is. */
const nsOf = (e: Expr): Expr | undefined => (e.k === 'fn' && e.fn === 'nsToMs' && e.args.length === 1 ? e.args[0] : undefined);

const BINARY: Partial<Record<ScalarFn, string>> = { add: '+', sub: '-', mul: '*' };
const ORDER_STATS = new Set(['quantile', 'min', 'max']);

class Compiler {
  constructor(private readonly d: Dialect) {}

  query(q: Query): string {
    const d = this.d;
    if (q.select.length === 0) throw new IrError('a query selects at least one column');
    const aliases = new Map<string, Expr>();
    for (const c of q.select) {
      if (aliases.has(c.as)) throw new IrError(`duplicate output column ${c.as}`);
      aliases.set(c.as, c.expr);
    }
    const noRefs = new Map<string, Expr>();
    if (q.unpivotWhen && !q.unpivot?.length) throw new IrError('unpivotWhen without unpivot');
    const whenInWhere = q.unpivotWhen !== undefined && d.unpivotWhenInWhere === true;
    const when = q.unpivotWhen && !whenInWhere ? this.expr(q.unpivotWhen, noRefs) : undefined;
    const where = whenInWhere ? (q.where ? { k: 'and', args: [q.where, q.unpivotWhen!] } as Expr : q.unpivotWhen) : q.where;
    const unpivot = q.unpivot?.length ? `, ${d.unpivot(q.unpivot.map((e) => d.toText(this.expr(e, noRefs))), d.ident('k'), d.ident('v'), when)}` : '';
    const parts = [`SELECT ${q.select.map((c) => `${this.expr(c.expr, noRefs)} AS ${d.ident(c.as)}`).join(', ')}${unpivot}`];
    parts.push('FROM ' + ('table' in q.from ? d.ident(q.from.table) : `(${this.query(q.from.query)}) AS ${d.ident(q.from.alias)}`));
    if (where) parts.push(`WHERE ${this.expr(where, noRefs)}`);
    if (q.groupBy?.length) parts.push(`GROUP BY ${q.groupBy.map((g) => this.expr(g, noRefs)).join(', ')}`);
    // HAVING repeats the aliased expression (aliases in HAVING are not portable SQL).
    if (q.having) parts.push(`HAVING ${this.expr(q.having, aliases)}`);
    if (q.orderBy?.length) {
      parts.push(`ORDER BY ${q.orderBy.map((o) => `${o.expr.k === 'ref' ? this.refAlias(o.expr.alias, aliases) : this.expr(o.expr, aliases)} ${o.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`);
    }
    if (q.limit !== undefined) {
      if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new IrError(`bad limit ${q.limit}`);
      parts.push(`LIMIT ${q.limit}`);
    }
    return parts.join(' ');
  }

  private refAlias(alias: string, aliases: Map<string, Expr>): string {
    if (!aliases.has(alias)) throw new IrError(`no output column ${alias}`);
    return this.d.ident(alias);
  }

  expr(e: Expr, aliases: Map<string, Expr>): string {
    const d = this.d;
    const x = (a: Expr) => this.expr(a, aliases);
    switch (e.k) {
      case 'col':
        return d.ident(e.column);
      case 'lit':
        if (e.value === null) return 'NULL';
        if (typeof e.value === 'string') return d.string(e.value);
        if (typeof e.value === 'boolean') return d.bool(e.value);
        return d.number(e.value);
      case 'time':
        return d.secondsToNs(e.seconds);
      case 'fn':
        return this.fn(e.fn, e.args.map(x));
      case 'regexExtract':
        return d.regexExtract(x(e.arg), d.string(e.pattern), e.group);
      case 'cmp':
        return `(${x(e.l)} ${e.op === '!=' ? '<>' : e.op} ${x(e.r)})`;
      case 'and':
      case 'or':
        if (e.args.length === 0) return d.bool(e.k === 'and');
        return `(${e.args.map(x).join(e.k === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${x(e.arg)})`;
      case 'isNull':
        // ns -> ms keeps NULLs as they are: test the integer column, not a DOUBLE made per row for it.
        return `(${x(nsOf(e.arg) ?? e.arg)} IS ${e.negate ? 'NOT ' : ''}NULL)`;
      case 'in':
        if (e.list.length === 0) return d.bool(!!e.negate);
        return `(${x(e.arg)} ${e.negate ? 'NOT IN' : 'IN'} (${e.list.map(x).join(', ')}))`;
      case 'case':
        if (e.whens.length === 0) return e.else ? x(e.else) : 'NULL';
        return `(CASE ${e.whens.map(([w, t]) => `WHEN ${x(w)} THEN ${x(t)}`).join(' ')}${e.else ? ` ELSE ${x(e.else)}` : ''} END)`;
      case 'agg':
        if (e.fn === 'quantile' && !(e.q !== undefined && e.q >= 0 && e.q <= 1)) throw new IrError('quantile needs q in [0,1]');
        if (e.fn !== 'count' && !e.arg) throw new IrError(`${e.fn} needs an argument`);
        // Order statistics commute with the ns -> ms scaling: take them on the integer column and scale
        // the one result (an exact P99 over 10M spans: 450 ms instead of 700-950 ms on the DOUBLE per row).
        if (e.arg && nsOf(e.arg) && ORDER_STATS.has(e.fn)) {
          return d.nsToMs(d.aggregate(e.fn, x(nsOf(e.arg)!), { q: e.q, filter: e.filter ? x(e.filter) : undefined }));
        }
        return d.aggregate(e.fn, e.arg ? x(e.arg) : null, { q: e.q, filter: e.filter ? x(e.filter) : undefined });
      case 'timeBucket':
        if (!(e.granularity > 0) || !Number.isInteger(e.origin)) throw new IrError('bad time bucket');
        return d.timeBucket(x(e.arg), e.granularity, e.origin);
      case 'widthBucket':
        if (!Number.isInteger(e.bins) || e.bins < 1) throw new IrError('bad bin count');
        {
          // Bins of a ms value over an ns column: the same bins in integer ns arithmetic (HEATMAP over 10M
          // spans: 445 -> 300 ms of CPU for the bins scan; no DOUBLE division per row).
          const ns = nsOf(e.arg);
          if (ns && Number.isFinite(e.lower) && Number.isFinite(e.upper)) {
            return d.widthBucketInt(x(ns), BigInt(Math.round(e.lower * 1e6)), BigInt(Math.round(e.upper * 1e6)), e.bins);
          }
        }
        return d.widthBucket(x(e.arg), e.lower, e.upper, e.bins);
      case 'sample':
        if (!(e.fraction >= 0 && e.fraction <= 1)) throw new IrError('sample fraction must be in [0,1]');
        if (e.args.length === 0) throw new IrError('sample needs an argument');
        return d.sample(e.args.map(x), e.fraction);
      case 'ref': {
        const target = aliases.get(e.alias);
        if (!target) throw new IrError(`no output column ${e.alias}`);
        return x(target);
      }
    }
  }

  private fn(name: ScalarFn, a: string[]): string {
    const d = this.d;
    const arity = (n: number) => {
      if (a.length !== n) throw new IrError(`${name} takes ${n} argument(s)`);
    };
    const op = BINARY[name];
    if (op) {
      if (a.length < 2) throw new IrError(`${name} takes at least 2 arguments`);
      return `(${a.map((v) => `CAST(${v} AS DOUBLE)`).join(` ${op} `)})`;
    }
    switch (name) {
      case 'contains': arity(2); return d.contains(a[0]!, a[1]!);
      case 'startsWith': arity(2); return d.startsWith(a[0]!, a[1]!);
      case 'endsWith': arity(2); return d.endsWith(a[0]!, a[1]!);
      case 'regexMatch': arity(2); return d.regexMatch(a[0]!, a[1]!);
      case 'toDouble': arity(1); return d.toDouble(a[0]!);
      case 'toInt': arity(1); return d.toInt(a[0]!);
      case 'toText': arity(1); return d.toText(a[0]!);
      case 'toBool': arity(1); return d.toBool(a[0]!);
      case 'lower': arity(1); return d.lower(a[0]!);
      case 'length': arity(1); return d.length(a[0]!);
      case 'concat': return d.concat(a);
      case 'floor': arity(1); return d.floor(a[0]!);
      case 'log10': arity(1); return d.log10(a[0]!);
      case 'div': arity(2); return d.divide(a[0]!, a[1]!);
      case 'mod': arity(2); return d.modulo(a[0]!, a[1]!);
      case 'neg': arity(1); return `(- ${a[0]})`;
      case 'coalesce': return a.length ? `COALESCE(${a.join(', ')})` : 'NULL';
      case 'least': return a.length ? `least(${a.join(', ')})` : 'NULL';
      case 'greatest': return a.length ? `greatest(${a.join(', ')})` : 'NULL';
      case 'traceIdHex': arity(2); return d.traceIdHex(a[0]!, a[1]!);
      case 'spanIdHex': arity(1); return d.spanIdHex(a[0]!);
      case 'nsToMs': arity(1); return d.nsToMs(a[0]!);
      case 'jsonArrayLength': arity(1); return d.jsonArrayLength(a[0]!);
      case 'listAtLeast': arity(2); return d.listFilter(a[0]!, true, a[1]!);
      case 'listAtMost': arity(2); return d.listFilter(a[0]!, false, a[1]!);
      default: throw new IrError(`unknown function ${String(name)}`);
    }
  }
}
