/** Ranks metric names for the autocomplete: prefix matches, then word starts, then substrings. */
export function rankMetricNames<T extends { name: string }>(names: T[], text: string, limit = 50): T[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return names.slice(0, limit);
  const scored: Array<[number, T]> = [];
  for (const n of names) {
    const name = n.name.toLowerCase();
    const idx = name.indexOf(needle);
    if (idx < 0) continue;
    const score = idx === 0 ? 0 : /[_.:]/.test(name[idx - 1]!) ? 1 : 2;
    scored.push([score * 1000 + name.length, n]);
  }
  return scored.sort((a, b) => a[0] - b[0]).slice(0, limit).map(([, n]) => n);
}
