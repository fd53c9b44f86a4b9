import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, envVarNames, loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'sl-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function yamlFile(text: string): string {
  const file = join(dir, `sightline-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.dataDir).toBe('./data');
    expect(c.http.port).toBe(4000);
    expect(c.otlp).toEqual({ grpcPort: 4317, httpPort: 4318, maxBodyBytes: 16 * 1024 * 1024, maxInflightBytes: 256 * 1024 * 1024 });
    expect(c.writer.maxQueueRows).toBe(500_000);
    expect(c.retention).toMatchObject({ tracesDays: 7, logsDays: 7, metricsDays: 15, metrics1mDays: 30, metrics5mDays: 90, metrics1hDays: 365 });
    expect(c.metrics.rollups).toEqual({ enabled: true, intervalSeconds: 60, graceSeconds: 300 });
  });

  it('layers file < env < flags', () => {
    const file = yamlFile('dataDir: /from/file\nhttp:\n  port: 5000\notlp:\n  httpPort: 5318\n');
    const c = loadConfig({
      file,
      env: { SIGHTLINE_HTTP_PORT: '6000', SIGHTLINE_RETENTION_LOGS_DAYS: '3' },
      overrides: { http: { port: 7000 } },
    });
    expect(c.dataDir).toBe('/from/file');
    expect(c.http.port).toBe(7000);
    expect(c.otlp.httpPort).toBe(5318);
    expect(c.otlp.grpcPort).toBe(4317);
    expect(c.retention.logsDays).toBe(3);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['port out of range', 'otlp:\n  httpPort: 70000\n', /otlp\.httpPort/],
    ['unknown key names the key and the allowed ones', 'retention:\n  spansDays: 3\n', /unknown config key 'retention\.spansDays'.*tracesDays/],
    ['wrong type', 'dataDir: 12\n', /dataDir/],
    ['negative retention', 'retention:\n  tracesDays: -1\n', /retention\.tracesDays/],
    ['not a mapping', '- a\n- b\n', /top level must be a mapping/],
    ['invalid yaml', 'a: [1, 2\n', /not valid YAML/],
  ];
  it.each(bad)('rejects %s', (_name, text, re) => {
    const file = yamlFile(text);
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(re);
  });

  it('takes the writer stage directory from the env or the file, null by default, and refuses an empty one', () => {
    expect(loadConfig({ env: {} }).writer.stageDir).toBeNull();
    expect(loadConfig({ env: { SIGHTLINE_WRITER_STAGE_DIR: '/dev/shm/sl' } }).writer.stageDir).toBe('/dev/shm/sl');
    expect(loadConfig({ file: yamlFile('writer:\n  stageDir: /tmp/stage\n'), env: {} }).writer.stageDir).toBe('/tmp/stage');
    expect(() => loadConfig({ file: yamlFile('writer:\n  stageDir: ""\n'), env: {} })).toThrow(/writer\.stageDir/);
  });

  it('rejects a non-numeric env value with the variable name', () => {
    expect(() => loadConfig({ env: { SIGHTLINE_OTLP_GRPC_PORT: 'abc' } })).toThrow(/SIGHTLINE_OTLP_GRPC_PORT="abc": expected a number/);
  });

  it('configures rollups and per-tier retention from file and env, keeping retention.metricsDays for raw samples', () => {
    const file = yamlFile('retention:\n  metricsDays: 10\n  metrics1hDays: 730\nmetrics:\n  rollups:\n    graceSeconds: 30\n');
    const c = loadConfig({ file, env: { SIGHTLINE_METRICS_ROLLUPS_ENABLED: 'false', SIGHTLINE_RETENTION_METRICS5M_DAYS: '120' } });
    expect(c.retention).toMatchObject({ metricsDays: 10, metrics1mDays: 30, metrics5mDays: 120, metrics1hDays: 730 });
    expect(c.metrics.rollups).toEqual({ enabled: false, intervalSeconds: 60, graceSeconds: 30 });
    expect(() => loadConfig({ file: yamlFile('retention:\n  metrics5mDays: 0\n'), env: {} })).toThrow(/retention\.metrics5mDays/);
    expect(() => loadConfig({ file: yamlFile('metrics:\n  rollups:\n    tiers: [1m]\n'), env: {} })).toThrow(/unknown config key 'metrics\.rollups\.tiers'/);
  });

  it('reports a missing file', () => {
    expect(() => loadConfig({ file: '/nonexistent/sightline.yaml', env: {} })).toThrow(/cannot read config file/);
  });

  it('derives one env var per leaf', () => {
    const names = envVarNames().map((e) => e.env);
    expect(names).toContain('SIGHTLINE_DATA_DIR');
    expect(names).toContain('SIGHTLINE_OTLP_MAX_BODY_BYTES');
    expect(new Set(names).size).toBe(names.length);
  });
});
