// JSON columns back into values. Stored text was produced by our own decoders, so a parse
// failure means a damaged row: it is returned as an empty value rather than failing a query.
export function parseObject(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseArray(text: string): unknown[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function parseLabels(text: string): Record<string, string> {
  return parseObject(text) as Record<string, string>;
}
