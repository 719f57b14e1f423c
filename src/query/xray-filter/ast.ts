/**
 * Syntax tree of X-Ray filter expressions (see README.md in this folder for the grammar and meaning).
 *
 * Every node carries `pos`, the 0-based offset in the source where it starts.
 */

/** Keywords that are true or false: used bare (`fault`), negated (`!fault`) or compared (`fault = false`). */
export const BOOL_KEYWORDS = ['ok', 'error', 'throttle', 'fault', 'partial', 'inferred', 'first', 'last', 'remote', 'root'] as const;
export type BoolKeyword = (typeof BOOL_KEYWORDS)[number];

/** Keywords with a numeric value: `responsetime` and `duration` are in seconds. */
export const NUMBER_KEYWORDS = ['responsetime', 'duration', 'http.status', 'index', 'coverage'] as const;
export type NumberKeyword = (typeof NUMBER_KEYWORDS)[number];

/** Keywords with a text value. */
export const STRING_KEYWORDS = [
  'http.url',
  'http.method',
  'http.useragent',
  'http.clientip',
  'user',
  'name',
  'type',
  'message',
  'availabilityzone',
  'instance.id',
  'resource.arn',
] as const;
export type StringKeyword = (typeof STRING_KEYWORDS)[number];

/** Number comparison operators. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** String operators; the word operators are matched case-insensitively in the source and stored lower-case. */
export type StringOp = '=' | '!=' | 'contains' | 'beginswith' | 'endswith';

/** `a AND b AND …` (also written by juxtaposition: `ok !partial`). At least two operands. */
export interface AndNode {
  kind: 'and';
  operands: FilterNode[];
  pos: number;
}

/** `a OR b OR …`. At least two operands. */
export interface OrNode {
  kind: 'or';
  operands: FilterNode[];
  pos: number;
}

/** `!x` or `NOT x`. */
export interface NotNode {
  kind: 'not';
  operand: FilterNode;
  pos: number;
}

/** A boolean keyword; `fault` and `fault = true` give value true, `fault = false` and `fault != true` false. */
export interface BoolNode {
  kind: 'bool';
  keyword: BoolKeyword;
  value: boolean;
  pos: number;
}

/** `responsetime > 5`. */
export interface NumberNode {
  kind: 'number';
  keyword: NumberKeyword;
  op: CompareOp;
  value: number;
  pos: number;
}

/** `http.url CONTAINS "/api"`; `op: 'set'` is the bare keyword (`http.url` = the field is present). */
export type StringNode =
  | { kind: 'string'; keyword: StringKeyword; op: StringOp; value: string; pos: number }
  | { kind: 'string'; keyword: StringKeyword; op: 'set'; pos: number };

/**
 * `annotation.KEY` / `annotation[KEY]`. `op: 'set'` is the bare form (true if the annotation is present, or,
 * for a boolean annotation, if it is true); `!annotation.KEY` is a `NotNode` around it.
 */
export type AnnotationNode =
  | { kind: 'annotation'; key: string; op: 'set'; pos: number }
  | { kind: 'annotation'; key: string; op: CompareOp; value: number; pos: number }
  | { kind: 'annotation'; key: string; op: StringOp; value: string; pos: number }
  | { kind: 'annotation'; key: string; op: '=' | '!='; value: boolean; pos: number };

/**
 * A service node named in `service(…)` / `edge(…)`: `"name"` gives `{name}`, `id(name: …, type: …,
 * account.id: …)` any subset (at least one field).
 */
export interface ServiceRef {
  name?: string;
  type?: string;
  accountId?: string;
}

/** `service("name") {filter}`, `service() {filter}`, `service(id(…))`, bare `service("name")`. */
export interface ServiceNode {
  kind: 'service';
  /** null for `service()`: every node. */
  target: ServiceRef | null;
  /** The braces' filter, evaluated per span of the service; null when there are no braces. */
  filter: FilterNode | null;
  pos: number;
}

/** `edge(source, destination) {filter}`. */
export interface EdgeNode {
  kind: 'edge';
  source: ServiceRef;
  destination: ServiceRef;
  /** Evaluated on the destination's span of the connection; null when there are no braces. */
  filter: FilterNode | null;
  pos: number;
}

/** `group.name = "…"` / `group.arn = "…"` (also `!=`): the trace matches the group's own filter expression. */
export interface GroupNode {
  kind: 'group';
  by: 'name' | 'arn';
  op: '=' | '!=';
  value: string;
  pos: number;
}

export type RootCauseCategory = 'fault' | 'error' | 'responsetime';
export type RootCauseTarget = 'service' | 'entity' | 'exception';

/** `rootcause.fault.service { … }` and the other category/target pairs. */
export interface RootCauseNode {
  kind: 'rootcause';
  category: RootCauseCategory;
  target: RootCauseTarget;
  filter: FilterNode;
  pos: number;
}

/** `rootcause.json = #[…]` (or `!=`). `json` is the source text, `value` the parsed JSON. */
export interface RootCauseJsonNode {
  kind: 'rootcause-json';
  op: '=' | '!=';
  json: string;
  value: unknown;
  pos: number;
}

/** Any filter expression. */
export type FilterNode =
  | AndNode
  | OrNode
  | NotNode
  | BoolNode
  | NumberNode
  | StringNode
  | AnnotationNode
  | ServiceNode
  | EdgeNode
  | GroupNode
  | RootCauseNode
  | RootCauseJsonNode;

/** Renders a node back as a filter expression (normalized spelling, fully parenthesized compounds). */
export function printFilter(node: FilterNode): string {
  const q = (s: string) => JSON.stringify(s);
  const ref = (r: ServiceRef) => {
    if (r.name !== undefined && r.type === undefined && r.accountId === undefined) return q(r.name);
    const parts: string[] = [];
    if (r.name !== undefined) parts.push(`name: ${q(r.name)}`);
    if (r.type !== undefined) parts.push(`type: ${q(r.type)}`);
    if (r.accountId !== undefined) parts.push(`account.id: ${q(r.accountId)}`);
    return `id(${parts.join(', ')})`;
  };
  const block = (f: FilterNode | null) => (f ? ` { ${printFilter(f)} }` : '');
  const upper = (op: string) => (/^[a-z]/.test(op) ? op.toUpperCase() : op);
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.operands.map(printFilter).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `!${printFilter(node.operand)}`;
    case 'bool':
      return node.value ? node.keyword : `${node.keyword} = false`;
    case 'number':
      return `${node.keyword} ${node.op} ${node.value}`;
    case 'string':
      return node.op === 'set' ? node.keyword : `${node.keyword} ${upper(node.op)} ${q(node.value)}`;
    case 'annotation': {
      const k = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(node.key) ? `annotation.${node.key}` : `annotation[${q(node.key)}]`;
      if (node.op === 'set') return k;
      const v = typeof node.value === 'string' ? q(node.value) : String(node.value);
      return `${k} ${upper(node.op)} ${v}`;
    }
    case 'service':
      return `service(${node.target ? ref(node.target) : ''})${block(node.filter)}`;
    case 'edge':
      return `edge(${ref(node.source)}, ${ref(node.destination)})${block(node.filter)}`;
    case 'group':
      return `group.${node.by} ${node.op} ${q(node.value)}`;
    case 'rootcause':
      return `rootcause.${node.category}.${node.target} { ${printFilter(node.filter)} }`;
    case 'rootcause-json':
      return `rootcause.json ${node.op} #${node.json}`;
  }
}
