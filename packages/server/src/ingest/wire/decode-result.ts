// What a decoder hands back: the batch plus the items it left out, which the servers turn
// into an OTLP partial_success (rejected_spans / rejected_log_records / rejected_data_points).
import { DecodeError, type DecodeErrorCode } from './decode-error.js';

export type DecodeResult<B> = { batch: B; rejected: number; rejectReasons: string[] };

/** Reasons kept per request; the count keeps going, the messages stop (they go into one reply). */
export const MAX_REJECT_REASONS = 10;

export class Rejections {
  count = 0;
  readonly reasons: string[] = [];

  add(reason: string, items = 1): void {
    this.count += items;
    if (this.reasons.length < MAX_REJECT_REASONS) this.reasons.push(reason);
  }
}

/**
 * Where the decoder is (resource, scope, item indices). Kept as three counters so tracking it
 * costs nothing per field; the text is only built for an error or a rejection.
 */
export class Location {
  resource = -1;
  scope = -1;
  item = -1;

  constructor(
    private readonly resourceField: string,
    private readonly scopeField: string,
    private readonly itemField: string,
  ) {}

  enterResource(): void {
    this.resource++;
    this.scope = -1;
    this.item = -1;
  }

  enterScope(): void {
    this.scope++;
    this.item = -1;
  }

  toString(): string {
    let s = '';
    if (this.resource >= 0) s += `${this.resourceField}[${this.resource}]`;
    if (this.scope >= 0) s += `.${this.scopeField}[${this.scope}]`;
    if (this.item >= 0) s += `.${this.itemField}[${this.item}]`;
    return s || 'request';
  }
}

/** Adds the field path to a DecodeError; anything else that escapes a decoder is a bug we still contain. */
export function locate(err: unknown, loc: Location, fallback: DecodeErrorCode): DecodeError {
  if (err instanceof DecodeError) {
    return new DecodeError(err.code, `${err.message} (in ${loc.toString()})`);
  }
  // A decoder must only ever throw DecodeError (the fuzz tests hold it to that); should a
  // RangeError or the like still slip through, the request is malformed input, not a crash.
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError(fallback, `could not decode request: ${message} (in ${loc.toString()})`, { cause: err });
}
