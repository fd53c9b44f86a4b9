// One remote_write body -> SampleBatch or the reason it was refused: snappy decompression plus
// the WriteRequest decode, with the exact messages the receiver answers. Shared by the inline
// path (remote-write.ts) and the decode workers (decode-worker.ts), so both answer the same.
// The size checks against the snappy preamble stay with the caller: they run before any work.
//
// Snappy: the `snappy` package (napi-rs bindings to the reference C++ library, prebuilt per
// platform as optional dependencies, no install script). It decompresses an order of
// magnitude faster than the pure-JS snappyjs, which has not had a release since 2021.
import { uncompressSync } from 'snappy';
import type { SampleBatch } from '../storage/batches.js';
import { DecodeError } from './wire/decode-error.js';
import { decodeRemoteWrite } from './wire/decode-remote-write.js';

export type RemoteWriteBodyResult =
  | { ok: true; rawBytes: number; batch: SampleBatch }
  /**
   * `reason`: the rejection reason counted in self-metrics. `rawBytes`: set once snappy succeeded
   * (counted as received bytes). `bug`: an error that was not a DecodeError (logged once).
   */
  | { ok: false; reason: 'bad_encoding' | 'malformed'; code: string; message: string; rawBytes?: number; bug?: string };

export function decodeRemoteWriteBody(compressed: Uint8Array, tenant: string): RemoteWriteBodyResult {
  let raw: Buffer;
  try {
    raw = uncompressSync(Buffer.from(compressed.buffer, compressed.byteOffset, compressed.byteLength)) as Buffer;
  } catch (err) {
    return { ok: false, reason: 'bad_encoding', code: 'SL_ERR_BAD_ENCODING', message: `body is not valid snappy block-format data: ${(err as Error).message}` };
  }
  try {
    return { ok: true, rawBytes: raw.byteLength, batch: decodeRemoteWrite(raw, tenant).batch };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, reason: 'malformed', code: err.code, message: err.message, rawBytes: raw.byteLength };
    return {
      ok: false,
      reason: 'malformed',
      code: 'SL_ERR_PROTOBUF_MALFORMED',
      message: `could not decode WriteRequest: ${(err as Error).message}`,
      rawBytes: raw.byteLength,
      bug: String(err),
    };
  }
}
