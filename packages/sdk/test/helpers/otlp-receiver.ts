import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One OTLP/HTTP JSON request captured by {@link startOtlpReceiver}. */
export interface OtlpRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

type KeyValue = { key: string; value: Record<string, unknown> };

/** Flattens OTLP JSON attributes into a plain object. */
export function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v.arrayValue ?? v.kvlistValue;
  }
  return out;
}

/** A tiny OTLP/HTTP receiver (JSON encoding) on 127.0.0.1, for tests with the real exporters. */
export async function startOtlpReceiver() {
  const requests: OtlpRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      } catch {
        res.writeHead(400);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans() {
      return requests
        .filter((r) => r.path === '/v1/traces')
        .flatMap((r) =>
          r.body.resourceSpans.flatMap((rs: any) =>
            rs.scopeSpans.flatMap((ss: any) =>
              ss.spans.map((s: any) => ({ ...s, scope: ss.scope?.name, resource: attrs(rs.resource?.attributes), attributes: attrs(s.attributes) })),
            ),
          ),
        );
    },
    logs() {
      return requests
        .filter((r) => r.path === '/v1/logs')
        .flatMap((r) =>
          r.body.resourceLogs.flatMap((rl: any) =>
            rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((l: any) => ({ ...l, resource: attrs(rl.resource?.attributes), attributes: attrs(l.attributes) }))),
          ),
        );
    },
    metricNames(): string[] {
      return requests
        .filter((r) => r.path === '/v1/metrics')
        .flatMap((r) => r.body.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics.map((m: any) => m.name as string))));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
