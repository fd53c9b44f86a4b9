// Runs the scrape_configs: discovers targets per job (static_configs, file_sd_configs),
// keeps one ScrapeLoop per target, schedules scrapes at a stable per-target offset within the
// interval (like Prometheus, so a thousand targets do not fire at once), and writes stale
// markers for targets that disappear. Time comes from an injected scheduler so tests can
// drive it.
import type { ScrapeConfig } from '../../config/prometheus-schema.js';
import { parsePromDuration } from '../../config/prom-duration.js';
import type { Scheduler } from '../../scheduler.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import type { BatchWriter } from '../export-service.js';
import { FileSd } from './file-sd.js';
import { authorizationHeader } from './scrape-auth.js';
import { compileRelabelConfigs, type CompiledRelabel } from './relabel.js';
import { ScrapeLoop, type ScrapeResult, type TargetHealth } from './scrape-loop.js';
import { targetsFromGroups, type JobDefaults, type ScrapeTarget, type TargetGroup } from './targets.js';

export interface ScrapeManagerOptions {
  jobs: ScrapeConfig[];
  defaults: JobDefaults;
  writer: BatchWriter;
  tenant: string;
  scheduler: Scheduler;
  userAgent: string;
  metrics?: SelfMetrics;
  log?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void };
  /** False: do not watch file_sd files (tests call refreshFileSd). */
  watchFiles?: boolean;
}

interface JobState {
  cfg: ScrapeConfig;
  relabel: CompiledRelabel[];
  metricRelabel: CompiledRelabel[];
  staticGroups: TargetGroup[];
  /** Groups of each file_sd_configs entry, by its index. */
  fileGroups: TargetGroup[][];
  fileSd: FileSd[];
  loops: Map<string, { loop: ScrapeLoop; timer: unknown }>;
}

export interface ActiveTarget extends TargetHealth {
  scrapePool: string;
  scrapeUrl: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

/** Stable 32-bit hash (FNV-1a) of a target key: its offset within the interval. */
function offsetOf(key: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % intervalMs;
}

export class ScrapeManager {
  private readonly jobs = new Map<string, JobState>();
  private started = false;
  private stopping = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: ScrapeManagerOptions) {
    for (const cfg of opts.jobs) {
      const state: JobState = {
        cfg,
        relabel: compileRelabelConfigs(cfg.relabel_configs),
        metricRelabel: compileRelabelConfigs(cfg.metric_relabel_configs),
        staticGroups: cfg.static_configs.map((g, i) => ({ source: `static_configs[${i}]`, targets: g.targets, labels: g.labels })),
        fileGroups: [],
        fileSd: [],
        loops: new Map(),
      };
      cfg.file_sd_configs.forEach((sd, index) => {
        const fileSd = new FileSd({
          patterns: sd.files,
          refreshIntervalMs: parsePromDuration(sd.refresh_interval)!,
          watch: opts.watchFiles !== false,
          log: opts.log,
          onUpdate: (groups) => {
            // Several file_sd blocks of one job: each replaces its own groups.
            state.fileGroups[index] = groups;
            if (this.started) this.track(this.sync(state));
          },
        });
        state.fileSd.push(fileSd);
      });
      this.jobs.set(cfg.job_name, state);
    }
  }

  start(): void {
    this.started = true;
    for (const state of this.jobs.values()) {
      for (const sd of state.fileSd) sd.start();
      this.track(this.sync(state));
    }
  }

  /** Re-reads file_sd files now (tests; the watcher does this on change). */
  refreshFileSd(): Promise<void> {
    for (const state of this.jobs.values()) for (const sd of state.fileSd) sd.refresh();
    return this.settled();
  }

  /** Waits for target syncs in flight (stale markers of removed targets). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Brings the job's loops in line with its current target groups. */
  private async sync(state: JobState): Promise<void> {
    if (this.stopping) return;
    const groups = [...state.staticGroups, ...state.fileGroups.flat()];
    const { targets, errors } = targetsFromGroups(state.cfg, groups, state.relabel, this.opts.defaults);
    for (const e of errors) this.opts.log?.warn({ job: state.cfg.job_name, err: e }, 'scrape: skipping target');
    const wanted = new Map<string, ScrapeTarget>(targets.map((t) => [t.key, t]));
    const removed: ScrapeLoop[] = [];
    for (const [key, entry] of state.loops) {
      if (wanted.has(key)) continue;
      this.opts.scheduler.clearTimeout(entry.timer);
      state.loops.delete(key);
      removed.push(entry.loop);
    }
    for (const [key, target] of wanted) {
      if (state.loops.has(key)) continue;
      const loop = new ScrapeLoop({
        target,
        tenant: this.opts.tenant,
        writer: this.opts.writer,
        honorLabels: state.cfg.honor_labels,
        honorTimestamps: state.cfg.honor_timestamps,
        sampleLimit: state.cfg.sample_limit,
        metricRelabel: state.metricRelabel,
        clock: () => this.opts.scheduler.now(),
        userAgent: this.opts.userAgent,
        authorization: () => authorizationHeader(state.cfg),
      });
      const entry = { loop, timer: undefined as unknown };
      state.loops.set(key, entry);
      this.schedule(state, key, entry, offsetOf(key, target.intervalMs));
    }
    await Promise.all(removed.map((l) => l.markAllStale()));
  }

  private schedule(state: JobState, key: string, entry: { loop: ScrapeLoop; timer: unknown }, delayMs: number): void {
    entry.timer = this.opts.scheduler.setTimeout(() => {
      if (this.stopping || state.loops.get(key) !== entry) return;
      const interval = entry.loop.target.intervalMs;
      // Next tick is planned before this scrape runs, so a slow target keeps its cadence.
      this.schedule(state, key, entry, interval);
      this.track(this.runScrape(state.cfg.job_name, entry.loop));
    }, delayMs);
  }

  private async runScrape(job: string, loop: ScrapeLoop): Promise<ScrapeResult> {
    const result = await loop.scrapeOnce();
    this.opts.metrics?.scrapes.inc({ job, result: result.status });
    return result;
  }

  /** Scrapes every current target once, now (tests and `sightline` diagnostics). */
  async scrapeAll(): Promise<ScrapeResult[]> {
    await this.settled();
    const runs: Promise<ScrapeResult>[] = [];
    for (const state of this.jobs.values()) for (const { loop } of state.loops.values()) runs.push(this.runScrape(state.cfg.job_name, loop));
    return Promise.all(runs);
  }

  activeTargets(): ActiveTarget[] {
    const out: ActiveTarget[] = [];
    for (const state of this.jobs.values()) {
      for (const { loop } of state.loops.values()) {
        out.push({ scrapePool: state.cfg.job_name, scrapeUrl: loop.target.url, labels: loop.target.labels, discoveredLabels: loop.target.discoveredLabels, ...loop.health });
      }
    }
    return out;
  }

  /** Stops scheduling, waits for scrapes in flight, then marks every target's series stale. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const state of this.jobs.values()) {
      for (const sd of state.fileSd) sd.stop();
      for (const entry of state.loops.values()) this.opts.scheduler.clearTimeout(entry.timer);
    }
    await this.settled().catch(() => undefined);
    const loops = [...this.jobs.values()].flatMap((s) => [...s.loops.values()].map((e) => e.loop));
    await Promise.all(loops.map((l) => l.markAllStale().catch(() => undefined)));
  }
}
