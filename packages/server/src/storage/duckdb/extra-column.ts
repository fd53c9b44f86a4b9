// The `extra` column of span and log rows (schema.ts, SPANS and LOGS): the fields that are
// nearly always empty or zero share one VARCHAR, '' when all of them are, else a JSON object of
// those that are set. Writers build the values here; readers extract them with the SQL below.
// A day file without the column has the earlier layout (SPANS_V1, LOGS_V1).
import type { Partition } from './partitions.js';

/** Whether the day's `table` ('spans' or 'logs') has the current layout rather than the earlier one. */
export function currentLayout(part: Partition, table: 'spans' | 'logs'): boolean {
  return part.columns.get(table)?.has('extra') === true;
}

/** Builds one row's value at a time: add the fields, then take(). */
export class ExtraFields {
  private s = '';
  private prevVersion: string | undefined;
  private prevOnlyVersion = '';

  /** A string field, left out when ''. */
  str(key: string, value: string): this {
    if (value !== '') this.s += `,"${key}":${JSON.stringify(value)}`;
    return this;
  }

  /** A field holding JSON text as it is (a value the decoder wrote), left out when ''. */
  json(key: string, text: string): this {
    if (text !== '') this.s += `,"${key}":${text}`;
    return this;
  }

  /** A count, left out when 0. */
  count(key: string, n: number): this {
    if (n !== 0) this.s += `,"${key}":${n}`;
    return this;
  }

  /** The row's value; starts the next row. */
  take(): string {
    const s = this.s;
    this.s = '';
    return s === '' ? '' : `{${s.slice(1)}}`;
  }

  /**
   * The value of a row whose only field that may be set is its scope version (most rows):
   * rows of one scope repeat it, so it is built once per run of equal versions.
   */
  onlyScopeVersion(version: string): string {
    if (version !== this.prevVersion) {
      this.prevVersion = version;
      this.prevOnlyVersion = this.str('scopeVersion', version).take();
    }
    return this.prevOnlyVersion;
  }
}

const EXTRA = `nullif(extra, '')`;

/** SQL of a string field of `extra` ('' when absent). */
export function extraString(key: string): string {
  return `coalesce(${EXTRA}->>'${key}', '')`;
}

/** SQL of a JSON field of `extra` as JSON text (`absent` when absent). */
export function extraJson(key: string, absent: string): string {
  return `coalesce(CAST(${EXTRA}->'${key}' AS VARCHAR), '${absent}')`;
}

/** SQL of a count field of `extra` (0 when absent). */
export function extraCount(key: string): string {
  return `coalesce((${EXTRA}->>'${key}')::UINTEGER, 0)`;
}
