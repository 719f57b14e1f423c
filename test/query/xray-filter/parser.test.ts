import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printFilter, type FilterNode } from '../../../src/query/xray-filter/ast.js';
import { FilterSyntaxError, formatError, parseFilter, validateFilterExpression } from '../../../src/query/xray-filter/parser.js';

/** Parse and print back in normalized form. */
const p = (s: string) => printFilter(parseFilter(s));

function syntaxError(expr: string): FilterSyntaxError {
  const e = validateFilterExpression(expr);
  assert.ok(e, `expected a syntax error for ${JSON.stringify(expr)}`);
  return e;
}

test('boolean keywords: bare, negated, compared', () => {
  assert.deepEqual(parseFilter('ok'), { kind: 'bool', keyword: 'ok', value: true, pos: 0 });
  assert.deepEqual(parseFilter('!fault'), { kind: 'not', operand: { kind: 'bool', keyword: 'fault', value: true, pos: 1 }, pos: 0 });
  assert.equal(p('ok = false'), 'ok = false');
  assert.equal(p('ok != false'), 'ok');
  assert.equal(p('ok != TRUE'), 'ok = false');
  for (const kw of ['ok', 'error', 'throttle', 'fault', 'partial', 'inferred', 'first', 'last', 'remote', 'root']) {
    assert.equal(p(kw.toUpperCase()), kw);
  }
});

test('number keywords and operators', () => {
  assert.deepEqual(parseFilter('responsetime > 5'), { kind: 'number', keyword: 'responsetime', op: '>', value: 5, pos: 0 });
  assert.equal(p('duration >= 5 AND duration <= 8'), '(duration >= 5 AND duration <= 8)');
  assert.equal(p('http.status != 200'), 'http.status != 200');
  assert.equal(p('responseTime<0.5'), 'responsetime < 0.5');
  assert.equal(p('index = -1'), 'index = -1');
  assert.equal(p('coverage > .7'), 'coverage > 0.7');
});

test('string keywords: operators are case-insensitive, escapes, bare = present', () => {
  assert.equal(p('http.url CONTAINS "/api/game/"'), 'http.url CONTAINS "/api/game/"');
  assert.equal(p('http.method beginswith "G"'), 'http.method BEGINSWITH "G"');
  assert.equal(p('user EndsWith "x"'), 'user ENDSWITH "x"');
  assert.deepEqual(parseFilter('name = "a\\"b\\\\c\\u0041"'), { kind: 'string', keyword: 'name', op: '=', value: 'a"b\\cA', pos: 0 });
  assert.deepEqual(parseFilter('http.url'), { kind: 'string', keyword: 'http.url', op: 'set', pos: 0 });
  assert.equal(p('http.url AND responseTime > 2'), '(http.url AND responsetime > 2)');
  assert.equal(p('name = traces'), 'name = "traces"'); // bare word value, as in X-Ray's own docs
  for (const kw of ['http.url', 'http.method', 'http.useragent', 'http.clientip', 'user', 'name', 'type', 'message', 'availabilityzone', 'instance.id', 'resource.arn']) {
    assert.equal(p(`${kw} = "v"`), `${kw} = "v"`);
  }
  assert.equal(p("user = 'single'"), 'user = "single"');
});

test('annotations', () => {
  assert.deepEqual(parseFilter('annotation.gameid = "817DL6VO"'), { kind: 'annotation', key: 'gameid', op: '=', value: '817DL6VO', pos: 0 });
  assert.deepEqual(parseFilter('annotation.age > 29'), { kind: 'annotation', key: 'age', op: '>', value: 29, pos: 0 });
  assert.deepEqual(parseFilter('annotation.flag = true'), { kind: 'annotation', key: 'flag', op: '=', value: true, pos: 0 });
  assert.deepEqual(parseFilter('annotation.age'), { kind: 'annotation', key: 'age', op: 'set', pos: 0 });
  assert.equal(p('!annotation.age'), '!annotation.age');
  assert.equal(p('annotation[my-key] CONTAINS "x"'), 'annotation["my-key"] CONTAINS "x"');
  assert.equal(p('annotation["a b]"] = 1'), 'annotation["a b]"] = 1');
  assert.equal(p('annotation[user_id] = "u1"'), 'annotation.user_id = "u1"');
});

test('service, edge, id()', () => {
  assert.equal(p('service("api.example.com") { fault }'), 'service("api.example.com") { fault }');
  assert.equal(p('service() { fault }'), 'service() { fault }');
  assert.equal(p('service("backend-flask")'), 'service("backend-flask")');
  assert.equal(
    p('service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }'),
    'service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }',
  );
  assert.equal(p('service(id(type: "AWS::Lambda::Function", account.id: "123"))'), 'service(id(type: "AWS::Lambda::Function", account.id: "123"))');
  assert.equal(p('edge("a", "b") { error }'), 'edge("a", "b") { error }');
  assert.equal(p('edge(id(name: "a", type:"t"), id(name: "b"))'), 'edge(id(name: "a", type: "t"), "b")');
  assert.equal(p('!service("x") AND !edge("a","b")'), '(!service("x") AND !edge("a", "b"))');
  assert.equal(
    p('service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"'),
    '(service("api.example.com") { (fault OR responsetime > 2.5) } AND annotation.account = "12345")',
  );
  assert.equal(p('service("data-plane") {root = true and fault = true}'), 'service("data-plane") { (root AND fault) }');
});

test('groups and root causes', () => {
  assert.equal(p('group.name = "high_response_time" AND user = "alice"'), '(group.name = "high_response_time" AND user = "alice")');
  assert.equal(p('group.arn != "arn:aws:xray:us-east-1:1:group/G/ABC"'), 'group.arn != "arn:aws:xray:us-east-1:1:group/G/ABC"');
  assert.equal(p('rootcause.fault.entity { last and name = "deserialize" }'), 'rootcause.fault.entity { (last AND name = "deserialize") }');
  assert.equal(p('rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" }'), 'rootcause.responsetime.entity { (remote AND coverage > 0.7 AND name = "traces") }');
  assert.equal(p('rootcause.fault.service { inferred and name = traces and type = "AWS::DynamoDB" }'), 'rootcause.fault.service { (inferred AND name = "traces" AND type = "AWS::DynamoDB") }');
  assert.equal(p('rootcause.error.exception { message = "x" }'), 'rootcause.error.exception { message = "x" }');
  const j = parseFilter('rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_]temperature" } ] } ] }]');
  assert.equal(j.kind, 'rootcause-json');
  assert.deepEqual((j as FilterNode & { kind: 'rootcause-json' }).value, [
    { Services: [{ Name: 'GetWeatherData', EntityPath: [{ Name: 'GetWeatherData' }, { Name: 'get_]temperature' }] }] },
  ]);
});

test('precedence: AND binds tighter than OR; NOT; parentheses; juxtaposition', () => {
  assert.equal(p('ok OR fault AND error'), '(ok OR (fault AND error))');
  assert.equal(p('(ok or fault) and error'), '((ok OR fault) AND error)');
  assert.equal(p('ok !partial duration <3'), '(ok AND !partial AND duration < 3)');
  assert.equal(p('NOT (ok OR error)'), '!(ok OR error)');
  assert.equal(p('!!ok'), '!!ok');
  assert.equal(p('ok AND (fault OR (error AND throttle))'), '(ok AND (fault OR (error AND throttle)))');
});

test('round trip of printFilter', () => {
  const exprs = [
    'service("a") { fault OR http.status >= 500 } AND !edge(id(name: "x"), "y") { throttle } OR annotation["k k"] BEGINSWITH "v"',
    'rootcause.fault.service { first AND index > 2 } AND group.name = "g" AND rootcause.json != #[{"Services":[]}]',
  ];
  for (const e of exprs) {
    const once = p(e);
    assert.equal(p(once), once);
  }
});

test('errors carry a position and a message that points at it', () => {
  let e = syntaxError('http.url CONTAINS )');
  assert.equal(e.position, 18);
  assert.equal(e.message, "unexpected ')' at position 18: expected a quoted string value");
  assert.equal(formatError('http.url CONTAINS )', e), "unexpected ')' at position 18: expected a quoted string value\nhttp.url CONTAINS )\n                  ^");

  e = syntaxError('responsetime > ');
  assert.equal(e.position, 15);
  assert.match(e.message, /unexpected end of expression at position 15: expected a number/);

  e = syntaxError('(ok OR fault');
  assert.equal(e.position, 12);
  assert.match(e.message, /expected '\)'/);

  e = syntaxError('ok )');
  assert.equal(e.position, 3);
  assert.match(e.message, /expected AND, OR or end of expression/);

  e = syntaxError('foo = 1');
  assert.equal(e.position, 0);
  assert.match(e.message, /unknown keyword 'foo'/);

  assert.equal(syntaxError('ok = maybe').position, 5);
  assert.equal(syntaxError('responsetime').position, 12);
  assert.equal(syntaxError('http.url > "x"').position, 9);
  assert.equal(syntaxError('annotation.age > "x"').position, 17);
  assert.equal(syntaxError('user = "abc').position, 7);
  assert.match(syntaxError('user = "abc').message, /unterminated string/);
  assert.equal(syntaxError('service("a") { service("b") }').position, 15);
  assert.equal(syntaxError('edge("a") { ok }').position, 8);
  assert.equal(syntaxError('service("a") { }').position, 15);
  assert.equal(syntaxError('rootcause.fault.entity').position, 22);
  assert.equal(syntaxError('rootcause.foo.entity { ok }').position, 0);
  assert.equal(syntaxError('rootcause.json = #[{"a": }]').position, 17);
  assert.equal(syntaxError('service(id(nom: "x"))').position, 11);
  assert.equal(syntaxError('ok AND').position, 6);
  assert.equal(syntaxError('').position, 0);
  assert.equal(syntaxError('ok % 2').position, 3);
  assert.equal(syntaxError('group.name = g').position, 13);
  assert.ok(syntaxError('x') instanceof FilterSyntaxError);
});

test('formatError on a multi-line expression points into the right line', () => {
  const expr = 'ok AND\n  fault OR )';
  const e = syntaxError(expr);
  assert.equal(e.position, 18);
  assert.equal(formatError(expr, e).split('\n').slice(1).join('\n'), '  fault OR )\n           ^');
});

test('validateFilterExpression accepts the captured CreateGroup expression', () => {
  assert.equal(validateFilterExpression('service("backend-flask")'), null);
  assert.equal(validateFilterExpression('  ok  '), null);
});

test('deep nesting is a syntax error, not a stack overflow', () => {
  for (const expr of ['('.repeat(5000) + 'ok' + ')'.repeat(5000), '!'.repeat(5000) + 'ok', 'NOT '.repeat(3000) + 'ok']) {
    assert.throws(() => parseFilter(expr), (e: Error) => e instanceof FilterSyntaxError && /nested deeper than 64/.test(e.message));
  }
  assert.doesNotThrow(() => parseFilter('('.repeat(30) + 'ok' + ')'.repeat(30)));
});
