import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { globFiles } from '../../src/config/path-glob.js';
import { loadRuleFiles, RuleLoadError } from '../../src/rules/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sightline-rulefiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = (name: string) => `groups:\n  - name: ${name}\n    rules:\n      - record: ${name}:x\n        expr: vector(1)\n`;

describe('loadRuleFiles', () => {
  it('expands globs in the last segment and loads every group', () => {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'one.yml'), good('one'));
    writeFileSync(join(dir, 'a', 'two.yaml'), good('two'));
    writeFileSync(join(dir, 'a', 'skip.txt'), 'not rules');
    expect(globFiles(join(dir, 'a', '*.y*ml'))).toEqual([join(dir, 'a', 'one.yml'), join(dir, 'a', 'two.yaml')]);
    expect(globFiles(join(dir, 'a', 't[uvw]o.yaml'))).toEqual([join(dir, 'a', 'two.yaml')]);
    const groups = loadRuleFiles([join(dir, 'a', '*.yml'), join(dir, 'a', '*.yaml')]);
    expect(groups.map((g) => [g.name, g.file])).toEqual([
      ['one', join(dir, 'a', 'one.yml')],
      ['two', join(dir, 'a', 'two.yaml')],
    ]);
    // A glob matching nothing is fine (Prometheus too); a missing plain path is not.
    expect(loadRuleFiles([join(dir, 'none', '*.yml')])).toEqual([]);
  });

  it('reports every problem of every file at once', () => {
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'b', 'bad.yml'), 'groups:\n  - name: ""\n    rules: []\n');
    let err: unknown;
    try {
      loadRuleFiles([join(dir, 'b', '*.yml'), join(dir, 'b', 'missing.yml')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleLoadError);
    expect((err as RuleLoadError).errors).toEqual([`${join(dir, 'b', 'bad.yml')}: 2:5: Groupname must not be empty`, `${join(dir, 'b', 'missing.yml')}: no such rule file`]);
  });
});
