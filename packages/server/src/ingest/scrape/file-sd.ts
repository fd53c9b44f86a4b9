// file_sd_configs: JSON or YAML files of target groups, re-read when they change (fs.watch on
// their directories) and every refresh_interval as a safety net, like Prometheus' file SD.
// A file that fails to parse keeps its last good groups and logs why, so a half-written file
// during a deploy never empties a job.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { globFiles } from '../../config/path-glob.js';
import type { TargetGroup } from './targets.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses one file_sd file; throws with a message naming the file and the problem. */
export function parseFileSdFile(path: string, text: string): TargetGroup[] {
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error(`${path}: expected a list of target groups ({targets: [...], labels: {...}})`);
  return doc.map((g: unknown, i: number) => {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new Error(`${path}: group ${i} is not a mapping`);
    const { targets = [], labels = {}, ...rest } = g as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length) throw new Error(`${path}: group ${i}: unknown field(s) ${extra.join(', ')}`);
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string' && t !== '')) throw new Error(`${path}: group ${i}: targets must be a list of host:port strings`);
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new Error(`${path}: group ${i}: labels must be a mapping`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
      if (!LABEL_NAME.test(k)) throw new Error(`${path}: group ${i}: ${JSON.stringify(k)} is not a valid label name`);
      if (typeof v !== 'string') throw new Error(`${path}: group ${i}: label ${k} must be a string`);
      out[k] = v;
    }
    // Prometheus adds the file as a meta label, usable in relabel_configs.
    out.__meta_filepath = path;
    return { source: `${path}:${i}`, targets: targets as string[], labels: out };
  });
}

export interface FileSdOptions {
  patterns: string[];
  refreshIntervalMs: number;
  /** Called with all groups of all matching files after every change. */
  onUpdate: (groups: TargetGroup[]) => void;
  log?: { warn(obj: object, msg: string): void };
  /** False in tests that drive refresh() themselves. */
  watch?: boolean;
}

export class FileSd {
  private readonly byFile = new Map<string, { text: string; groups: TargetGroup[] }>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: FileSdOptions) {}

  start(): void {
    this.refresh();
    if (this.opts.watch === false) return;
    const dirs = new Set(this.opts.patterns.map((p) => dirname(resolve(p))));
    for (const dir of dirs) {
      try {
        const w = watch(dir, () => this.scheduleRefresh());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch (err) {
        this.opts.log?.warn({ dir, err: (err as Error).message }, 'file_sd: cannot watch directory; relying on refresh_interval');
      }
    }
    this.timer = setInterval(() => this.refresh(), this.opts.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
  }

  private scheduleRefresh(): void {
    // Editors write files in several steps; one re-read after the burst is enough.
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), 100);
    this.debounce.unref();
  }

  /** Re-reads every matching file; calls onUpdate when anything changed. */
  refresh(): void {
    if (this.stopped) return;
    const files = new Set(this.opts.patterns.flatMap((p) => globFiles(p)));
    let changed = false;
    for (const f of [...this.byFile.keys()]) {
      if (!files.has(f)) {
        this.byFile.delete(f);
        changed = true;
      }
    }
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue;
      }
      const prev = this.byFile.get(f);
      if (prev && prev.text === text) continue;
      try {
        this.byFile.set(f, { text, groups: parseFileSdFile(f, text) });
        changed = true;
      } catch (err) {
        this.opts.log?.warn({ file: f, err: (err as Error).message }, 'file_sd: keeping the previous targets of a file that does not parse');
      }
    }
    if (changed || this.firstUpdate) {
      this.firstUpdate = false;
      this.opts.onUpdate([...this.byFile.values()].flatMap((v) => v.groups));
    }
  }

  private firstUpdate = true;
}
