// Runs Prometheus' own PromQL test files (v2.55.1 testdata) through the engine over an
// in-memory source and asserts the pass count per file, so regressions show up as a lower
// count. Deliberately skipped evals (native histograms) are counted separately.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTestFile, type EvalOutcome } from './promql-test-file.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Minimum passing evals per file; raise when the engine improves. */
const EXPECTED_PASSES: Record<string, number> = {};

describe('Prometheus PromQL test files', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    it(file, async () => {
      const outcomes: EvalOutcome[] = await runTestFile(readFileSync(join(dir, file), 'utf8'));
      const pass = outcomes.filter((o) => o.status === 'pass').length;
      const fail = outcomes.filter((o) => o.status === 'fail');
      const skip = outcomes.filter((o) => o.status === 'skip').length;
      const report = `${file}: ${pass}/${outcomes.length - skip} passed, ${skip} skipped` +
        fail.map((f) => `\n  line ${f.line}: ${f.expr}\n    ${f.reason}`).join('');
      if (process.env.PROMQL_REPORT) console.log(report);
      const min = EXPECTED_PASSES[file] ?? outcomes.length - skip;
      expect(pass, report).toBeGreaterThanOrEqual(min);
    });
  }
});
