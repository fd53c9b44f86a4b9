import { createWriteStream } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getHeapSnapshot } from 'node:v8';
import { logger } from './logger.js';
import { traced } from './tracing.js';

/** One function's share of a CPU profile. */
export interface HotFunction {
  functionName: string;
  url: string;
  lineNumber: number;
  selfMs: number;
  selfPercent: number;
}

/** Result of {@link captureCpuProfile}. */
export interface CpuProfileResult {
  /** The raw V8 profile (save as `.cpuprofile` and open in Chrome DevTools). */
  profile: unknown;
  durationMs: number;
  /** Functions by self time, highest first. */
  top: HotFunction[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * Records a CPU profile of this process for `durationMs` using the V8 inspector, and
 * summarises the functions with the most self time. Costs CPU while it runs: use on demand.
 *
 * @example
 * ```ts
 * const { top } = await captureCpuProfile(5000);
 * logger.info('hot functions', { top: top.slice(0, 5) });
 * ```
 */
export async function captureCpuProfile(durationMs = 5000, samplingIntervalUs = 1000): Promise<CpuProfileResult> {
  return traced('profiling.cpu', async () => {
    const session = new Session();
    session.connect();
    try {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await session.post('Profiler.start');
      await new Promise((r) => setTimeout(r, durationMs));
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number } };
      await session.post('Profiler.disable');
      const selfUs = new Map<number, number>();
      profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
      const total = Math.max(1, profile.endTime - profile.startTime);
      const byFunction = new Map<string, HotFunction>();
      for (const node of profile.nodes) {
        const us = selfUs.get(node.id) ?? 0;
        if (us === 0) continue;
        const f = node.callFrame;
        const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
        const entry = byFunction.get(key) ?? { functionName: f.functionName || '(anonymous)', url: f.url, lineNumber: f.lineNumber + 1, selfMs: 0, selfPercent: 0 };
        entry.selfMs += us / 1000;
        byFunction.set(key, entry);
      }
      const top = [...byFunction.values()]
        .map((e) => ({ ...e, selfMs: Math.round(e.selfMs * 100) / 100, selfPercent: Math.round((e.selfMs * 1000 * 10000) / total) / 100 }))
        .sort((a, b) => b.selfMs - a.selfMs)
        .slice(0, 50);
      return { profile, durationMs: (profile.endTime - profile.startTime) / 1000, top };
    } finally {
      session.disconnect();
    }
  });
}

/**
 * Writes a heap snapshot of this process to `dir` (default: the OS temp dir) and returns its
 * path. The process pauses while V8 walks the heap (about a second per few hundred MB).
 */
export async function captureHeapSnapshot(dir = join(tmpdir(), 'sightline-heap')): Promise<string> {
  return traced('profiling.heap_snapshot', async () => {
    await mkdir(dir, { recursive: true });
    const file = join(dir, `heap-${process.pid}-${Date.now()}.heapsnapshot`);
    await pipeline(getHeapSnapshot(), createWriteStream(file));
    return file;
  });
}

/** Count and shallow size of the objects of one constructor in a heap snapshot. */
export interface ConstructorStats {
  name: string;
  count: number;
  selfSize: number;
}

/** Growth of one constructor between two snapshots. */
export interface ConstructorGrowth {
  name: string;
  countDelta: number;
  sizeDelta: number;
  countAfter: number;
  sizeAfter: number;
}

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Aggregates a heap snapshot (file path or parsed JSON) by constructor name. */
export async function summariseHeapSnapshot(snapshot: string | HeapSnapshotJson): Promise<Map<string, ConstructorStats>> {
  const json: HeapSnapshotJson = typeof snapshot === 'string' ? (JSON.parse(await readFile(snapshot, 'utf8')) as HeapSnapshotJson) : snapshot;
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeIdx = fields.indexOf('type');
  const nameIdx = fields.indexOf('name');
  const sizeIdx = fields.indexOf('self_size');
  const out = new Map<string, ConstructorStats>();
  const nodes = json.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeIdx]!];
    // Constructors live on 'object' nodes; closures, arrays, strings etc. are grouped by type.
    const name = type === 'object' || type === 'native' ? json.strings[nodes[i + nameIdx]!]! : `(${type})`;
    const entry = out.get(name) ?? { name, count: 0, selfSize: 0 };
    entry.count++;
    entry.selfSize += nodes[i + sizeIdx]!;
    out.set(name, entry);
  }
  return out;
}

/**
 * Compares two heap snapshots and returns the constructors that grew most (by retained
 * shallow size, then count) — the usual first clue to a memory leak.
 *
 * @example
 * ```ts
 * const before = await captureHeapSnapshot();
 * await runLoad();
 * const after = await captureHeapSnapshot();
 * console.table(await compareHeapSnapshots(before, after, 10));
 * ```
 */
export async function compareHeapSnapshots(before: string | HeapSnapshotJson, after: string | HeapSnapshotJson, limit = 20): Promise<ConstructorGrowth[]> {
  const a = await summariseHeapSnapshot(before);
  const b = await summariseHeapSnapshot(after);
  const growth: ConstructorGrowth[] = [];
  for (const [name, s] of b) {
    const prev = a.get(name);
    const countDelta = s.count - (prev?.count ?? 0);
    const sizeDelta = s.selfSize - (prev?.selfSize ?? 0);
    if (countDelta > 0 || sizeDelta > 0) growth.push({ name, countDelta, sizeDelta, countAfter: s.count, sizeAfter: s.selfSize });
  }
  return growth.sort((x, y) => y.sizeDelta - x.sizeDelta || y.countDelta - x.countDelta).slice(0, limit);
}

/** Options of {@link profilingHandler}. */
export interface ProfilingHandlerOptions {
  /** Path prefix (default `/debug/profile`). */
  prefix?: string;
  /** Required `authorization: Bearer <token>` (strongly advised outside development). */
  token?: string;
  /** Longest CPU profile allowed (default 30 s). */
  maxSeconds?: number;
  /** Where heap snapshots are written. */
  dir?: string;
}

/**
 * HTTP trigger for profiling, as a `node:http` handler that returns false for other paths:
 *
 * - `GET <prefix>/cpu?seconds=5` — CPU profile; JSON summary, or the raw `.cpuprofile` with `&raw=1`
 * - `POST <prefix>/heap` — writes a heap snapshot, returns its path
 * - `POST <prefix>/heap-diff` — takes a snapshot and compares it with the previous one taken here
 */
export function profilingHandler(options: ProfilingHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = options.prefix ?? '/debug/profile';
  const maxSeconds = options.maxSeconds ?? 30;
  let lastSnapshot: string | undefined;
  let busy = false;
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(prefix + '/')) return false;
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      send(res, 401, { error: 'SL_ERR_UNAUTHORIZED', message: 'send authorization: Bearer <token>' });
      return true;
    }
    if (busy) {
      send(res, 409, { error: 'SL_ERR_PROFILE_BUSY', message: 'a capture is already running; retry when it finishes' });
      return true;
    }
    const action = url.pathname.slice(prefix.length + 1);
    const run = async (): Promise<void> => {
      busy = true;
      try {
        if (action === 'cpu') {
          const seconds = Math.min(Math.max(Number(url.searchParams.get('seconds') ?? 5) || 5, 0.1), maxSeconds);
          const result = await captureCpuProfile(seconds * 1000);
          send(res, 200, url.searchParams.get('raw') ? result.profile : { durationMs: result.durationMs, top: result.top.slice(0, 20) });
        } else if (action === 'heap' && req.method === 'POST') {
          lastSnapshot = await captureHeapSnapshot(options.dir);
          send(res, 200, { path: lastSnapshot });
        } else if (action === 'heap-diff' && req.method === 'POST') {
          const next = await captureHeapSnapshot(options.dir);
          const previous = lastSnapshot;
          lastSnapshot = next;
          if (!previous) send(res, 200, { path: next, growth: [], message: 'first snapshot taken; call again to compare' });
          else send(res, 200, { before: previous, after: next, growth: await compareHeapSnapshots(previous, next) });
        } else {
          send(res, 404, { error: 'SL_ERR_NOT_FOUND', message: `use GET ${prefix}/cpu, POST ${prefix}/heap or POST ${prefix}/heap-diff` });
        }
      } catch (err) {
        logger.error('profiling failed', { err });
        send(res, 500, { error: 'SL_ERR_PROFILE_FAILED', message: (err as Error).message });
      } finally {
        busy = false;
      }
    };
    void run();
    return true;
  };
}
