// Process metrics under the standard Prometheus names (process_*) plus a few Node.js runtime
// gauges. prom-client's collectDefaultMetrics is not used: it exposes gauges named *_total,
// which promtool's lint rejects.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  let lastCpu = process.cpuUsage();
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      this.inc(((now.user - lastCpu.user) + (now.system - lastCpu.system)) / 1e6);
      lastCpu = now;
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers,
    collect() {
      this.set(startSeconds);
    },
  });
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers,
    collect() {
      try {
        this.set(readdirSync('/proc/self/fd').length);
      } catch {
        // Not on Linux: leave the gauge empty rather than report a wrong number.
      }
    },
  });
  new Gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'nodejs_eventloop_delay_p99_seconds',
    help: '99th percentile of event loop delay since the previous scrape, in seconds.',
    registers,
    collect() {
      this.set(loop.percentile(99) / 1e9);
      loop.reset();
    },
  });
  new Gauge({
    name: 'nodejs_active_resources',
    help: 'Active libuv resources (handles and requests) keeping the event loop alive.',
    registers,
    collect() {
      this.set(process.getActiveResourcesInfo().length);
    },
  });
}
