// One rule group: its rules evaluated in order at one timestamp (later rules see the results
// of earlier ones because each rule's write is committed before the next rule runs, as in
// Prometheus). Recording rules write their vector back as series through the writer, with
// stale markers for series a rule stopped producing. Alerting rules are evaluated for health
// and errors; turning their results into pending/firing alerts belongs to alerting/, which
// plugs in through AlertingRuleHandler.
import type { RecordingSink } from './recording-sink.js';
import type { PromResult } from '../query/promql/index.js';
import type { AlertingRuleSpec, RuleGroupSpec, RuleSpec } from './rule-file.js';

export interface InstantQuery {
  instant(tenant: string, expr: string, timeMs: number): Promise<PromResult & { stats?: object }>;
}

/** What alerting/ implements to turn an alerting rule's result into alerts. */
export interface AlertingRuleHandler {
  handle(group: RuleGroupSpec, rule: AlertingRuleSpec, result: PromResult, evalTimeMs: number): Promise<void>;
  /** Alerts of the rule for /api/v1/rules and /api/v1/alerts. */
  alertsOf(group: RuleGroupSpec, rule: AlertingRuleSpec): RuleAlert[];
}

export interface RuleAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface RuleState {
  health: 'unknown' | 'ok' | 'err';
  lastError: string;
  /** Seconds the last evaluation took. */
  evaluationTime: number;
  /** ms since epoch of the last evaluation, 0 before the first. */
  lastEvaluationMs: number;
}

export class RuleEvaluationError extends Error {}

function promFloat(text: string): number {
  // The engine renders values like Prometheus: "+Inf", "-Inf", "NaN" or a Go float.
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export interface RuleGroupOptions {
  spec: RuleGroupSpec;
  intervalMs: number;
  engine: InstantQuery;
  sink: RecordingSink;
  tenant: string;
  /** Measures evaluation time (real or injected). */
  clock: () => number;
  alerting?: AlertingRuleHandler;
}

export class RuleGroup {
  readonly states: RuleState[];
  /** Series each recording rule wrote at its last evaluation (for stale markers). */
  private readonly previous: Array<Map<number, Record<string, string>>>;
  lastEvaluationMs = 0;
  evaluationTime = 0;

  constructor(readonly opts: RuleGroupOptions) {
    this.states = opts.spec.rules.map(() => ({ health: 'unknown', lastError: '', evaluationTime: 0, lastEvaluationMs: 0 }));
    this.previous = opts.spec.rules.map(() => new Map());
  }

  get spec(): RuleGroupSpec {
    return this.opts.spec;
  }

  /** Evaluates every rule at `tsMs`; never throws (errors land in the rule's state). */
  async evaluate(tsMs: number): Promise<{ ok: number; failed: number }> {
    const started = this.opts.clock();
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < this.opts.spec.rules.length; i++) {
      const rule = this.opts.spec.rules[i];
      const state = this.states[i];
      const t0 = this.opts.clock();
      try {
        await this.evaluateRule(i, rule, tsMs);
        state.health = 'ok';
        state.lastError = '';
        ok++;
      } catch (err) {
        state.health = 'err';
        state.lastError = (err as Error).message;
        failed++;
      }
      state.evaluationTime = Math.max(0, this.opts.clock() - t0) / 1000;
      state.lastEvaluationMs = tsMs;
    }
    this.lastEvaluationMs = tsMs;
    this.evaluationTime = Math.max(0, this.opts.clock() - started) / 1000;
    return { ok, failed };
  }

  private async evaluateRule(index: number, rule: RuleSpec, tsMs: number): Promise<void> {
    const { engine, tenant } = this.opts;
    const result = await engine.instant(tenant, rule.expr, tsMs);
    if (rule.kind === 'alerting') {
      if (result.resultType !== 'vector' && result.resultType !== 'scalar') throw new RuleEvaluationError('rule result is not a vector or scalar');
      await this.opts.alerting?.handle(this.opts.spec, rule, result, tsMs);
      return;
    }
    const rows: Array<{ labels: Record<string, string>; value: number }> = [];
    if (result.resultType === 'vector') {
      for (const s of result.result) rows.push({ labels: { ...s.metric }, value: promFloat(s.value[1]) });
    } else if (result.resultType === 'scalar') {
      rows.push({ labels: {}, value: promFloat(result.result[1]) });
    } else {
      throw new RuleEvaluationError('rule result is not a vector or scalar');
    }
    const limit = this.opts.spec.limit;
    if (limit > 0 && rows.length > limit) throw new RuleEvaluationError(`exceeded limit of ${limit} with ${rows.length} series`);
    const out = this.opts.sink.samples(tenant);
    const current = new Map<number, Record<string, string>>();
    for (const row of rows) {
      const labels: Record<string, string> = { ...row.labels, __name__: rule.name };
      for (const [k, v] of Object.entries(rule.labels)) {
        if (v === '') delete labels[k];
        else labels[k] = v;
      }
      const fp = out.seriesOf(labels);
      if (current.has(fp)) throw new RuleEvaluationError('vector contains metrics with the same labelset after applying rule labels');
      current.set(fp, labels);
      out.push(fp, tsMs, row.value);
    }
    for (const [fp, labels] of this.previous[index]) {
      if (current.has(fp)) continue;
      out.seriesOf(labels);
      out.pushStale(fp, tsMs);
    }
    const write = await this.opts.sink.write(out);
    if (write.status === 'retryable') throw new RuleEvaluationError(`writing the rule's result failed: Sightline is overloaded (${write.reason})`);
    if (write.status === 'failed') throw new RuleEvaluationError(`writing the rule's result failed: ${write.error.message}`);
    this.previous[index] = current;
  }

  /** Stale markers for everything the group's recording rules wrote (group removed or shutdown). */
  async markAllStale(tsMs: number): Promise<void> {
    const out = this.opts.sink.samples(this.opts.tenant);
    for (const prev of this.previous) {
      for (const [fp, labels] of prev) {
        out.seriesOf(labels);
        out.pushStale(fp, tsMs);
      }
    }
    if (out.length === 0) return;
    const write = await this.opts.sink.write(out);
    if (write.status === 'ok') for (const p of this.previous) p.clear();
  }
}
