// match[] selectors of /api/v1/series, /labels and /label/<name>/values: the same matcher
// semantics as PromQL queries (RE2, fully anchored, '.' not matching a newline) and
// Prometheus' error wording (checked against Prometheus 2.42 in differential.int.test.ts).
import { describe, expect, it } from 'vitest';
import { matches, parseSelector } from '../../../src/api/compat/series-select.js';

const m = (sel: string, labels: Record<string, string>) => matches(labels, parseSelector(sel));

describe('series selectors', () => {
  it('match with RE2 semantics', () => {
    expect(m('{__name__=~"(?i)UP"}', { __name__: 'up' })).toBe(true);
    expect(m('x{room=~"[[:upper:]]+"}', { __name__: 'x', room: 'ABC' })).toBe(true);
    expect(m('x{room=~"[[:upper:]]+"}', { __name__: 'x', room: 'Abc' })).toBe(false);
    expect(m('x{room=~"\\\\pL+"}', { __name__: 'x', room: 'ünï' })).toBe(true);
    expect(m('x{room=~"\\\\Qa.b\\\\E"}', { __name__: 'x', room: 'a.b' })).toBe(true);
    expect(m('x{room=~"\\\\Qa.b\\\\E"}', { __name__: 'x', room: 'axb' })).toBe(false);
    expect(m('x{room=~"line.break"}', { __name__: 'x', room: 'line\nbreak' })).toBe(false);
    expect(m('x{room=~"(?s)line.break"}', { __name__: 'x', room: 'line\nbreak' })).toBe(true);
    expect(m('x{room=~"a"}', { __name__: 'x', room: 'ab' })).toBe(false);
    expect(m('x{site=""}', { __name__: 'x' })).toBe(true);
    expect(m('x{site!~".+"}', { __name__: 'x', site: 'n' })).toBe(false);
  });

  it('reports errors as Prometheus does', () => {
    expect(() => parseSelector('{}')).toThrow('invalid parameter "match[]": match[] must contain at least one non-empty matcher');
    expect(() => parseSelector('{job=~".*"}', 'match[]', false)).toThrow(/^match\[\] must contain at least one non-empty matcher$/);
    expect(() => parseSelector('up[5m]')).toThrow('invalid parameter "match[]": 1:3: parse error: unexpected "["');
    expect(() => parseSelector('rate(up[5m])', 'match[]', false)).toThrow(/^1:5: parse error: unexpected "\("$/);
    expect(() => parseSelector('up{a="}"} [5m]')).toThrow('1:11: parse error: unexpected "["');
    expect(() => parseSelector('up{job=~"("}', 'match[]', false)).toThrow('1:4: parse error: error parsing regexp: missing closing ): `^(?:()$`');
  });
});
