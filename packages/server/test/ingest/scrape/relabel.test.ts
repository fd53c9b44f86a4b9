import { describe, expect, it } from 'vitest';
import { relabelConfigSchema, type RelabelConfig } from '../../../src/config/prometheus-schema.js';
import { compileRelabelConfigs, expandTemplate, relabel } from '../../../src/ingest/scrape/relabel.js';

const rules = (...cfgs: Array<Partial<Record<keyof RelabelConfig, unknown>>>) => compileRelabelConfigs(cfgs.map((c) => relabelConfigSchema.parse(c)));

// Cases from prometheus/model/relabel/relabel_test.go, rewritten as a table.
describe('relabel', () => {
  it.each([
    ['replace with default regex copies the value', { a: 'foo' }, [{ source_labels: ['a'], target_label: 'b' }], { a: 'foo', b: 'foo' }],
    ['replace with groups and separator', { a: 'foo', b: 'bar' }, [{ source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'c', replacement: 'ch${1}-ch${2}' }], { a: 'foo', b: 'bar', c: 'choo-chba' }],
    ['replace needs the whole value to match (anchored)', { a: 'foo' }, [{ source_labels: ['a'], regex: 'o', target_label: 'b', replacement: 'x' }], { a: 'foo' }],
    ['replace to empty deletes the target', { a: 'foo', b: 'bar' }, [{ source_labels: ['a'], regex: 'foo', target_label: 'b', replacement: '' }], { a: 'foo' }],
    ['replace with a templated target label', { a: 'some-name-value' }, [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }], { a: 'some-name-value', name: 'value' }],
    ['replace skips an invalid target label', { a: 'some-0-value' }, [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }], { a: 'some-0-value' }],
    ['$1x is group "1x" (Go), i.e. empty', { a: 'foo' }, [{ source_labels: ['a'], regex: '(f)oo', target_label: 'b', replacement: '$1x-$2' }], { a: 'foo', b: '-' }],
    ['named groups in Go syntax', { a: 'host:9090' }, [{ source_labels: ['a'], regex: '(?P<host>[^:]+):\\d+', target_label: 'h', replacement: '$host' }], { a: 'host:9090', h: 'host' }],
    ['keep keeps a match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], { a: 'foo' }],
    ['keep drops a non-match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'b.*', action: 'keep' }], null],
    ['drop drops a match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f.*', action: 'drop' }], null],
    ['drop on a missing label matches the empty string', { a: 'foo' }, [{ source_labels: ['zzz'], regex: '', action: 'drop' }], null],
    ['hashmod (value from Prometheus tests)', { a: 'foo', b: 'bar', c: 'baz' }, [{ source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 1000 }], { a: 'foo', b: 'bar', c: 'baz', d: '976' }],
    ['labelmap', { __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', a: 'x' }, [{ regex: '__meta_(my.*)', action: 'labelmap' }], { __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', a: 'x', my_bar: 'aaa', my_baz: 'bbb' }],
    ['labeldrop', { a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: 'b.*', action: 'labeldrop' }], { a: 'foo' }],
    ['labelkeep', { a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: 'b.*', action: 'labelkeep' }], { b1: 'bar', b2: 'baz' }],
    ['lowercase', { a: 'FoO' }, [{ source_labels: ['a'], target_label: 'b', action: 'lowercase' }], { a: 'FoO', b: 'foo' }],
    ['uppercase', { a: 'FoO' }, [{ source_labels: ['a'], target_label: 'b', action: 'uppercase' }], { a: 'FoO', b: 'FOO' }],
    ['keepequal', { a: 'x', b: 'x' }, [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }], { a: 'x', b: 'x' }],
    ['dropequal', { a: 'x', b: 'x' }, [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }], null],
    // The same RE2 semantics as PromQL matchers (src/re2.ts):
    ['RE2 (?i) flag', { a: 'FOO' }, [{ source_labels: ['a'], regex: '(?i)foo', action: 'keep' }], { a: 'FOO' }],
    ['RE2 POSIX class', { a: 'ABC' }, [{ source_labels: ['a'], regex: '[[:upper:]]+', action: 'keep' }], { a: 'ABC' }],
    ['RE2 "." does not match a newline', { a: 'a\nb' }, [{ source_labels: ['a'], regex: 'a.b', action: 'keep' }], null],
    ['RE2 \\d is ASCII only', { a: '١٢' }, [{ source_labels: ['a'], regex: '\\d+', action: 'keep' }], null],
    ['rules apply in order', { a: 'foo' }, [{ source_labels: ['a'], target_label: 'b', replacement: 'bar' }, { source_labels: ['b'], regex: 'bar', action: 'drop' }], null],
  ])('%s', (_name, input, cfgs, expected) => {
    expect(relabel(input, rules(...cfgs))).toEqual(expected);
  });

  it('does not modify its input', () => {
    const input = { a: 'foo' };
    relabel(input, rules({ source_labels: ['a'], target_label: 'b' }));
    expect(input).toEqual({ a: 'foo' });
  });

  it('expands $$ as a literal dollar', () => {
    expect(expandTemplate('$$1-$1', /^(a)$/.exec('a')!)).toBe('$1-a');
  });

  it.each([
    [{ action: 'replace' }, "relabel configuration for replace action requires 'target_label' value"],
    [{ action: 'hashmod', target_label: 'x' }, 'relabel configuration for hashmod requires non-zero modulus'],
    [{ action: 'labeldrop', regex: 'a', source_labels: ['x'] }, "labeldrop action requires only 'regex', and no other fields"],
    [{ action: 'keep', regex: '(' }, 'not a valid regular expression'],
  ])('validates %j like Prometheus', (cfg, message) => {
    const r = relabelConfigSchema.safeParse(cfg);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toContain(message);
  });
});
