import type { SeverityCounts } from '@sightline/client';

export type SeverityBucket = keyof SeverityCounts;

export const SEVERITY_ORDER: SeverityBucket[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unspecified'];

/** OTLP severity number (1..24) → its range name (TRACE 1-4, DEBUG 5-8, INFO 9-12, ...). */
export function severityBucket(severityNumber: number): SeverityBucket {
  if (!severityNumber || severityNumber < 1) return 'unspecified';
  if (severityNumber <= 4) return 'trace';
  if (severityNumber <= 8) return 'debug';
  if (severityNumber <= 12) return 'info';
  if (severityNumber <= 16) return 'warn';
  if (severityNumber <= 20) return 'error';
  return 'fatal';
}

/** Label to show: the record's own text when it has one, else the bucket name. */
export function severityLabel(severityNumber: number, severityText: string): string {
  return (severityText || severityBucket(severityNumber)).toUpperCase();
}

export interface FormattedBody {
  /** One line for the list row. */
  line: string;
  /** Full text for the expanded view; JSON pretty-printed. */
  full: string;
  isJson: boolean;
}

/**
 * Formats a log body: structured bodies and strings that hold a JSON object or array are
 * pretty-printed in the detail view and compacted to one line in the list.
 */
export function formatLogBody(body: unknown): FormattedBody {
  if (body === null || body === undefined) return { line: '', full: '', isJson: false };
  if (typeof body === 'string') {
    const trimmed = body.trim();
    if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        return { line: JSON.stringify(parsed), full: JSON.stringify(parsed, null, 2), isJson: true };
      } catch {
        // Not JSON after all; show it as text.
      }
    }
    return { line: body.replace(/\s*\n\s*/g, ' ⏎ '), full: body, isJson: false };
  }
  if (typeof body === 'object') return { line: JSON.stringify(body), full: JSON.stringify(body, null, 2), isJson: true };
  return { line: String(body), full: String(body), isJson: false };
}

/** Attribute value for display: strings as-is, everything else as JSON. */
export function formatAttributeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

/**
 * Parses the attribute filter text of the query bars: space-separated `key=value` pairs,
 * values optionally double-quoted to hold spaces. Returns null for malformed text.
 */
export function parseAttributeFilters(text: string): Record<string, string> | null {
  const result: Record<string, string> = {};
  const re = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/y;
  let index = 0;
  const t = text.trim();
  while (index < t.length) {
    re.lastIndex = index;
    const m = re.exec(t);
    if (!m) return null;
    result[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    index = re.lastIndex;
    while (t[index] === ' ') index++;
  }
  return result;
}

/** Inverse of {@link parseAttributeFilters}. */
export function formatAttributeFilters(filters: Record<string, string>): string {
  return Object.entries(filters)
    .map(([k, v]) => (/[\s"]/.test(v) || v === '' ? `${k}="${v.replace(/["\\]/g, '\\$&')}"` : `${k}=${v}`))
    .join(' ');
}
