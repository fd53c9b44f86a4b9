// One target's scrapes: fetch, parse, label, metric-relabel, write, and keep the staleness
// state. Semantics follow Prometheus' scrapeLoop:
// - every scrape writes the synthetic series up, scrape_duration_seconds,
//   scrape_samples_scraped, scrape_samples_post_metric_relabeling and scrape_series_added;
// - a series present in the previous scrape and missing from this one gets a stale marker at
//   this scrape's time; a failed scrape marks every previous series stale;
// - when the target goes away (or Sightline stops) all its series, the synthetic ones too,
//   get a stale marker;
// - samples with explicit timestamps (honor_timestamps) are not tracked for staleness.
import type { ExemplarPoint } from '../../storage/batches.js';
import type { BatchWriter } from '../export-service.js';
import { LabeledSampleBuilder } from '../wire/labeled-sample-builder.js';
import { formatOfContentType, parseExposition, type ParsedExposition } from './exposition-parser.js';
import { relabel, type CompiledRelabel } from './relabel.js';
import type { ScrapeTarget } from './targets.js';

export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export interface ScrapeLoopOptions {
  target: ScrapeTarget;
  tenant: string;
  writer: BatchWriter;
  honorLabels: boolean;
  honorTimestamps: boolean;
  sampleLimit: number;
  metricRelabel: readonly CompiledRelabel[];
  /** Injected clock (ms since epoch): scrape timestamps and durations come from it. */
  clock: () => number;
  userAgent: string;
  /** The Authorization header for each scrape (read per scrape: secret files may rotate). */
  authorization?: () => string | undefined;
  /** Largest accepted response body (bytes). */
  maxBodyBytes?: number;
}

export type ScrapeResult =
  | { status: 'ok'; samples: number; postRelabel: number; seriesAdded: number; durationMs: number }
  | { status: 'failed'; error: string; durationMs: number }
  | { status: 'overloaded'; error: string; durationMs: number };

/** What the targets API shows, like Prometheus' /api/v1/targets activeTargets entries. */
export interface TargetHealth {
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrapeMs: number;
  lastScrapeDurationMs: number;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

export class ScrapeLoop {
  /** Series written by the last successful scrape, by fingerprint (staleness tracking). */
  private previous = new Map<number, Record<string, string>>();
  /** Every series of the last successful scrape, timestamped ones too (scrape_series_added). */
  private previousAll = new Set<number>();
  private running: Promise<ScrapeResult> | undefined;
  readonly health: TargetHealth = { health: 'unknown', lastError: '', lastScrapeMs: 0, lastScrapeDurationMs: 0 };

  constructor(readonly opts: ScrapeLoopOptions) {}

  get target(): ScrapeTarget {
    return this.opts.target;
  }

  /** Runs one scrape; concurrent calls share the one in flight (a slow target never stacks scrapes). */
  scrapeOnce(): Promise<ScrapeResult> {
    this.running ??= this.doScrape().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fetchExposition(): Promise<ParsedExposition> {
    const { target } = this.opts;
    const headers: Record<string, string> = {
      Accept: SCRAPE_ACCEPT,
      'User-Agent': this.opts.userAgent,
      'X-Prometheus-Scrape-Timeout-Seconds': String(target.timeoutMs / 1000),
    };
    const auth = this.opts.authorization?.();
    if (auth !== undefined) headers.Authorization = auth;
    const res = await fetch(target.url, {
      headers,
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'follow',
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
    }
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > max) {
      await res.body?.cancel();
      throw new Error(`body size limit exceeded: ${declared} > ${max} bytes`);
    }
    const text = await res.text();
    if (text.length > max) throw new Error(`body size limit exceeded: more than ${max} bytes`);
    return parseExposition(text, formatOfContentType(res.headers.get('content-type')));
  }

  private async doScrape(): Promise<ScrapeResult> {
    const { clock, target } = this.opts;
    const start = clock();
    let parsed: ParsedExposition | undefined;
    let error = '';
    try {
      parsed = await this.fetchExposition();
    } catch (err) {
      const e = err as Error;
      error = e.name === 'TimeoutError' || e.name === 'AbortError' ? `context deadline exceeded (scrape timeout ${target.timeoutMs / 1000}s)` : (e.cause as Error | undefined)?.message ?? e.message;
    }
    const durationMs = Math.max(0, clock() - start);
    const out = new LabeledSampleBuilder(this.opts.tenant);
    const current = new Map<number, Record<string, string>>();
    const all = new Set<number>();
    let scraped = 0;
    let post = 0;
    let added = 0;
    if (parsed) {
      scraped = parsed.samples.length;
      const result = this.appendSamples(parsed, start, out, current, all);
      if (typeof result === 'string') {
        error = result;
        // A failed scrape writes nothing from the body; start over with a clean builder.
        return this.finishFailed(start, durationMs, error);
      }
      post = result;
      for (const fp of all) if (!this.previousAll.has(fp)) added++;
    } else {
      return this.finishFailed(start, durationMs, error);
    }
    // Series gone since the last scrape.
    for (const [fp, labels] of this.previous) {
      if (!current.has(fp)) {
        out.seriesOf(labels);
        out.pushStale(fp, start);
      }
    }
    this.appendReport(out, start, 1, durationMs, scraped, post, added, current);
    const write = await this.opts.writer.write(out.finish());
    if (write.status === 'ok') this.previousAll = all;
    return this.settle(write, start, durationMs, current, { status: 'ok', samples: scraped, postRelabel: post, seriesAdded: added, durationMs });
  }

  private async finishFailed(start: number, durationMs: number, error: string): Promise<ScrapeResult> {
    const out = new LabeledSampleBuilder(this.opts.tenant);
    const current = new Map<number, Record<string, string>>();
    for (const [fp, labels] of this.previous) {
      if (isReportSeries(labels)) continue;
      out.seriesOf(labels);
      out.pushStale(fp, start);
    }
    this.appendReport(out, start, 0, durationMs, 0, 0, 0, current);
    const write = await this.opts.writer.write(out.finish());
    return this.settle(write, start, durationMs, current, { status: 'failed', error, durationMs });
  }

  private settle(
    write: Awaited<ReturnType<BatchWriter['write']>>,
    start: number,
    durationMs: number,
    current: Map<number, Record<string, string>>,
    result: ScrapeResult,
  ): ScrapeResult {
    this.health.lastScrapeMs = start;
    this.health.lastScrapeDurationMs = durationMs;
    if (write.status !== 'ok') {
      // Nothing of this scrape is stored; keep the old staleness state so the next scrape
      // still marks what disappeared.
      const why = write.status === 'retryable' ? `Sightline is overloaded (${write.reason})` : `storage write failed: ${write.error.message}`;
      this.health.health = 'down';
      this.health.lastError = why;
      return { status: write.status === 'retryable' ? 'overloaded' : 'failed', error: why, durationMs };
    }
    this.previous = current;
    this.health.health = result.status === 'ok' ? 'up' : 'down';
    this.health.lastError = result.status === 'ok' ? '' : result.error;
    return result;
  }

  /** Returns the number of samples kept after metric relabelling, or an error message. */
  private appendSamples(parsed: ParsedExposition, ts: number, out: LabeledSampleBuilder, current: Map<number, Record<string, string>>, all: Set<number>): number | string {
    const { target, honorLabels, honorTimestamps, metricRelabel, sampleLimit } = this.opts;
    const targetLabels = target.labels;
    let kept = 0;
    const exemplars: ExemplarPoint[] = [];
    for (const s of parsed.samples) {
      const lb: Record<string, string> = { ...s.labels, __name__: s.name };
      for (const [k, v] of Object.entries(targetLabels)) {
        const existing = lb[k];
        if (existing === undefined || existing === '') lb[k] = v;
        else if (!honorLabels) {
          // Conflicts keep both: the target's value wins, the exposed one moves to exported_<name>.
          let name = `exported_${k}`;
          while (lb[name] !== undefined) name = `exported_${name}`;
          lb[name] = existing;
          lb[k] = v;
        }
      }
      const final = relabel(lb, metricRelabel);
      if (final === null || !final.__name__) continue;
      kept++;
      if (sampleLimit > 0 && kept > sampleLimit) return `sample limit exceeded: more than ${sampleLimit} samples after metric relabelling`;
      const explicit = honorTimestamps && s.timestampMs !== undefined;
      const fp = out.seriesOf(final);
      all.add(fp);
      if (!explicit) {
        // The same series twice in one exposition: Prometheus keeps the first and counts a duplicate.
        if (current.has(fp)) {
          kept--;
          continue;
        }
        current.set(fp, final);
      }
      out.push(fp, explicit ? s.timestampMs! : ts, s.value);
      if (s.exemplar) {
        const attrs: Record<string, string> = {};
        let traceId = '';
        let spanId = '';
        for (const [k, v] of Object.entries(s.exemplar.labels)) {
          if (k === 'trace_id' || k === 'traceID' || k === 'traceId') traceId = v.toLowerCase();
          else if (k === 'span_id' || k === 'spanID' || k === 'spanId') spanId = v.toLowerCase();
          else attrs[k] = v;
        }
        exemplars.push({ fingerprint: fp, timeMs: s.exemplar.timestampMs ?? ts, value: s.exemplar.value, traceId, spanId, attributes: JSON.stringify(attrs) });
      }
    }
    for (const ex of exemplars) out.addExemplar(ex);
    for (const m of parsed.metadata) out.addMetadata({ name: m.name, type: m.type, unit: m.unit, help: m.help });
    return kept;
  }

  private appendReport(out: LabeledSampleBuilder, ts: number, up: number, durationMs: number, scraped: number, post: number, added: number, current: Map<number, Record<string, string>>): void {
    const report: Array<[string, number]> = [
      ['up', up],
      ['scrape_duration_seconds', durationMs / 1000],
      ['scrape_samples_scraped', scraped],
      ['scrape_samples_post_metric_relabeling', post],
      ['scrape_series_added', added],
    ];
    for (const [name, value] of report) {
      const labels = { ...this.opts.target.labels, __name__: name };
      const fp = out.add(labels, ts, value);
      current.set(fp, labels);
    }
  }

  /** Stale markers for every series of this target (target removed or Sightline stopping). */
  async markAllStale(): Promise<void> {
    if (this.running) await this.running.catch(() => undefined);
    if (this.previous.size === 0) return;
    const ts = this.opts.clock();
    const out = new LabeledSampleBuilder(this.opts.tenant);
    for (const [fp, labels] of this.previous) {
      out.seriesOf(labels);
      out.pushStale(fp, ts);
    }
    const write = await this.opts.writer.write(out.finish());
    if (write.status === 'ok') this.previous = new Map();
  }
}

const REPORT_NAMES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

function isReportSeries(labels: Record<string, string>): boolean {
  return REPORT_NAMES.has(labels.__name__);
}
