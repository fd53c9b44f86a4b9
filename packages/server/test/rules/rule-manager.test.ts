// Rule groups evaluated on an injected schedule: aligned timestamps, recording rule output,
// stale markers, error health, and the /api/v1/rules shape.
import { describe, expect, it } from 'vitest';
import { createPromEngine, MemorySeriesSource } from '../../src/query/promql/index.js';
import { parseRuleFile, RuleManager } from '../../src/rules/index.js';
import { labeledSampleSink } from '../../src/ingest/index.js';
import { CaptureWriter } from '../helpers/capture-writer.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';

const T0 = 1_700_000_000_000;

function setup(yaml: string) {
  const parsed = parseRuleFile('rules.yml', yaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const source = new MemorySeriesSource();
  const writer = new CaptureWriter();
  const scheduler = new ManualScheduler(T0);
  const manager = new RuleManager({ groups: parsed.groups, defaultIntervalMs: 60_000, engine: createPromEngine(source), sink: labeledSampleSink(writer), tenant: 'default', scheduler });
  return { source, writer, scheduler, manager };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('RuleManager', () => {
  it('computes the next aligned evaluation time', () => {
    expect(RuleManager.nextEvaluation(1_000, 10_000, 3_000)).toBe(3_000);
    expect(RuleManager.nextEvaluation(3_000, 10_000, 3_000)).toBe(13_000);
    expect(RuleManager.nextEvaluation(12_999, 10_000, 3_000)).toBe(13_000);
  });

  it('evaluates recording rules on schedule and writes their results with rule labels', async () => {
    const { source, writer, scheduler, manager } = setup(`
groups:
  - name: g
    interval: 10s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: { team: infra }
      - record: answer
        expr: 42
`);
    for (let t = T0 - 60_000; t <= T0 + 120_000; t += 5_000) {
      source.add({ __name__: 'up', job: 'a', instance: '1' }, [[t, 1]]);
      source.add({ __name__: 'up', job: 'a', instance: '2' }, [[t, 1]]);
      source.add({ __name__: 'up', job: 'b', instance: '3' }, [[t, 0]]);
    }
    manager.start();
    scheduler.advance(10_000);
    await settle();
    const first = writer.of('job:up:sum');
    expect(first).toHaveLength(2);
    const t1 = first[0][1];
    // The first evaluation falls at the group's offset within the first interval.
    expect(t1).toBeGreaterThan(T0);
    expect(t1).toBeLessThanOrEqual(T0 + 10_000);
    expect(first.sort((a, b) => a[0].job.localeCompare(b[0].job))).toEqual([
      [{ job: 'a', team: 'infra' }, t1, 2],
      [{ job: 'b', team: 'infra' }, t1, 0],
    ]);
    expect(writer.of('answer')).toEqual([[{}, t1, 42]]);
    scheduler.advance(10_000);
    await settle();
    expect(writer.of('answer').map((s) => s[1])).toEqual([t1, t1 + 10_000]);
    const api = manager.apiGroups();
    expect(api.groups).toEqual([
      {
        name: 'g',
        file: 'rules.yml',
        interval: 10,
        limit: 0,
        evaluationTime: expect.any(Number),
        lastEvaluation: new Date(t1 + 10_000).toISOString(),
        rules: [
          { name: 'job:up:sum', query: 'sum by (job) (up)', labels: { team: 'infra' }, health: 'ok', evaluationTime: expect.any(Number), lastEvaluation: new Date(t1 + 10_000).toISOString(), type: 'recording' },
          { name: 'answer', query: '42', labels: undefined, health: 'ok', evaluationTime: expect.any(Number), lastEvaluation: new Date(t1 + 10_000).toISOString(), type: 'recording' },
        ],
      },
    ]);
    await manager.stop();
  });

  it('writes stale markers for series a rule stops producing, and on stop', async () => {
    const { source, writer, manager } = setup(`
groups:
  - name: g
    rules:
      - record: up:copy
        expr: up
`);
    source.add({ __name__: 'up', job: 'a' }, [[T0, 1]]);
    source.add({ __name__: 'up', job: 'b' }, [[T0, 1], [T0 + 60_000, 1]]);
    const group = manager.groups[0];
    await manager.evaluateGroup(group, T0);
    // job="a" has no sample within the 5m lookback at T0 + 400s; job="b" neither, so add one.
    source.add({ __name__: 'up', job: 'b' }, [[T0 + 400_000, 1]]);
    await manager.evaluateGroup(group, T0 + 400_000);
    expect(writer.of('up:copy')).toEqual([
      [{ job: 'a' }, T0, 1],
      [{ job: 'b' }, T0, 1],
      [{ job: 'b' }, T0 + 400_000, 1],
      [{ job: 'a' }, T0 + 400_000, 'stale'],
    ]);
    writer.clear();
    await manager.stop();
    expect(writer.of('up:copy')).toEqual([[{ job: 'b' }, T0, 'stale']]);
  });

  it('records errors in the rule health without stopping the group', async () => {
    const { source, writer, manager } = setup(`
groups:
  - name: g
    limit: 1
    rules:
      - record: dup
        expr: up
        labels: { instance: "" }
      - record: many
        expr: up
      - record: range
        expr: up[5m]
      - record: ok
        expr: vector(1)
      - alert: Down
        expr: up == 0
        for: 5m
`);
    source.add({ __name__: 'up', job: 'a', instance: '1' }, [[T0, 1]]);
    source.add({ __name__: 'up', job: 'a', instance: '2' }, [[T0, 0]]);
    await manager.evaluateGroup(manager.groups[0], T0);
    const rules = (manager.apiGroups().groups[0] as { rules: Array<Record<string, unknown>> }).rules;
    expect(rules.map((r) => [r.name, r.health, r.lastError])).toEqual([
      ['dup', 'err', 'exceeded limit of 1 with 2 series'],
      ['many', 'err', 'exceeded limit of 1 with 2 series'],
      ['range', 'err', 'rule result is not a vector or scalar'],
      ['ok', 'ok', undefined],
      ['Down', 'ok', undefined],
    ]);
    expect(rules[4]).toMatchObject({ type: 'alerting', state: 'inactive', duration: 300, alerts: [], annotations: {} });
    expect(writer.of('ok')).toEqual([[{}, T0, 1]]);
    expect(manager.apiGroups('alert').groups[0]).toMatchObject({ rules: [{ name: 'Down' }] });
    expect(manager.apiAlerts()).toEqual({ alerts: [] });
  });

  it('uses the default interval for groups without one or with 0s', () => {
    const { manager } = setup(`
groups:
  - name: a
    rules: [{ record: x, expr: '1' }]
  - name: b
    interval: 0s
    rules: [{ record: y, expr: '1' }]
`);
    expect(manager.groups.map((g) => g.opts.intervalMs)).toEqual([60_000, 60_000]);
  });

  it('rejects duplicate label sets after rule labels', async () => {
    const { source, manager } = setup(`
groups:
  - name: g
    rules:
      - record: dup
        expr: up
        labels: { instance: "" }
`);
    source.add({ __name__: 'up', job: 'a', instance: '1' }, [[T0, 1]]);
    source.add({ __name__: 'up', job: 'a', instance: '2' }, [[T0, 0]]);
    await manager.evaluateGroup(manager.groups[0], T0);
    expect(manager.groups[0].states[0]).toMatchObject({ health: 'err', lastError: 'vector contains metrics with the same labelset after applying rule labels' });
  });
});
