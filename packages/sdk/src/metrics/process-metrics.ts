import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { getMeter } from './meter.js';

/** Handle returned by {@link startProcessMetrics}; call `stop()` to remove observers. */
export interface ProcessMetricsHandle {
  stop(): void;
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/**
 * Starts USE metrics for the Node process (utilisation, saturation, errors of the runtime):
 *
 * - `process.cpu.time` (s, by `cpu.mode`) and `process.cpu.utilization`
 * - `process.memory.usage` (RSS), `v8js.memory.heap.used` / `v8js.memory.heap.limit` (by space)
 * - `nodejs.eventloop.delay.{min,max,mean,p50,p90,p99}` (s) and `nodejs.eventloop.utilization`
 * - `v8js.gc.duration` histogram (s, by `v8js.gc.type`) — GC pauses
 * - `nodejs.active_handles` and `nodejs.active_requests` (by resource type)
 *
 * `init()` starts it unless `processMetrics: false`.
 */
export function startProcessMetrics(meter: Meter = getMeter()): ProcessMetricsHandle {
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  let lastCpu = process.cpuUsage();
  let lastCpuAt = performance.now();

  const cpuTime = meter.createObservableCounter('process.cpu.time', { description: 'CPU time spent by the process.', unit: 's' });
  const cpuUtil = meter.createObservableGauge('process.cpu.utilization', {
    description: 'CPU time over wall time since the last collection (1 = one core busy).',
    unit: '1',
  });
  const rss = meter.createObservableGauge('process.memory.usage', { description: 'Resident set size.', unit: 'By' });
  const heapUsed = meter.createObservableGauge('v8js.memory.heap.used', { description: 'V8 heap used, by space.', unit: 'By' });
  const heapLimit = meter.createObservableGauge('v8js.memory.heap.limit', { description: 'V8 heap size limit.', unit: 'By' });
  const eluGauge = meter.createObservableGauge('nodejs.eventloop.utilization', {
    description: 'Share of time the event loop was busy since the last collection.',
    unit: '1',
  });
  const delayGauges: Record<string, Observable> = {};
  for (const stat of ['min', 'max', 'mean', 'p50', 'p90', 'p99']) {
    delayGauges[stat] = meter.createObservableGauge(`nodejs.eventloop.delay.${stat}`, {
      description: `Event loop delay (${stat}) since the last collection.`,
      unit: 's',
    });
  }
  const handles = meter.createObservableGauge('nodejs.active_handles', {
    description: 'Active libuv handles and requests keeping the process alive, by type.',
    unit: '{handle}',
  });
  const gcDuration = meter.createHistogram('v8js.gc.duration', {
    description: 'Garbage collection pause duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1] },
  });

  const callback: BatchObservableCallback = (result) => {
    const cpu = process.cpuUsage();
    const now = performance.now();
    result.observe(cpuTime, cpu.user / 1e6, { 'cpu.mode': 'user' });
    result.observe(cpuTime, cpu.system / 1e6, { 'cpu.mode': 'system' });
    const wallUs = (now - lastCpuAt) * 1000;
    if (wallUs > 0) {
      result.observe(cpuUtil, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / wallUs);
    }
    lastCpu = cpu;
    lastCpuAt = now;

    result.observe(rss, process.memoryUsage.rss());
    for (const space of getHeapSpaceStatistics()) {
      result.observe(heapUsed, space.space_used_size, { 'v8js.heap.space.name': space.space_name });
    }
    result.observe(heapLimit, getHeapStatistics().heap_size_limit);

    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    result.observe(eluGauge, elu.utilization);

    if (delay.count > 0) {
      const ns = 1e9;
      result.observe(delayGauges.min!, delay.min / ns);
      result.observe(delayGauges.max!, delay.max / ns);
      result.observe(delayGauges.mean!, delay.mean / ns);
      result.observe(delayGauges.p50!, delay.percentile(50) / ns);
      result.observe(delayGauges.p90!, delay.percentile(90) / ns);
      result.observe(delayGauges.p99!, delay.percentile(99) / ns);
    }
    delay.reset();

    const counts = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, n] of counts) result.observe(handles, n, { 'nodejs.handle.type': type });
  };
  meter.addBatchObservableCallback(callback, [cpuTime, cpuUtil, rss, heapUsed, heapLimit, eluGauge, handles, ...Object.values(delayGauges)]);

  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcDuration.record(entry.duration / 1000, { 'v8js.gc.type': GC_KINDS[kind] ?? 'other' });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  return {
    stop() {
      meter.removeBatchObservableCallback(callback, [cpuTime, cpuUtil, rss, heapUsed, heapLimit, eluGauge, handles, ...Object.values(delayGauges)]);
      gcObserver.disconnect();
      delay.disable();
    },
  };
}
