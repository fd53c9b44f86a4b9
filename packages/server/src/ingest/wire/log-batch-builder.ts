// Column storage for a LogBatch under construction (see span-batch-builder.ts for the layout
// choices: capacity known up front, 64-bit times written as two uint32 words).
import type { LogBatch } from '../../storage/batches.js';
import { setU64 } from './u64.js';

export class LogBatchBuilder {
  n = 0;
  readonly severityText: string[];
  readonly body: string[];
  readonly bodyText: string[];
  readonly attributes: string[];
  readonly traceId: string[];
  readonly spanId: string[];
  readonly eventName: string[];
  readonly serviceName: string[];
  readonly scopeName: string[];
  readonly scopeVersion: string[];
  readonly resourceAttributes: string[];
  readonly severityNumber: Uint8Array;
  readonly droppedAttributesCount: Uint32Array;
  readonly flags: Uint32Array;
  readonly timeNs: BigInt64Array;
  readonly observedTimeNs: BigInt64Array;
  private readonly timeW: Uint32Array;
  private readonly observedW: Uint32Array;

  constructor(
    readonly tenant: string,
    capacity: number,
  ) {
    // Pre-sized (holey) arrays written by index: half the cost of push() per row.
    this.severityText = new Array<string>(capacity);
    this.body = new Array<string>(capacity);
    this.bodyText = new Array<string>(capacity);
    this.attributes = new Array<string>(capacity);
    this.traceId = new Array<string>(capacity);
    this.spanId = new Array<string>(capacity);
    this.eventName = new Array<string>(capacity);
    this.serviceName = new Array<string>(capacity);
    this.scopeName = new Array<string>(capacity);
    this.scopeVersion = new Array<string>(capacity);
    this.resourceAttributes = new Array<string>(capacity);
    this.severityNumber = new Uint8Array(capacity);
    this.droppedAttributesCount = new Uint32Array(capacity);
    this.flags = new Uint32Array(capacity);
    this.timeNs = new BigInt64Array(capacity);
    this.observedTimeNs = new BigInt64Array(capacity);
    this.timeW = new Uint32Array(this.timeNs.buffer);
    this.observedW = new Uint32Array(this.observedTimeNs.buffer);
  }

  setTimes(i: number, tlo: number, thi: number, olo: number, ohi: number): void {
    setU64(this.timeW, i, tlo, thi);
    setU64(this.observedW, i, olo, ohi);
  }

  finish(): LogBatch {
    const n = this.n;
    if (n !== this.severityText.length) {
      this.severityText.length = n;
      this.body.length = n;
      this.bodyText.length = n;
      this.attributes.length = n;
      this.traceId.length = n;
      this.spanId.length = n;
      this.eventName.length = n;
      this.serviceName.length = n;
      this.scopeName.length = n;
      this.scopeVersion.length = n;
      this.resourceAttributes.length = n;
    }
    return {
      kind: 'logs',
      tenant: this.tenant,
      length: n,
      timeNs: this.timeNs.subarray(0, n),
      observedTimeNs: this.observedTimeNs.subarray(0, n),
      severityNumber: this.severityNumber.subarray(0, n),
      severityText: this.severityText,
      body: this.body,
      bodyText: this.bodyText,
      attributes: this.attributes,
      droppedAttributesCount: this.droppedAttributesCount.subarray(0, n),
      traceId: this.traceId,
      spanId: this.spanId,
      flags: this.flags.subarray(0, n),
      eventName: this.eventName,
      serviceName: this.serviceName,
      scopeName: this.scopeName,
      scopeVersion: this.scopeVersion,
      resourceAttributes: this.resourceAttributes,
    };
  }
}
