// An invalid rule file stops start-up with promtool's words; nothing is left listening.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuleLoadError } from '../../src/rules/index.js';
import { startTestServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'sightline-badrules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up with rule files', () => {
  it('refuses to start with an invalid rule file', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'groups:\n  - name: g\n    rules:\n      - record: "not a name"\n        expr: up\n');
    const started = startTestServer({ rule_files: [file] });
    await expect(started).rejects.toBeInstanceOf(RuleLoadError);
    await expect(started).rejects.toThrow(`${file}: 4:17: group "g", rule 1, "not a name": invalid recording rule name: not a name`);
  });
});
