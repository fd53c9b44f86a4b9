// remote_write receive cost (single thread): snappy block decompression plus decoding a
// prometheus.WriteRequest into a SampleBatch, as POST /api/v1/write does before the writer.
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/remote-write-decode.mjs [seconds]
//   SIGHTLINE_DIST=bench/.cache/dist-old node bench/remote-write-decode.mjs 2   (another build)
//
// The request looks like one Prometheus 2.x sends with default queue_config: 2,000 series of
// one sample each, 8 labels a series (job, instance, __name__ and 5 others), 100 metric names.
import { compressSync, uncompressSync } from 'snappy';
// SIGHTLINE_DIST=<dir>: decode with another build's dist (A/B runs against a copied build).
const dist = process.env.SIGHTLINE_DIST ? new URL(`file://${process.env.SIGHTLINE_DIST.startsWith('/') ? '' : process.cwd() + '/'}${process.env.SIGHTLINE_DIST}/`) : new URL('../packages/server/dist/', import.meta.url);
const { decodeRemoteWrite } = await import(new URL('ingest/wire/decode-remote-write.js', dist).href);

const SECONDS = Number(process.argv[2] ?? 3);

function varint(out, v) {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
function bytesField(out, field, bytes) {
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}
function label(name, value) {
  const out = [];
  bytesField(out, 1, [...Buffer.from(name)]);
  bytesField(out, 2, [...Buffer.from(value)]);
  return out;
}

const T = 1_700_000_000_000;
const req = [];
for (let i = 0; i < 2000; i++) {
  const ts = [];
  const labels = {
    __name__: `app_metric_${i % 100}_total`,
    job: 'api',
    instance: `10.0.${i % 7}.${i % 13}:9100`,
    method: ['GET', 'POST', 'PUT'][i % 3],
    code: ['200', '404', '500'][i % 3],
    handler: `/api/v1/resource/${i % 50}`,
    region: 'eu-west-1',
    pod: `api-${i % 20}-7d9c`,
  };
  for (const [k, v] of Object.entries(labels)) bytesField(ts, 1, label(k, v));
  const sample = [];
  varint(sample, (1 << 3) | 1);
  const d = Buffer.alloc(8);
  d.writeDoubleLE(i * 1.5);
  for (const b of d) sample.push(b);
  varint(sample, 2 << 3);
  varint(sample, T + i);
  bytesField(ts, 2, sample);
  bytesField(req, 1, ts);
}
const raw = Buffer.from(req);
const body = compressSync(raw);

function run(name, fn) {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < end) {
    fn();
    n++;
  }
  const sec = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${name.padEnd(34)} ${(n / sec).toFixed(0).padStart(7)} req/s  ${((n * 2000) / sec / 1e6).toFixed(2)} M samples/s`);
}

console.log(`request: 2000 series x 1 sample, ${raw.length} bytes raw, ${body.length} bytes snappy`);
run('snappy uncompress', () => uncompressSync(body));
run('decode WriteRequest -> SampleBatch', () => decodeRemoteWrite(raw, 'default'));
run('both (the receive path)', () => decodeRemoteWrite(uncompressSync(body), 'default'));
