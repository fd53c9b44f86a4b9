// Hand-rolled prometheus.WriteRequest encoder for tests (field numbers as in prompb), so the
// decoder is tested against bytes built independently of it.
import { compressSync } from 'snappy';

export interface TestSeries {
  labels: Record<string, string>;
  samples?: Array<{ value: number; timestamp: number; bits?: [number, number] }>;
  exemplars?: Array<{ labels: Record<string, string>; value: number; timestamp: number }>;
  histograms?: Uint8Array[];
}

export interface TestMetadata {
  type: number;
  family: string;
  help?: string;
  unit?: string;
}

class Enc {
  bytes: number[] = [];
  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  bytesField(field: number, b: Uint8Array | number[]): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, [...Buffer.from(s, 'utf8')]);
  }
  double(field: number, v: number, bits?: [number, number]): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    if (bits) {
      b.writeUInt32LE(bits[0] >>> 0, 0);
      b.writeUInt32LE(bits[1] >>> 0, 4);
    } else b.writeDoubleLE(v, 0);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function labels(e: Enc, field: number, l: Record<string, string>): void {
  for (const [k, v] of Object.entries(l)) e.bytesField(field, new Enc().string(1, k).string(2, v).done());
}

export function encodeWriteRequest(series: TestSeries[], metadata: TestMetadata[] = []): Uint8Array {
  const req = new Enc();
  for (const s of series) {
    const ts = new Enc();
    labels(ts, 1, s.labels);
    for (const smp of s.samples ?? []) ts.bytesField(2, new Enc().double(1, smp.value, smp.bits).tag(2, 0).varint(smp.timestamp).done());
    for (const ex of s.exemplars ?? []) {
      const e = new Enc();
      labels(e, 1, ex.labels);
      e.double(2, ex.value).tag(3, 0).varint(ex.timestamp);
      ts.bytesField(3, e.done());
    }
    for (const h of s.histograms ?? []) ts.bytesField(4, h);
    req.bytesField(1, ts.done());
  }
  for (const m of metadata) {
    const e = new Enc().tag(1, 0).varint(m.type).string(2, m.family);
    if (m.help) e.string(4, m.help);
    if (m.unit) e.string(5, m.unit);
    req.bytesField(3, e.done());
  }
  return req.done();
}

const zigzag = (n: number) => BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) < 0n ? -1n : 0n));

/** An integer native histogram: count, sum, schema, zero bucket, positive spans + deltas. */
export function encodeNativeHistogram(h: { count: number; sum: number; schema: number; zeroThreshold: number; zeroCount: number; spans: Array<[number, number]>; deltas: number[]; timestamp: number }): Uint8Array {
  const e = new Enc().tag(1, 0).varint(h.count).double(3, h.sum).tag(4, 0).varint(zigzag(h.schema)).double(5, h.zeroThreshold).tag(6, 0).varint(h.zeroCount);
  for (const [off, len] of h.spans) e.bytesField(11, new Enc().tag(1, 0).varint(zigzag(off)).tag(2, 0).varint(len).done());
  const packed = new Enc();
  for (const d of h.deltas) packed.varint(zigzag(d));
  e.bytesField(12, packed.done());
  e.tag(15, 0).varint(h.timestamp);
  return e.done();
}

export function snappy(body: Uint8Array): Buffer {
  return compressSync(Buffer.from(body));
}

export async function postRemoteWrite(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', ...headers },
    body,
  });
}
