import { describe, expect, it } from 'vitest';
import { parsePromQL, PromQLError, type Expr } from '../../../src/query/promql/index.js';

const sel = (name: string, extra: object = {}): Expr => ({
  kind: 'VectorSelector', name, matchers: [{ name: '__name__', type: '=', value: name }], offsetMs: 0, ...extra,
} as Expr);

const num = (value: number): Expr => ({ kind: 'NumberLiteral', value });

// [expression, expected AST (or a partial of it)]
const VALID: Array<[string, unknown]> = [
  ['1', num(1)],
  ['0x1F', num(31)],
  ['010', num(8)],
  ['1e3', num(1000)],
  ['.5', num(0.5)],
  ['2.', num(2)],
  ['Inf', num(Infinity)],
  ['-Inf', num(-Infinity)],
  ['- - 1', num(1)],
  ['-1^2', { kind: 'UnaryExpr', op: '-', expr: { kind: 'BinaryExpr', op: '^', lhs: num(1), rhs: num(2) } }],
  ['2 ^ 3 ^ 2', { kind: 'BinaryExpr', op: '^', lhs: num(2), rhs: { kind: 'BinaryExpr', op: '^', lhs: num(3), rhs: num(2) } }],
  ['1 + 2 * 3', { kind: 'BinaryExpr', op: '+', lhs: num(1), rhs: { kind: 'BinaryExpr', op: '*', lhs: num(2), rhs: num(3) } }],
  ['"a\\tb"', { kind: 'StringLiteral', value: 'a\tb' }],
  ["'\\u00e9'", { kind: 'StringLiteral', value: 'é' }],
  ['`raw\\n`', { kind: 'StringLiteral', value: 'raw\\n' }],
  ['foo', sel('foo')],
  ['foo{a="b", c!="d", e=~"f.*", g!~"h"}', {
    kind: 'VectorSelector', name: 'foo', matchers: [
      { name: 'a', type: '=', value: 'b' }, { name: 'c', type: '!=', value: 'd' }, { name: 'e', type: '=~', value: 'f.*' },
      { name: 'g', type: '!~', value: 'h' }, { name: '__name__', type: '=', value: 'foo' },
    ],
  }],
  ['{__name__=~"foo.*"}', { kind: 'VectorSelector', matchers: [{ name: '__name__', type: '=~', value: 'foo.*' }] }],
  ['foo offset 5m', sel('foo', { offsetMs: 300_000 })],
  ['foo offset -1h30m', sel('foo', { offsetMs: -5_400_000 })],
  ['foo @ 100', sel('foo', { at: 100_000 })],
  ['foo @ start()', sel('foo', { at: 'start' })],
  ['foo @ end() offset 1m', sel('foo', { at: 'end', offsetMs: 60_000 })],
  ['foo[5m]', { kind: 'MatrixSelector', rangeMs: 300_000, selector: sel('foo') }],
  ['foo[300]', { kind: 'MatrixSelector', rangeMs: 300_000 }],
  ['rate(foo[5m] offset 1m)', { kind: 'Call', func: 'rate', args: [{ kind: 'MatrixSelector', selector: sel('foo', { offsetMs: 60_000 }) }] }],
  ['foo[10m:1m] @ 50', { kind: 'SubqueryExpr', rangeMs: 600_000, stepMs: 60_000, at: 50_000 }],
  ['rate(foo[5m])[30m:]', { kind: 'SubqueryExpr', rangeMs: 1_800_000, stepMs: 0 }],
  ['-foo @ 100', { kind: 'UnaryExpr', op: '-', expr: sel('foo', { at: 100_000 }) }],
  ['a @ 50 + b @ 100', { kind: 'BinaryExpr', lhs: sel('a', { at: 50_000 }), rhs: sel('b', { at: 100_000 }) }],
  ['a offset 1m or b offset 2m', { kind: 'BinaryExpr', op: 'or', lhs: sel('a', { offsetMs: 60_000 }), rhs: sel('b', { offsetMs: 120_000 }) }],
  ['a / on(x, y) group_left(z) b', { kind: 'BinaryExpr', op: '/', matching: { card: 'many-to-one', on: true, labels: ['x', 'y'], include: ['z'] } }],
  ['a - ignoring(x) group_right b', { kind: 'BinaryExpr', matching: { card: 'one-to-many', on: false, labels: ['x'], include: [] } }],
  ['a > bool 1', { kind: 'BinaryExpr', op: '>', returnBool: true }],
  ['a and b', { kind: 'BinaryExpr', op: 'and', matching: { card: 'many-to-many' } }],
  ['a atan2 b', { kind: 'BinaryExpr', op: 'atan2' }],
  ['sum by (a, b) (foo)', { kind: 'AggregateExpr', op: 'sum', grouping: ['a', 'b'], without: false }],
  ['sum(foo) without (a)', { kind: 'AggregateExpr', op: 'sum', grouping: ['a'], without: true }],
  ['topk(3, foo)', { kind: 'AggregateExpr', op: 'topk', param: num(3) }],
  ['count_values("v", foo)', { kind: 'AggregateExpr', op: 'count_values', param: { kind: 'StringLiteral', value: 'v' } }],
  ['quantile(0.9, foo)', { kind: 'AggregateExpr', op: 'quantile', param: num(0.9) }],
  ['holt_winters(foo[5m], 0.5, 0.1)', { kind: 'Call', func: 'holt_winters' }],
  ['predict_linear(foo[1h], 1d)', { kind: 'Call', func: 'predict_linear', args: [{ kind: 'MatrixSelector' }, num(86400)] }],
  ['label_join(foo, "d", ",", "a", "b", "c")', { kind: 'Call', func: 'label_join' }],
  ['round(foo)', { kind: 'Call', func: 'round' }],
  ['time()', { kind: 'Call', func: 'time', args: [] }],
  ['hour()', { kind: 'Call', func: 'hour', args: [] }],
];

// [expression, Prometheus-style error] (the ones the differential test also sends were checked against Prometheus 2.42)
const INVALID: Array<[string, string]> = [
  ['', '1:1: parse error: no expression found in input'],
  ['sum(', '1:5: parse error: unclosed left parenthesis'],
  ['1 +', '1:4: parse error: unexpected end of input'],
  ['foo{a="b"', '1:10: parse error: unexpected end of input inside braces'],
  ['foo(bar)', '1:1: parse error: unknown function with name "foo"'],
  ['rate(foo)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['abs(foo[5m])', '1:5: parse error: expected type instant vector in call to function "abs", got range vector'],
  ['rate(foo[5m], 1)', '1:1: parse error: expected 1 argument(s) in call to "rate", got 2'],
  ['round(foo, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
  ['label_join(foo)', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1'],
  ['sum(foo[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
  ['topk("a", foo)', '1:6: parse error: expected type scalar in aggregation parameter, got string'],
  ['foo + "a"', '1:7: parse error: binary expression must contain only scalar and instant vector types'],
  ['1 > 2', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['foo and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['foo + bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['foo and on(a) group_left bar', '1:1: parse error: no grouping allowed for "and" operation'],
  ['a + on(b) group_left(b) c', '1:3: parse error: label "b" must not occur in ON and GROUP clause at once'],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{a=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  ['foo{a=~"("}', '1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`'],
  ['foo offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
  ['foo @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['sum(foo) offset 1m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['(foo) @ 1', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['foo[5m][1m:]', '1:1: parse error: subquery is only allowed on instant vector, got range vector instead'],
  ['foo[0s]', '1:5: parse error: duration must be greater than 0'],
  ['max_over_time(up[5m:0s])', '1:21: parse error: duration must be greater than 0'],
  ['1e400', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e400": value out of range'],
  ['-1e400', '1:2: parse error: error parsing number: strconv.ParseFloat: parsing "1e400": value out of range'],
  ['up[5m', '1:6: parse error: unclosed left bracket'],
  ['up offset', '1:10: parse error: unexpected end of input in offset, expected duration'],
  ['up @ foo()', '1:6: parse error: unexpected identifier "foo" in @, expected timestamp'],
  ['up ^^ 2', '1:5: parse error: unexpected <op:^>'],
  ['sum(up) by (job) without (instance)', '1:18: parse error: unexpected <without>'],
  ['rate(up[1m:1m:1m])', '1:14: parse error: unexpected colon \':\''],
  ['up == "a"', '1:7: parse error: binary expression must contain only scalar and instant vector types'],
  ['NaN == NaN', '1:5: parse error: comparisons between scalars must use BOOL modifier'],
  ['up @ {job="x"}', '1:6: parse error: unexpected "{" in @, expected timestamp'],
  ['up offset (1m)', '1:11: parse error: unexpected "(" in offset, expected duration'],
  ['sum by (job) up', '1:14: parse error: unexpected identifier "up" in aggregation'],
  ['sum up', '1:5: parse error: unexpected identifier "up"'],
  ['-"a"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector'],
  ['foo ! bar', "1:5: parse error: unexpected character: '!'"],
  ['foo\n  + )', "2:5: parse error: unexpected character: ')'"],
];

describe('parsePromQL', () => {
  it.each(VALID)('parses %s', (text, want) => {
    expect(parsePromQL(text)).toMatchObject(want as object);
  });

  it.each(INVALID)('rejects %j', (text, message) => {
    let err: unknown;
    try {
      parsePromQL(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PromQLError);
    expect(err).toMatchObject({ type: 'bad_data', message });
  });
});
