// Target groups (static_configs, file_sd) -> scrape targets, with the label life cycle of
// Prometheus' scrape.PopulateLabels: defaults from the job (__address__, __scheme__,
// __metrics_path__, __param_*, __scrape_interval__, __scrape_timeout__, job), then
// relabel_configs, then the URL is built from the __ labels and those are removed; `instance`
// defaults to the address.
import type { ScrapeConfig } from '../../config/prometheus-schema.js';
import { formatPromDuration, parsePromDuration } from '../../config/prom-duration.js';
import { relabel, type CompiledRelabel } from './relabel.js';

export interface TargetGroup {
  /** Where the group came from, e.g. "static/0" or a file_sd path (for logs and replacement on reload). */
  source: string;
  targets: string[];
  labels: Record<string, string>;
}

export interface ScrapeTarget {
  /** Identity: same labels and URL = same target (its loop and staleness state survive reloads). */
  key: string;
  job: string;
  url: string;
  /** Labels attached to every scraped sample (job, instance, group labels, relabelled). */
  labels: Record<string, string>;
  /** Labels before relabelling, like Prometheus' discoveredLabels (for the targets API). */
  discoveredLabels: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
}

export interface JobDefaults {
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
}

/** Interval and timeout of a job, resolved against the global defaults like Prometheus does. */
export function jobTiming(job: ScrapeConfig, defaults: JobDefaults): { intervalMs: number; timeoutMs: number } {
  // 0s means "not set" in Prometheus: the global value applies.
  const intervalMs = (job.scrape_interval ? parsePromDuration(job.scrape_interval) : 0) || defaults.scrapeIntervalMs;
  // Without an explicit timeout the global one applies, capped at the interval.
  const timeoutMs = (job.scrape_timeout ? parsePromDuration(job.scrape_timeout) : 0) || Math.min(defaults.scrapeTimeoutMs, intervalMs);
  return { intervalMs, timeoutMs };
}

function withDefaultPort(address: string, scheme: string): string {
  // Prometheus 2.42 adds the scheme's default port, so `instance` reads host:port.
  if (/^\[.*\]:\d+$/.test(address) || /^[^:[\]]+:\d+$/.test(address)) return address;
  return `${address}:${scheme === 'https' ? 443 : 80}`;
}

export function targetsFromGroups(job: ScrapeConfig, groups: readonly TargetGroup[], relabelRules: readonly CompiledRelabel[], defaults: JobDefaults): { targets: ScrapeTarget[]; errors: string[] } {
  const timing = jobTiming(job, defaults);
  const targets: ScrapeTarget[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    for (const address of group.targets) {
      const base: Record<string, string> = { ...group.labels, __address__: address };
      const defaultsLabels: Record<string, string> = {
        job: job.job_name,
        __scheme__: job.scheme,
        __metrics_path__: job.metrics_path,
        __scrape_interval__: formatPromDuration(timing.intervalMs),
        __scrape_timeout__: formatPromDuration(timing.timeoutMs),
      };
      for (const [k, v] of Object.entries(job.params)) if (v.length > 0) defaultsLabels[`__param_${k}`] = v[0];
      for (const [k, v] of Object.entries(defaultsLabels)) if (base[k] === undefined) base[k] = v;
      const discovered = { ...base };
      const lb = relabel(base, relabelRules);
      if (lb === null) continue;
      const addr = lb.__address__;
      if (!addr) {
        errors.push(`${group.source}: target ${JSON.stringify(address)} has no __address__ after relabelling`);
        continue;
      }
      if (/[/?#]/.test(addr)) {
        errors.push(`${group.source}: ${JSON.stringify(addr)} is not a valid host:port address`);
        continue;
      }
      const scheme = lb.__scheme__ || job.scheme;
      const hostPort = withDefaultPort(addr, scheme);
      const intervalMs = parsePromDuration(lb.__scrape_interval__ ?? '') ?? timing.intervalMs;
      const timeoutMs = parsePromDuration(lb.__scrape_timeout__ ?? '') ?? timing.timeoutMs;
      if (intervalMs <= 0 || timeoutMs <= 0 || timeoutMs > intervalMs) {
        errors.push(`${group.source}: target ${hostPort}: scrape timeout ${timeoutMs} ms must be positive and not above the interval ${intervalMs} ms`);
        continue;
      }
      // Query parameters as Prometheus builds them: the job's params, where a __param_<name>
      // label replaces the first value of <name> (or adds it); keys sorted like url.Values.Encode.
      const values = new Map<string, string[]>(Object.entries(job.params).map(([k, v]) => [k, [...v]]));
      for (const [k, v] of Object.entries(lb)) {
        if (!k.startsWith('__param_')) continue;
        const name = k.slice(8);
        const list = values.get(name);
        if (list && list.length > 0) list[0] = v;
        else values.set(name, [v]);
      }
      const query = new URLSearchParams();
      for (const name of [...values.keys()].sort()) for (const v of values.get(name)!) query.append(name, v);
      const qs = query.toString();
      const url = `${scheme}://${hostPort}${lb.__metrics_path__ || job.metrics_path}${qs ? `?${qs}` : ''}`;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(lb)) if (!k.startsWith('__') && v !== '') labels[k] = v;
      if (!labels.instance) labels.instance = hostPort;
      const sorted = Object.keys(labels).sort();
      const key = `${url}\u0000${sorted.map((k) => `${k}=${labels[k]}`).join('\u0001')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ key, job: job.job_name, url, labels, discoveredLabels: discovered, intervalMs, timeoutMs });
    }
  }
  return { targets, errors };
}
