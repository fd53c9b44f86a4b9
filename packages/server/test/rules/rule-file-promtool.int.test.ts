// Rule file validation must say what `promtool check rules` (Debian's 2.42) says about the
// same files: the same errors, positions and words.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRuleFile } from '../../src/rules/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sightline-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(file: string): { ok: boolean; errors: string[]; rules: number } {
  let out: string;
  let ok = true;
  try {
    out = execFileSync('/usr/bin/promtool', ['check', 'rules', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    ok = false;
    const e = err as { stdout: string; stderr: string };
    out = e.stdout + e.stderr;
  }
  const lines = out.split('\n');
  const errors: string[] = [];
  // Error lines start with the file name; continuation lines (yaml unmarshal lists) follow.
  for (const line of lines) {
    if (line.startsWith(file)) errors.push(line);
    else if (line.startsWith('  line ') && errors.length) errors[errors.length - 1] += '\n' + line;
  }
  const m = /SUCCESS: (\d+) rules found/.exec(out);
  return { ok, errors: [...new Set(errors)], rules: m ? Number(m[1]) : 0 };
}

const CASES: Record<string, string> = {
  'record and alert errors': `groups:
  - name: a
    rules:
      - record: "bad name"
        expr: up
      - alert: X
        expr: up == 0
        for: 5m
  - name: a
    rules:
      - record: r
        alert: y
        expr: up
      - expr: up
      - record: r2
        expr: up
        for: 5m
        annotations:
          a: b
      - alert: Y
        expr: up
        labels:
          "0bad": x
`,
  'group names': `groups:
  - name: ""
    rules: []
  - rules:
    - record: x
      expr: up
`,
  'empty expr, bad labels, templates': `groups:
  - name: g
    rules:
      - record: x
        expr: ""
      - alert: A
        expr: up
        annotations:
          s: "{{ $labels.instance "
      - record: z
        expr: up
        labels:
          __name__: foo
      - record: kf
        expr: up
        keep_firing_for: 1m
`,
  'bad duration': `groups:
  - name: g
    interval: 5x
    rules:
      - record: x
        expr: up
`,
  'unknown fields': `groups:
  - name: g
    rules:
      - record: x
        expr: up
        unknownkey: 1
`,
  'expression syntax': `groups:
  - name: g
    rules:
      - record: v
        expr: sum(rate(foo[5m]) by (job)
      - record: w
        expr: 'up =='
      - record: x
        expr: rate(up)
`,
  'valid file': `groups:
  - name: g
    interval: 30s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels:
          team: a
      - alert: Down
        expr: up == 0
        for: 1m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} is down"}
`,
};

describe('rule files are validated like promtool check rules', () => {
  it.each(Object.entries(CASES))('%s', (name, text) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(file, text);
    const reference = promtool(file);
    const ours = parseRuleFile(file, text);
    if (reference.ok) {
      expect(ours.ok).toBe(true);
      if (ours.ok) expect(ours.groups.reduce((n, g) => n + g.rules.length, 0)).toBe(reference.rules);
      return;
    }
    expect(ours.ok).toBe(false);
    if (ours.ok) return;
    // The text after "could not parse expression:" comes from the PromQL parser (query/promql),
    // whose messages are checked against Prometheus in its own tests; here the rule-file part
    // (file, position, group, rule, prefix) must match exactly.
    const normalise = (lines: string[]) => lines.map((l) => l.replace(/(could not parse expression: ).*$/s, '$1<parser message>')).sort();
    expect(normalise(ours.errors)).toEqual(normalise(reference.errors));
  });

  it('parses a valid file into groups and rule specs', () => {
    const r = parseRuleFile('x.yml', CASES['valid file']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]).toMatchObject({ name: 'g', file: 'x.yml', intervalMs: 30_000, limit: 0 });
    expect(r.groups[0].rules.map((x) => [x.kind, x.name])).toEqual([
      ['recording', 'job:up:sum'],
      ['alerting', 'Down'],
    ]);
    expect(r.groups[0].rules[1]).toMatchObject({ forMs: 60_000, labels: { severity: 'page' }, annotations: { summary: '{{ $labels.instance }} is down' } });
  });
});
