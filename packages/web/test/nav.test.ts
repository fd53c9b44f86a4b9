import { describe, expect, it } from 'vitest';
import { matchesExactly, NAV_AREAS } from '../src/app/nav.js';

// Paths the server answers itself (docs/api.md). A UI page under one of them works when
// reached by a click but shows the server's answer on a reload or a pasted link.
const SERVER_PATHS = ['/api', '/v1', '/metrics', '/healthz', '/readyz'];

describe('navigation areas', () => {
  it('never use a path the server answers itself', () => {
    for (const area of NAV_AREAS) {
      for (const reserved of SERVER_PATHS) {
        expect(area.path === reserved || area.path.startsWith(`${reserved}/`), `${area.key} at ${area.path} collides with the server's ${reserved}`).toBe(false);
      }
    }
  });

  it('have distinct keys, paths and shortcuts', () => {
    const shortcuts = NAV_AREAS.flatMap((a) => (a.shortcut ? [a.shortcut] : []));
    expect(new Set(NAV_AREAS.map((a) => a.key)).size).toBe(NAV_AREAS.length);
    expect(new Set(NAV_AREAS.map((a) => a.path)).size).toBe(NAV_AREAS.length);
    expect(new Set(shortcuts).size).toBe(shortcuts.length);
  });

  it('light up one link at a time when one area lives under another', () => {
    const byKey = (k: string) => NAV_AREAS.find((a) => a.key === k)!;
    expect(byKey('cardinality').path.startsWith(`${byKey('metrics').path}/`)).toBe(true);
    expect(matchesExactly(byKey('metrics'))).toBe(true);
    expect(matchesExactly(byKey('cardinality'))).toBe(false);
    expect(matchesExactly(byKey('traces'))).toBe(false);
  });
});
