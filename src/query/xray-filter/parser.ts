/**
 * Recursive-descent parser for X-Ray filter expressions.
 *
 * ```
 * expr     := or
 * or       := and (OR and)*
 * and      := unary ([AND] unary)*          -- juxtaposition is AND: `ok !partial duration < 3`
 * unary    := ('!' | NOT) unary | primary
 * primary  := '(' expr ')' | keyword-form
 * ```
 * `AND`, `OR`, `NOT`, keywords and word operators are case-insensitive; AND binds tighter than OR.
 * `service`, `edge`, `group.*` and `rootcause.*` may not appear inside the braces of `service`, `edge` or
 * `rootcause` blocks.
 */
import {
  BOOL_KEYWORDS,
  NUMBER_KEYWORDS,
  STRING_KEYWORDS,
  type AnnotationNode,
  type BoolKeyword,
  type CompareOp,
  type FilterNode,
  type NumberKeyword,
  type RootCauseCategory,
  type RootCauseTarget,
  type ServiceRef,
  type StringKeyword,
  type StringOp,
} from './ast.js';
import { FilterSyntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

export { FilterSyntaxError, formatError } from './errors.js';

const BOOL = new Set<string>(BOOL_KEYWORDS);
const NUMBER = new Set<string>(NUMBER_KEYWORDS);
const STRING = new Set<string>(STRING_KEYWORDS);
const COMPARE = new Set(['=', '!=', '<', '<=', '>', '>=']);
const WORD_OPS = new Set(['contains', 'beginswith', 'endswith']);
const RC_CATEGORIES = new Set(['fault', 'error', 'responsetime']);
const RC_TARGETS = new Set(['service', 'entity', 'exception']);

/** Parses a filter expression. Throws `FilterSyntaxError` (with `position`) when it is not valid. */
export function parseFilter(src: string): FilterNode {
  return new Parser(src).parseAll();
}

/** Returns null when `src` is a valid filter expression, else the error (for CreateGroup/UpdateGroup). */
export function validateFilterExpression(src: string): FilterSyntaxError | null {
  try {
    parseFilter(src);
    return null;
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
}

/** Deepest nesting accepted; X-Ray's own expressions are a few levels deep. */
const MAX_NESTING = 64;

class Parser {
  private readonly toks: Token[];
  private i = 0;
  /** Name of the enclosing block (`service()`, `edge()`, `rootcause`), or null at the top level. */
  private block: string | null = null;
  private depth = 0;

  constructor(src: string) {
    this.toks = tokenize(src);
  }

  parseAll(): FilterNode {
    const node = this.parseOr();
    if (this.peek().kind !== 'eof') this.fail(this.peek(), 'AND, OR or end of expression');
    return node;
  }

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isWord(t: Token, w: string): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === w;
  }
  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }
  private fail(t: Token, expected: string): never {
    const what =
      t.kind === 'eof' ? 'end of expression' : t.kind === 'string' ? `string ${t.text}` : `'${t.text.length > 40 ? t.text.slice(0, 40) + '…' : t.text}'`;
    throw new FilterSyntaxError(`unexpected ${what} at position ${t.pos}: expected ${expected}`, t.pos);
  }
  private expectPunct(p: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) this.fail(t, `'${p}'`);
    return this.next();
  }

  private parseOr(): FilterNode {
    const first = this.parseAnd();
    const operands = [first];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? first : { kind: 'or', operands, pos: first.pos };
  }

  private startsUnary(t: Token): boolean {
    if (t.kind === 'annotation') return true;
    if (t.kind === 'op') return t.text === '!';
    if (t.kind === 'punct') return t.text === '(';
    if (t.kind === 'ident') return !['and', 'or'].includes(t.text.toLowerCase());
    return false;
  }

  private parseAnd(): FilterNode {
    const first = this.parseUnary();
    const operands = [first];
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'and')) {
        this.next();
        operands.push(this.parseUnary());
      } else if (this.startsUnary(t)) {
        operands.push(this.parseUnary());
      } else break;
    }
    return operands.length === 1 ? first : { kind: 'and', operands, pos: first.pos };
  }

  /** Every nesting (parentheses, `!`, blocks) passes here: the bound keeps recursion off the stack limit. */
  private parseUnary(): FilterNode {
    const t = this.peek();
    if (++this.depth > MAX_NESTING) {
      throw new FilterSyntaxError(`expression nested deeper than ${MAX_NESTING} levels at position ${t.pos}`, t.pos);
    }
    try {
      if ((t.kind === 'op' && t.text === '!') || this.isWord(t, 'not')) {
        this.next();
        return { kind: 'not', operand: this.parseUnary(), pos: t.pos };
      }
      return this.parsePrimary();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): FilterNode {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.next();
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (t.kind === 'annotation') return this.parseAnnotation();
    if (t.kind !== 'ident' || ['and', 'or'].includes(t.text.toLowerCase())) this.fail(t, 'a filter');
    const kw = t.text.toLowerCase();
    if (BOOL.has(kw)) return this.parseBool();
    if (NUMBER.has(kw)) return this.parseNumber();
    if (STRING.has(kw)) return this.parseString();
    if (kw === 'service' || kw === 'edge' || kw.startsWith('group.') || kw.startsWith('rootcause.')) {
      if (this.block) {
        throw new FilterSyntaxError(`'${t.text}' at position ${t.pos} cannot be used inside a ${this.block} block`, t.pos);
      }
      if (kw === 'service') return this.parseService();
      if (kw === 'edge') return this.parseEdge();
      if (kw === 'group.name' || kw === 'group.arn') return this.parseGroup();
      return this.parseRootCause();
    }
    if (kw === 'annotation') this.fail(this.peek(1), "'.KEY' or '[KEY]' after 'annotation'");
    throw new FilterSyntaxError(`unknown keyword '${t.text}' at position ${t.pos}`, t.pos);
  }

  private parseBool(): FilterNode {
    const kwTok = this.next();
    const keyword = kwTok.text.toLowerCase() as BoolKeyword;
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '=' || t.text === '!=')) {
      this.next();
      const v = this.peek();
      if (!this.isWord(v, 'true') && !this.isWord(v, 'false')) this.fail(v, 'true or false');
      this.next();
      const value = this.isWord(v, 'true') === (t.text === '=');
      return { kind: 'bool', keyword, value, pos: kwTok.pos };
    }
    if (t.kind === 'op' && t.text !== '!') this.fail(t, `'=' or '!=' after '${kwTok.text}'`);
    return { kind: 'bool', keyword, value: true, pos: kwTok.pos };
  }

  private parseCompareOp(after: Token): CompareOp {
    const t = this.peek();
    if (t.kind !== 'op' || !COMPARE.has(t.text)) this.fail(t, `a comparison operator after '${after.text}'`);
    this.next();
    return t.text as CompareOp;
  }

  private parseNumberValue(): number {
    const v = this.peek();
    if (v.kind !== 'number') this.fail(v, 'a number');
    this.next();
    return v.value as number;
  }

  private parseNumber(): FilterNode {
    const kwTok = this.next();
    const op = this.parseCompareOp(kwTok);
    return { kind: 'number', keyword: kwTok.text.toLowerCase() as NumberKeyword, op, value: this.parseNumberValue(), pos: kwTok.pos };
  }

  /** A string operator if the next token is one (`=`, `!=`, CONTAINS, BEGINSWITH, ENDSWITH). */
  private maybeStringOp(): StringOp | null {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '=' || t.text === '!=')) {
      this.next();
      return t.text as StringOp;
    }
    if (t.kind === 'ident' && WORD_OPS.has(t.text.toLowerCase())) {
      this.next();
      return t.text.toLowerCase() as StringOp;
    }
    return null;
  }

  /** A quoted string, or (leniently, as in X-Ray's own examples) a bare word such as `traces`. */
  private parseStringValue(): string {
    const v = this.peek();
    if (v.kind === 'string') {
      this.next();
      return v.value as string;
    }
    if (v.kind === 'ident' && !['and', 'or', 'not'].includes(v.text.toLowerCase())) {
      this.next();
      return v.text;
    }
    return this.fail(v, 'a quoted string value');
  }

  private parseString(): FilterNode {
    const kwTok = this.next();
    const keyword = kwTok.text.toLowerCase() as StringKeyword;
    const op = this.maybeStringOp();
    if (op === null) {
      const t = this.peek();
      if (t.kind === 'op' && t.text !== '!') this.fail(t, `'=', '!=', CONTAINS, BEGINSWITH or ENDSWITH after '${kwTok.text}'`);
      return { kind: 'string', keyword, op: 'set', pos: kwTok.pos };
    }
    return { kind: 'string', keyword, op, value: this.parseStringValue(), pos: kwTok.pos };
  }

  private parseAnnotation(): AnnotationNode {
    const kwTok = this.next();
    const key = kwTok.value as string;
    const pos = kwTok.pos;
    const t = this.peek();
    if (t.kind === 'op' && COMPARE.has(t.text)) {
      this.next();
      const op = t.text as CompareOp;
      const v = this.peek();
      if (v.kind === 'number') return { kind: 'annotation', key, op, value: this.parseNumberValue(), pos };
      if (op === '=' || op === '!=') {
        if (this.isWord(v, 'true') || this.isWord(v, 'false')) {
          this.next();
          return { kind: 'annotation', key, op, value: v.text.toLowerCase() === 'true', pos };
        }
        return { kind: 'annotation', key, op, value: this.parseStringValue(), pos };
      }
      return this.fail(v, 'a number');
    }
    if (t.kind === 'ident' && WORD_OPS.has(t.text.toLowerCase())) {
      this.next();
      return { kind: 'annotation', key, op: t.text.toLowerCase() as StringOp, value: this.parseStringValue(), pos };
    }
    if (t.kind === 'op' && t.text !== '!') this.fail(t, 'an annotation operator');
    return { kind: 'annotation', key, op: 'set', pos };
  }

  /** `{ filter }` if present. */
  private parseBlock(name: string, required: boolean): FilterNode | null {
    if (!this.isPunct(this.peek(), '{')) {
      if (required) this.fail(this.peek(), `'{' after '${name}'`);
      return null;
    }
    this.next();
    const saved = this.block;
    this.block = name;
    const inner = this.parseOr();
    this.block = saved;
    this.expectPunct('}');
    return inner;
  }

  /** `"name"`, a bare word, or `id(name: "…", type: "…", account.id: "…")`. */
  private parseServiceRef(): ServiceRef {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { name: t.value as string };
    }
    if (this.isWord(t, 'id') && this.isPunct(this.peek(1), '(')) {
      this.next();
      this.next();
      const ref: ServiceRef = {};
      for (;;) {
        const k = this.peek();
        if (k.kind !== 'ident') this.fail(k, 'name, type or account.id');
        const key = k.text.toLowerCase();
        if (key !== 'name' && key !== 'type' && key !== 'account.id') {
          throw new FilterSyntaxError(`unknown id() field '${k.text}' at position ${k.pos}: expected name, type or account.id`, k.pos);
        }
        this.next();
        this.expectPunct(':');
        const value = this.parseStringValue();
        if (key === 'name') ref.name = value;
        else if (key === 'type') ref.type = value;
        else ref.accountId = value;
        if (this.isPunct(this.peek(), ',')) {
          this.next();
          continue;
        }
        this.expectPunct(')');
        return ref;
      }
    }
    if (t.kind === 'ident' && !['and', 'or', 'not'].includes(t.text.toLowerCase())) {
      this.next();
      return { name: t.text };
    }
    return this.fail(t, 'a service name or id(...)');
  }

  private parseService(): FilterNode {
    const kwTok = this.next();
    this.expectPunct('(');
    let target: ServiceRef | null = null;
    if (!this.isPunct(this.peek(), ')')) target = this.parseServiceRef();
    this.expectPunct(')');
    return { kind: 'service', target, filter: this.parseBlock('service()', false), pos: kwTok.pos };
  }

  private parseEdge(): FilterNode {
    const kwTok = this.next();
    this.expectPunct('(');
    const source = this.parseServiceRef();
    this.expectPunct(',');
    const destination = this.parseServiceRef();
    this.expectPunct(')');
    return { kind: 'edge', source, destination, filter: this.parseBlock('edge()', false), pos: kwTok.pos };
  }

  private parseGroup(): FilterNode {
    const kwTok = this.next();
    const t = this.peek();
    if (t.kind !== 'op' || (t.text !== '=' && t.text !== '!=')) this.fail(t, `'=' or '!=' after '${kwTok.text}'`);
    this.next();
    const v = this.peek();
    if (v.kind !== 'string') this.fail(v, 'a quoted string value');
    this.next();
    const by = kwTok.text.toLowerCase() === 'group.name' ? 'name' : 'arn';
    return { kind: 'group', by, op: t.text as '=' | '!=', value: v.value as string, pos: kwTok.pos };
  }

  private parseRootCause(): FilterNode {
    const kwTok = this.next();
    const parts = kwTok.text.toLowerCase().split('.');
    if (parts.length === 2 && parts[1] === 'json') {
      const t = this.peek();
      if (t.kind !== 'op' || (t.text !== '=' && t.text !== '!=')) this.fail(t, `'=' or '!=' after '${kwTok.text}'`);
      this.next();
      const v = this.peek();
      if (v.kind !== 'json') this.fail(v, "a JSON value written '#[...]'");
      this.next();
      const json = v.value as string;
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (e) {
        throw new FilterSyntaxError(`invalid JSON at position ${v.pos}: ${(e as Error).message}`, v.pos);
      }
      return { kind: 'rootcause-json', op: t.text as '=' | '!=', json, value, pos: kwTok.pos };
    }
    if (parts.length !== 3 || !RC_CATEGORIES.has(parts[1]) || !RC_TARGETS.has(parts[2])) {
      throw new FilterSyntaxError(
        `unknown keyword '${kwTok.text}' at position ${kwTok.pos}: expected rootcause.{fault|error|responsetime}.{service|entity|exception} or rootcause.json`,
        kwTok.pos,
      );
    }
    const filter = this.parseBlock(kwTok.text.toLowerCase(), true) as FilterNode;
    return {
      kind: 'rootcause',
      category: parts[1] as RootCauseCategory,
      target: parts[2] as RootCauseTarget,
      filter,
      pos: kwTok.pos,
    };
  }
}
