// Prometheus durations ("15s", "1m30s", "1h", "2d", "1w", "500ms"): the units and order of
// Prometheus' model.ParseDuration, so a prometheus.yml value means the same thing here.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a Prometheus duration, or undefined when the text is not one. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (let i = 0; i < ORDER.length; i++) if (m[i + 1] !== undefined) total += Number(m[i + 1]) * UNIT_MS[ORDER[i]];
  return total;
}

/** The canonical text Prometheus prints for a duration (used in API answers such as /api/v1/rules). */
export function formatPromDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ORDER) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
