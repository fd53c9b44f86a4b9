import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../../src/query/promql/index.js';
import { parseSeriesLine, parseValues, runTestFile } from './promql-test-file.js';

describe('Prometheus test-file format', () => {
  it.each([
    ['1 2 3', [1, 2, 3]],
    ['0+10x3', [0, 10, 20, 30]],
    ['10-2x2', [10, 8, 6]],
    ['1x2', [1, 1, 1]],
    ['_ 1 _x2 2', [undefined, 1, undefined, undefined, 2]],
    ['Inf -Inf', [Infinity, -Infinity]],
  ])('expands %j', (text, want) => {
    expect(parseValues(text)).toEqual(want);
  });

  it('reads stale markers, NaN and series descriptors', () => {
    const [stale, nan] = parseValues('stale NaN');
    expect(isStaleNaN(stale!)).toBe(true);
    expect(Number.isNaN(nan) && !isStaleNaN(nan!)).toBe(true);
    expect(parseSeriesLine('foo{a="b c", d="}"} 1 2')).toEqual({ labels: { a: 'b c', d: '}', __name__: 'foo' }, values: [1, 2] });
    expect(parseSeriesLine('{} 5')).toEqual({ labels: {}, values: [5] });
  });

  it('runs evals and reports failures with the reason', async () => {
    const outcomes = await runTestFile([
      'load 1m',
      '  m{a="1"} 0+1x10',
      '',
      'eval instant at 5m m',
      '  m{a="1"} 5',
      '',
      'eval instant at 5m m',
      '  m{a="1"} 6',
      '',
      'eval range from 0 to 2m step 1m m * 2',
      '  {a="1"} 0 2 4',
      '',
      'eval_fail instant at 0m m / on() group_left m',
      '',
      'eval_fail instant at 0m m',
    ].join('\n'));
    expect(outcomes.map((o) => o.status)).toEqual(['pass', 'fail', 'pass', 'fail', 'fail']);
    expect(outcomes[1]!.reason).toContain('expected 6');
  });
});
