// Loads the rule files named in sightline.yaml (`rule_files` globs), refuses to start on an
// invalid one (all messages at once, promtool-style), and evaluates every group on its own
// schedule. Evaluation timestamps are aligned to a stable per-group offset within the
// interval, as in Prometheus, so results land on a regular grid whatever the start time.
import { readFileSync } from 'node:fs';
import { formatPromDuration } from '../config/prom-duration.js';
import { globFiles } from '../config/path-glob.js';
import type { Scheduler } from '../scheduler.js';
import type { RecordingSink } from './recording-sink.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { parseRuleFile, type RuleGroupSpec } from './rule-file.js';
import { RuleGroup, type AlertingRuleHandler, type InstantQuery, type RuleAlert } from './rule-group.js';

export class RuleLoadError extends Error {
  readonly code = 'SL_ERR_RULES_INVALID';
  constructor(readonly errors: string[]) {
    super(`invalid rule files:\n  ${errors.join('\n  ')}`);
    this.name = 'RuleLoadError';
  }
}

/** Reads and validates every file the globs match; throws RuleLoadError listing all problems. */
export function loadRuleFiles(patterns: readonly string[]): RuleGroupSpec[] {
  const errors: string[] = [];
  const groups: RuleGroupSpec[] = [];
  for (const pattern of patterns) {
    const files = globFiles(pattern);
    // A pattern without wildcards naming a missing file is a mistake; an empty glob is not.
    if (files.length === 0 && !/[*?[]/.test(pattern)) errors.push(`${pattern}: no such rule file`);
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        errors.push(`${file}: ${(err as Error).message}`);
        continue;
      }
      const r = parseRuleFile(file, text);
      if (r.ok) groups.push(...r.groups);
      else errors.push(...r.errors);
    }
  }
  if (errors.length > 0) throw new RuleLoadError(errors);
  return groups;
}

export interface RuleManagerOptions {
  groups: RuleGroupSpec[];
  defaultIntervalMs: number;
  engine: InstantQuery;
  /** Where recording rules write their results (the ingest side's sample builder and writer). */
  sink: RecordingSink;
  tenant: string;
  scheduler: Scheduler;
  metrics?: SelfMetrics;
  alerting?: AlertingRuleHandler;
  log?: { warn(obj: object, msg: string): void };
}

function offsetOf(key: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % intervalMs;
}

/** Go's zero time in RFC 3339: what Prometheus shows for a rule never evaluated. */
const NEVER = '0001-01-01T00:00:00Z';
const iso = (ms: number) => (ms === 0 ? NEVER : new Date(ms).toISOString());

export class RuleManager {
  readonly groups: RuleGroup[];
  private readonly timers = new Map<RuleGroup, unknown>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly opts: RuleManagerOptions) {
    this.groups = opts.groups.map(
      (spec) =>
        new RuleGroup({
          spec,
          intervalMs: spec.intervalMs ?? opts.defaultIntervalMs,
          engine: opts.engine,
          sink: opts.sink,
          tenant: opts.tenant,
          clock: () => opts.scheduler.now(),
          alerting: opts.alerting,
        }),
    );
  }

  /** The next aligned evaluation time strictly after `nowMs`. */
  static nextEvaluation(nowMs: number, intervalMs: number, offsetMs: number): number {
    const base = Math.floor((nowMs - offsetMs) / intervalMs) * intervalMs + offsetMs;
    return base > nowMs ? base : base + intervalMs;
  }

  start(): void {
    for (const g of this.groups) this.scheduleNext(g);
  }

  private scheduleNext(g: RuleGroup): void {
    if (this.stopped) return;
    const interval = g.opts.intervalMs;
    const now = this.opts.scheduler.now();
    const at = RuleManager.nextEvaluation(now, interval, offsetOf(`${g.spec.file}\u0000${g.spec.name}`, interval));
    this.timers.set(
      g,
      this.opts.scheduler.setTimeout(() => {
        if (this.stopped) return;
        const run = this.evaluateGroup(g, at).finally(() => this.scheduleNext(g));
        this.running.add(run);
        void run.finally(() => this.running.delete(run));
      }, at - now),
    );
  }

  /** Evaluates one group at `tsMs` and records metrics (also used by tests). */
  async evaluateGroup(g: RuleGroup, tsMs: number): Promise<void> {
    const t0 = this.opts.scheduler.now();
    const { ok, failed } = await g.evaluate(tsMs);
    this.opts.metrics?.ruleEvaluations.inc({ result: 'ok' }, ok);
    if (failed > 0) {
      this.opts.metrics?.ruleEvaluations.inc({ result: 'failed' }, failed);
      g.states.forEach((s, i) => {
        if (s.health === 'err') this.opts.log?.warn({ group: g.spec.name, rule: g.spec.rules[i].name, err: s.lastError }, 'rule evaluation failed');
      });
    }
    this.opts.metrics?.ruleGroupDuration.observe(Math.max(0, this.opts.scheduler.now() - t0) / 1000);
  }

  /** Stops scheduling, lets evaluations in flight finish, then marks recorded series stale. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers.values()) this.opts.scheduler.clearTimeout(t);
    await Promise.all([...this.running].map((p) => p.catch(() => undefined)));
    const now = this.opts.scheduler.now();
    await Promise.all(this.groups.map((g) => g.markAllStale(now).catch(() => undefined)));
  }

  /** /api/v1/rules data, shaped like Prometheus' (type: 'alert' | 'record' filters). */
  apiGroups(type?: 'alert' | 'record'): { groups: unknown[] } {
    return {
      groups: this.groups.map((g) => ({
        name: g.spec.name,
        file: g.spec.file,
        rules: g.spec.rules
          .map((r, i) => ({ r, s: g.states[i] }))
          .filter(({ r }) => !type || (type === 'alert' ? r.kind === 'alerting' : r.kind === 'recording'))
          .map(({ r, s }) => {
            const common = { name: r.name, query: r.expr, labels: r.labels, health: s.health, lastError: s.lastError || undefined, evaluationTime: s.evaluationTime, lastEvaluation: iso(s.lastEvaluationMs) };
            // Prometheus omits empty labels on recording rules (omitempty) but not on alerting ones.
            if (r.kind === 'recording') return { ...common, labels: Object.keys(r.labels).length ? r.labels : undefined, type: 'recording' };
            const alerts: RuleAlert[] = this.opts.alerting?.alertsOf(g.spec, r) ?? [];
            const state = alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length > 0 ? 'pending' : 'inactive';
            return { state, ...common, duration: r.forMs / 1000, keepFiringFor: r.keepFiringForMs / 1000, annotations: r.annotations, alerts, type: 'alerting' };
          }),
        interval: g.opts.intervalMs / 1000,
        limit: g.spec.limit,
        evaluationTime: g.evaluationTime,
        lastEvaluation: iso(g.lastEvaluationMs),
      })),
    };
  }

  /** /api/v1/alerts data: every active alert of every alerting rule. */
  apiAlerts(): { alerts: RuleAlert[] } {
    const alerts: RuleAlert[] = [];
    for (const g of this.groups) for (const r of g.spec.rules) if (r.kind === 'alerting') alerts.push(...(this.opts.alerting?.alertsOf(g.spec, r) ?? []));
    return { alerts };
  }

  describe(): string {
    return this.groups.map((g) => `${g.spec.name} (${g.spec.rules.length} rules, every ${formatPromDuration(g.opts.intervalMs)})`).join(', ');
  }
}
