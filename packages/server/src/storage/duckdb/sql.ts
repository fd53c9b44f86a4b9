// Bound parameters for generated SQL. Every user-supplied value goes through Params; the only
// text pasted into SQL is what this module generates itself (placeholders, partition aliases
// from the partition set, column names from the schema).
import { BIGINT, DOUBLE, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

export class Params {
  readonly values: DuckDBValue[] = [];
  readonly types: DuckDBType[] = [];

  private add(value: DuckDBValue, type: DuckDBType): string {
    this.values.push(value);
    this.types.push(type);
    return `$${this.values.length}`;
  }

  varchar(v: string): string {
    return this.add(v, VARCHAR);
  }

  bigint(v: bigint | number): string {
    return this.add(typeof v === 'bigint' ? v : BigInt(Math.trunc(v)), BIGINT);
  }

  double(v: number): string {
    return this.add(v, DOUBLE);
  }

  /**
   * A BIGINT[] list. Bound as one VARCHAR of decimal integers split in SQL: binding a LIST value
   * converts every element on the client (~3 µs each), which was most of the client-side cost
   * of a selector over thousands of series (an instant query's samples and block-key statements).
   * The decimal text comes from BigInt, so every integer survives exactly.
   */
  bigintList(v: readonly number[]): string {
    if (v.length === 0) return `${this.add(listValue([]), LIST(BIGINT))}`;
    let text = '';
    for (let i = 0; i < v.length; i++) text += (i ? ',' : '') + BigInt(Math.trunc(v[i]!)).toString();
    return `(string_split(${this.varchar(text)}, ',')::BIGINT[])`;
  }
}

/**
 * JSON pointer (RFC 6901) for one object key, so any key (dots, slashes, quotes) addresses
 * exactly that key: DuckDB's JSON functions read a path starting with '/' as a pointer.
 */
export function jsonPointer(key: string): string {
  return '/' + key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** ILIKE pattern matching `text` anywhere; use with ESCAPE '\'. */
export function containsPattern(text: string): string {
  return '%' + text.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

/** A SQL identifier we generated ourselves; refuses anything else as a programming error. */
export function ident(name: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`not a generated identifier: ${name}`);
  return `"${name}"`;
}

/**
 * Filter on one attribute key of a span or log record: its own attributes first, then its
 * resource's, which live inline (resource_id 0) or in the partition's `resources` table (see
 * duckdb/resources.ts). `resourceIds` are the ids of that partition's resources that match
 * (resourcesMatching() there): a constant list is much cheaper for DuckDB than a semi-join or
 * a JSON lookup per row (measured 25 ms against 65 and 36 ms on 200k log records).
 */
export function attributeEquals(p: Params, key: string, value: string, resourceIds: readonly bigint[]): string {
  const path = p.varchar(jsonPointer(key));
  const v = p.varchar(value);
  // coalesce() evaluates its second argument only where the row has no such attribute itself;
  // a referenced resource that matches stands in for the value itself.
  const referenced = resourceIds.length > 0 ? `WHEN resource_id IN (${resourceIds.join(', ')}) THEN ${v}` : '';
  return `coalesce(json_extract_string(attributes, ${path}),
    CASE WHEN coalesce(resource_id, 0) = 0 THEN json_extract_string(nullif(resource_attributes, ''), ${path}) ${referenced} END) = ${v}`;
}

/** SQL of a trace id column stored as a 16-byte BLOB, as lowercase hex ('' for an empty BLOB). */
export function traceIdText(col: string): string {
  return `lower(hex(${col}))`;
}

/** SQL of a span id column stored as UBIGINT, as 16 lowercase hex digits ('' for 0: no span). */
export function spanIdText(col: string): string {
  return `CASE WHEN ${col} = 0 THEN '' ELSE lpad(lower(hex(${col})), 16, '0') END`;
}

/** A trace id as stored in day files of both layouts: lowercase hex of 16 bytes. */
export const TRACE_ID_HEX = /^[0-9a-f]{32}$/;
