/**
 * Compiles a filter expression to an SQL boolean with X-Ray's trace-level meaning, for the HAVING clause of
 * a query that groups spans by trace. The outer query MUST alias the spans table (default alias `t`):
 *
 * ```sql
 * SELECT t.trace_hi, t.trace_lo, …
 * FROM spans t
 * WHERE <time range on t>
 * GROUP BY t.trace_hi, t.trace_lo
 * HAVING <compileFilter(ast, ctx)>
 * ```
 *
 * Span-level conditions appear inside aggregates (`bool_or(…)`, `max`, `min`); `edge()`, `last`, `first`
 * inside rootcause blocks, `inferred` and `coverage` use subqueries over the table (`ctx.table`) tied to
 * `t.trace_hi`/`t.trace_lo` (grouping columns). The meaning of every keyword is in README.md.
 */
import type { BoolKeyword, FilterNode, NumberNode, RootCauseCategory, RootCauseTarget, ServiceRef } from './ast.js';
import { Fields, type CompileContext } from './fields.js';
import { parseFilter } from './parser.js';

export type { CompileContext, ColumnType } from './fields.js';
export type { Dialect, ExistsQuery } from '../../store/dialect.js';

/** Compiles `ast` to a trace-level SQL boolean (never NULL) for `HAVING`. See the module comment. */
export function compileFilter(ast: FilterNode, ctx: CompileContext): string {
  return new Compiler(ctx).trace(ast);
}

/** Parses and compiles in one go (throws FilterSyntaxError). */
export function compileFilterExpression(expr: string, ctx: CompileContext): string {
  return compileFilter(parseFilter(expr), ctx);
}

/** Which root-cause block a span-level filter is evaluated in. */
interface RcScope {
  category: RootCauseCategory;
  target: RootCauseTarget;
}

const MAX_GROUP_DEPTH = 8;

class Compiler {
  private readonly f: Fields;
  private readonly t: string;
  private readonly groupStack: string[] = [];

  constructor(private readonly ctx: CompileContext) {
    this.f = new Fields(ctx, ctx.dialect);
    this.t = ctx.alias ?? 't';
  }

  private get d() {
    return this.f.d;
  }

  /** Trace-level meaning (aggregates over the group's rows). */
  trace(n: FilterNode): string {
    const { f, d, t } = this;
    switch (n.kind) {
      case 'and':
        return f.and(n.operands.map((o) => this.trace(o)));
      case 'or':
        return f.or(n.operands.map((o) => this.trace(o)));
      case 'not':
        return f.not(this.trace(n.operand));
      case 'bool': {
        const v = this.traceBool(n.keyword);
        return n.value ? v : f.not(v);
      }
      case 'number':
        switch (n.keyword) {
          case 'responsetime':
            return f.numPred(`(max(CASE WHEN ${t}.parent_id = 0 THEN ${t}.duration_ns END) / 1e9)`, n.op, n.value);
          case 'duration':
            return f.numPred(`((max(${t}.start_ns + ${t}.duration_ns) - min(${t}.start_ns)) / 1e9)`, n.op, n.value);
          case 'http.status':
            return d.aggregate('any_true', f.and([f.isSegment(t), this.span(n, t)]));
          default:
            return d.aggregate('any_true', this.span(n, t));
        }
      case 'string':
        // `message` (exceptions) may sit on any span; the other fields are read from segments.
        return d.aggregate('any_true', n.keyword === 'message' ? this.span(n, t) : f.and([f.isSegment(t), this.span(n, t)]));
      case 'annotation':
        return d.aggregate('any_true', this.span(n, t));
      case 'service': {
        if (!n.target && !n.filter) return d.bool(true);
        const parts = [];
        if (n.target) parts.push(f.inNode(t, n.target));
        if (n.filter) parts.push(this.span(n.filter, t));
        return d.aggregate('any_true', f.and(parts));
      }
      case 'edge':
        return this.edge(n.source, n.destination, n.filter);
      case 'group':
        return this.group(n.by, n.op, n.value);
      case 'rootcause':
        return d.aggregate('any_true', f.and([this.chain(n.category, t), this.span(n.filter, t, { category: n.category, target: n.target })]));
      case 'rootcause-json': {
        const v = this.rootCauseJson(n.value);
        return n.op === '=' ? v : f.not(v);
      }
    }
  }

  private traceBool(kw: BoolKeyword): string {
    const { f, d, t } = this;
    switch (kw) {
      case 'ok':
        return f.not(d.aggregate('any_true', f.and([f.isSegment(t), f.or([f.fault(t), f.error(t), f.throttle(t)])])));
      case 'error':
        return d.aggregate('any_true', f.and([f.isSegment(t), f.error(t)]));
      case 'fault':
        return d.aggregate('any_true', f.and([f.isSegment(t), f.fault(t)]));
      case 'throttle':
        return d.aggregate('any_true', f.and([f.isSegment(t), f.throttle(t)]));
      case 'partial':
        return f.or([d.aggregate('any_true', f.flag(t, 'xray.in_progress')), f.not(d.aggregate('any_true', `${t}.parent_id = 0`))]);
      case 'root':
      case 'first':
        return d.aggregate('any_true', `${t}.parent_id = 0`);
      default:
        return d.aggregate('any_true', this.spanBool(kw, t));
    }
  }

  /** Spans that make up the root-cause chain of a category. */
  private chain(category: RootCauseCategory, a: string): string {
    if (category === 'fault') return this.f.fault(a);
    if (category === 'error') return this.f.error(a);
    return this.d.bool(true);
  }

  private spanBool(kw: BoolKeyword, a: string, rc?: RcScope): string {
    const { f } = this;
    switch (kw) {
      case 'ok':
        return f.not(f.or([f.fault(a), f.error(a), f.throttle(a)]));
      case 'error':
        return f.error(a);
      case 'fault':
        return f.fault(a);
      case 'throttle':
        return f.throttle(a);
      case 'partial':
        return f.flag(a, 'xray.in_progress');
      case 'inferred':
        return f.and([f.isCall(a), f.not(f.hasChild(a))]);
      case 'remote':
        return f.remote(a);
      case 'root':
        return `(${a}.parent_id = 0)`;
      case 'first':
        return rc ? f.not(f.hasParent(a, (p) => this.chain(rc.category, p))) : `(${a}.parent_id = 0)`;
      case 'last':
        return rc ? f.not(f.hasChild(a, (c) => this.chain(rc.category, c))) : f.not(f.hasChild(a));
    }
  }

  /** Per-span meaning, for the rows of alias `a` (inside service/edge/rootcause blocks). */
  private span(n: FilterNode, a: string, rc?: RcScope): string {
    const { f } = this;
    switch (n.kind) {
      case 'and':
        return f.and(n.operands.map((o) => this.span(o, a, rc)));
      case 'or':
        return f.or(n.operands.map((o) => this.span(o, a, rc)));
      case 'not':
        return f.not(this.span(n.operand, a, rc));
      case 'bool': {
        const v = this.spanBool(n.keyword, a, rc);
        return n.value ? v : f.not(v);
      }
      case 'number':
        return this.spanNumber(n, a, rc);
      case 'string': {
        const text = f.keywordText(a, n.keyword, rc?.target);
        return n.op === 'set' ? f.strPred(text, 'set') : f.strPred(text, n.op, n.value);
      }
      case 'annotation':
        return this.annotation(n, a);
      default:
        // The parser rejects these inside blocks.
        throw new Error(`${n.kind} cannot be evaluated per span`);
    }
  }

  private spanNumber(n: NumberNode, a: string, rc?: RcScope): string {
    const { f } = this;
    switch (n.keyword) {
      case 'responsetime':
      case 'duration':
        return f.numPred(`(${a}.duration_ns / 1e9)`, n.op, n.value);
      case 'http.status':
        return f.numPred(f.httpStatus(a), n.op, n.value);
      case 'index':
        return f.numPred(`(CASE WHEN ${this.spanBool('first', a, rc)} THEN 0 END)`, n.op, n.value);
      case 'coverage':
        return f.numPred(`((${a}.duration_ns * 1.0) / NULLIF(${f.rootDurationNs(a)}, 0))`, n.op, n.value);
    }
  }

  private annotation(n: FilterNode & { kind: 'annotation' }, a: string): string {
    const { f, d } = this;
    const c = f.col(a, n.key);
    if (!c) return d.bool(false);
    if (n.op === 'set') return c.type === 'bool' ? d.isTrue(c.sql) : `(${c.sql} IS NOT NULL)`;
    const v = n.value;
    if (typeof v === 'number') {
      if (c.type === 'bool') return d.bool(false);
      return f.numPred(c.type === 'string' ? d.toDouble(c.sql) : c.sql, n.op, v);
    }
    if (typeof v === 'boolean') {
      const op = n.op === '=' ? '=' : '<>';
      if (c.type === 'bool') return d.isTrue(`${c.sql} ${op} ${f.lit(v)}`);
      if (c.type === 'string') return d.isTrue(`${d.lower(c.sql)} ${op} ${f.lit(String(v))}`);
      return d.bool(false);
    }
    const text = c.type === 'string' ? c.sql : d.toText(c.sql);
    return f.strPred(text, n.op as '=' | '!=' | 'contains' | 'beginswith' | 'endswith', v);
  }

  /**
   * A span of `dst` whose parent span is in `src` (filter on the `dst` span); or an outgoing call span of
   * `src` named like `dst` (an inferred downstream node; filter on the call span).
   */
  private edge(src: ServiceRef, dst: ServiceRef, filter: FilterNode | null): string {
    const { f, d, t } = this;
    const c = f.newAlias();
    const linked = d.exists({
      table: f.table,
      alias: c,
      keys: [
        [`${c}.trace_hi`, `${t}.trace_hi`],
        [`${c}.trace_lo`, `${t}.trace_lo`],
      ],
      where: f.and([f.inNode(c, dst), ...(filter ? [this.span(filter, c)] : []), f.hasParent(c, (p) => f.inNode(p, src))]),
    });
    const parts = [f.isCall(t), ...(filter ? [this.span(filter, t)] : [])];
    if (src.name !== undefined) parts.push(`${t}.dataset = ${this.ctx.quote(src.name)}`);
    if (src.type !== undefined) parts.push(f.strPred(f.serviceType(t), '=', src.type));
    if (dst.name !== undefined) parts.push(this.d.isTrue(`${f.remoteName(t)} = ${this.ctx.quote(dst.name)}`));
    else parts.push(d.bool(false)); // an inferred node is known by name only
    return f.or([linked, d.aggregate('any_true', f.and(parts))]);
  }

  private group(by: 'name' | 'arn', op: '=' | '!=', value: string): string {
    const { f, d } = this;
    const lookup = this.ctx.groups;
    // arn:aws:xray:<region>:<account>:group/<name>/<id>
    const nameFromArn = by === 'arn' ? /:group\/([^/]+)/.exec(value)?.[1] : undefined;
    const key = by === 'name' ? value : (nameFromArn ?? value);
    let expr = lookup?.(value);
    if (expr === undefined && nameFromArn !== undefined) expr = lookup?.(nameFromArn);
    let sql: string;
    if (expr === undefined || this.groupStack.includes(key) || this.groupStack.length >= MAX_GROUP_DEPTH) {
      sql = d.bool(false);
    } else if (expr.trim() === '') {
      sql = d.bool(true); // a group without a filter holds every trace
    } else {
      this.groupStack.push(key);
      try {
        sql = this.trace(parseFilter(expr));
      } catch {
        sql = d.bool(false);
      } finally {
        this.groupStack.pop();
      }
    }
    return op === '=' ? sql : f.not(sql);
  }

  /**
   * `rootcause.json`: the value is a root cause object or an array of them (any may match). A root cause
   * matches when every listed service is in the trace and every entity on its EntityPath (other than the
   * service itself) is a span of that service with that name, with the listed exception types.
   */
  private rootCauseJson(value: unknown): string {
    const { f, d, t } = this;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const arr = (v: unknown) => (Array.isArray(v) ? v : []);
    const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
    const causes = Array.isArray(value) ? value : [value];
    return f.or(
      causes.map((cause) => {
        const services = arr(obj(cause).Services).map(obj);
        if (services.length === 0) return d.bool(false);
        const conds: string[] = [];
        for (const s of services) {
          const ref: ServiceRef = { name: str(s.Name), type: str(s.Type), accountId: str(s.AccountId) };
          const node = f.inNode(t, ref);
          conds.push(d.aggregate('any_true', node));
          for (const e of arr(s.EntityPath).map(obj)) {
            const en = str(e.Name);
            if (en !== undefined && en !== ref.name) conds.push(d.aggregate('any_true', f.and([node, d.isTrue(`${t}.name = ${this.ctx.quote(en)}`)])));
            for (const x of arr(e.Exceptions).map(obj)) {
              const xn = str(x.Name);
              if (xn !== undefined) conds.push(d.aggregate('any_true', f.and([node, f.strPred(f.keywordText(t, 'name', 'exception'), '=', xn)])));
            }
          }
        }
        return f.and(conds);
      }),
    );
  }
}
