/**
 * Service colours: hashed from the name, so a service keeps its colour on every page and in
 * every trace (Jaeger assigns by order of appearance, which changes between traces).
 */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f',
  '#3d7bfd', '#e15759', '#2ca58d', '#8f6fd6', '#d4a017', '#1f9bcf', '#c85a9a', '#6b8e23',
  '#e0703a', '#5b6ee1', '#20a39e', '#a05195',
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function serviceColor(service: string): string {
  return PALETTE[hash(service) % PALETTE.length]!;
}

export const SEVERITY_COLORS: Record<string, string> = {
  fatal: '#a3152b',
  error: '#e5484d',
  warn: '#f5a524',
  info: '#3d7bfd',
  debug: '#8e8ea0',
  trace: '#b8b8c8',
  unspecified: '#6e7781',
};
