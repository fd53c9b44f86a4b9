// Debian's Prometheus as the reference for /api/v1/rules: the same rule file evaluated by
// both gives the same groups, rules, health, errors and fields (times aside).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startPrometheus, waitFor, type PrometheusProcess } from '../helpers/prometheus-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sightline-rules-ref-'));
const file = join(dir, 'rules.yml');
let sightline: TestServer | undefined;
let prometheus: PrometheusProcess | undefined;

beforeAll(async () => {
  writeFileSync(
    file,
    `groups:
  - name: g
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - record: with_labels
        expr: vector(1)
        labels: { team: a }
      - record: bad
        expr: up[5m]
      - alert: Down
        expr: up == 0
        for: 1m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} down" }
      - alert: NoFor
        expr: vector(1) == 2
  - name: second
    limit: 10
    rules:
      - record: two
        expr: vector(2)
`,
  );
  prometheus = await startPrometheus(`global: { scrape_interval: 15s, evaluation_interval: 1s }\nrule_files: ['${file}']\n`);
  sightline = await startTestServer({ rule_files: [file], prometheus: { evaluationInterval: '1s' } });
});
afterAll(async () => {
  await prometheus?.stop();
  await sightline?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function rules(base: string) {
  return waitFor(`rules evaluated at ${base}`, async () => {
    const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: Array<Record<string, any>> } };
    const groups = body.data.groups;
    if (!groups.every((g) => g.lastEvaluation !== '0001-01-01T00:00:00Z' && g.rules.every((r: any) => r.health !== 'unknown'))) return undefined;
    // Times differ by nature; their presence and type must not.
    return JSON.parse(JSON.stringify(body), (k, v) => (k === 'evaluationTime' ? typeof v : k === 'lastEvaluation' ? /^\d{4}-\d\d-\d\dT/.test(v) : v));
  });
}

describe('/api/v1/rules matches Prometheus 2.42', () => {
  it('lists the same groups and rules with the same fields', async () => {
    const [theirs, ours] = await Promise.all([rules(prometheus!.url), rules(sightline!.httpUrl)]);
    expect(ours).toEqual(theirs);
  });
});
