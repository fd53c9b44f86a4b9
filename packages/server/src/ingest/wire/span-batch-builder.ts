// Column storage for a SpanBatch under construction. Capacity is known up front (the decoder
// counts spans first), so typed columns are allocated once; rejected spans only leave unused
// tail capacity, trimmed with zero-copy views at the end.
import type { SpanBatch } from '../../storage/batches.js';
import { setU64 } from './u64.js';

export class SpanBatchBuilder {
  n = 0;
  readonly traceId: string[];
  readonly spanId: string[];
  readonly parentSpanId: string[];
  readonly traceState: string[];
  readonly name: string[];
  readonly statusMessage: string[];
  readonly attributes: string[];
  readonly events: string[];
  readonly links: string[];
  readonly serviceName: string[];
  readonly httpRoute: string[];
  readonly dbSystem: string[];
  readonly scopeName: string[];
  readonly scopeVersion: string[];
  readonly resourceAttributes: string[];
  readonly flags: Uint32Array;
  readonly spanKind: Uint8Array;
  readonly statusCode: Uint8Array;
  readonly httpStatusCode: Uint16Array;
  readonly droppedAttributesCount: Uint32Array;
  readonly droppedEventsCount: Uint32Array;
  readonly droppedLinksCount: Uint32Array;
  readonly startNs: BigInt64Array;
  readonly endNs: BigInt64Array;
  readonly durationNs: BigInt64Array;
  // uint32 views on the time columns: the decoder writes 64-bit values as two words and never
  // allocates a BigInt per span.
  private readonly startW: Uint32Array;
  private readonly endW: Uint32Array;
  private readonly durW: Uint32Array;

  constructor(
    readonly tenant: string,
    capacity: number,
  ) {
    // Pre-sized (holey) arrays written by index: half the cost of push() per row.
    this.traceId = new Array<string>(capacity);
    this.spanId = new Array<string>(capacity);
    this.parentSpanId = new Array<string>(capacity);
    this.traceState = new Array<string>(capacity);
    this.name = new Array<string>(capacity);
    this.statusMessage = new Array<string>(capacity);
    this.attributes = new Array<string>(capacity);
    this.events = new Array<string>(capacity);
    this.links = new Array<string>(capacity);
    this.serviceName = new Array<string>(capacity);
    this.httpRoute = new Array<string>(capacity);
    this.dbSystem = new Array<string>(capacity);
    this.scopeName = new Array<string>(capacity);
    this.scopeVersion = new Array<string>(capacity);
    this.resourceAttributes = new Array<string>(capacity);
    this.flags = new Uint32Array(capacity);
    this.spanKind = new Uint8Array(capacity);
    this.statusCode = new Uint8Array(capacity);
    this.httpStatusCode = new Uint16Array(capacity);
    this.droppedAttributesCount = new Uint32Array(capacity);
    this.droppedEventsCount = new Uint32Array(capacity);
    this.droppedLinksCount = new Uint32Array(capacity);
    this.startNs = new BigInt64Array(capacity);
    this.endNs = new BigInt64Array(capacity);
    this.durationNs = new BigInt64Array(capacity);
    this.startW = new Uint32Array(this.startNs.buffer);
    this.endW = new Uint32Array(this.endNs.buffer);
    this.durW = new Uint32Array(this.durationNs.buffer);
  }

  /** Start and end as unsigned 64-bit (lo, hi) pairs; duration is end - start, 0 when negative. */
  setTimes(i: number, slo: number, shi: number, elo: number, ehi: number): void {
    setU64(this.startW, i, slo, shi);
    setU64(this.endW, i, elo, ehi);
    const borrow = elo < slo ? 1 : 0;
    const dhi = ehi - shi - borrow;
    if (dhi >= 0) setU64(this.durW, i, (elo - slo) >>> 0, dhi);
  }

  /** Enum columns are uint8; values that do not fit are not valid enum values, so they read as 0. */
  static enum8(v: number): number {
    return v <= 255 ? v : 0;
  }

  static httpStatus(v: number): number {
    return Number.isInteger(v) && v >= 0 && v <= 65535 ? v : 0;
  }

  finish(): SpanBatch {
    const n = this.n;
    if (n !== this.traceId.length) {
      this.traceId.length = n;
      this.spanId.length = n;
      this.parentSpanId.length = n;
      this.traceState.length = n;
      this.name.length = n;
      this.statusMessage.length = n;
      this.attributes.length = n;
      this.events.length = n;
      this.links.length = n;
      this.serviceName.length = n;
      this.httpRoute.length = n;
      this.dbSystem.length = n;
      this.scopeName.length = n;
      this.scopeVersion.length = n;
      this.resourceAttributes.length = n;
    }
    return {
      kind: 'spans',
      tenant: this.tenant,
      length: n,
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      traceState: this.traceState,
      flags: this.flags.subarray(0, n),
      name: this.name,
      spanKind: this.spanKind.subarray(0, n),
      startNs: this.startNs.subarray(0, n),
      endNs: this.endNs.subarray(0, n),
      durationNs: this.durationNs.subarray(0, n),
      statusCode: this.statusCode.subarray(0, n),
      statusMessage: this.statusMessage,
      attributes: this.attributes,
      events: this.events,
      links: this.links,
      droppedAttributesCount: this.droppedAttributesCount.subarray(0, n),
      droppedEventsCount: this.droppedEventsCount.subarray(0, n),
      droppedLinksCount: this.droppedLinksCount.subarray(0, n),
      serviceName: this.serviceName,
      httpRoute: this.httpRoute,
      httpStatusCode: this.httpStatusCode.subarray(0, n),
      dbSystem: this.dbSystem,
      scopeName: this.scopeName,
      scopeVersion: this.scopeVersion,
      resourceAttributes: this.resourceAttributes,
    };
  }
}
