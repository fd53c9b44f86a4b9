/**
 * Every area of the product, in menu order. Areas whose pages do not exist yet stay
 * `available: false` and are not rendered at all: a link that leads nowhere is worse than
 * no link. Flip the flag and add the route when the area lands.
 *
 * A page is loaded straight from the server on a reload or a pasted link, so its path must
 * not be one the server answers itself: `/api/*`, `/v1/*`, `/metrics` (Sightline's own
 * Prometheus metrics), `/healthz`, `/readyz` (see docs/api.md). That is why the metrics
 * explorer lives at `/explore/metrics`.
 */
export interface NavArea {
  key: string;
  label: string;
  path: string;
  group: 'explore' | 'observe' | 'respond' | 'admin';
  shortcut?: string;
  available: boolean;
}

export const NAV_AREAS: NavArea[] = [
  { key: 'services', label: 'Services', path: '/services', group: 'observe', shortcut: 'g s', available: true },
  { key: 'traces', label: 'Traces', path: '/traces', group: 'explore', shortcut: 'g t', available: true },
  { key: 'logs', label: 'Logs', path: '/logs', group: 'explore', shortcut: 'g l', available: true },
  { key: 'metrics', label: 'Metrics', path: '/explore/metrics', group: 'explore', shortcut: 'g m', available: true },
  { key: 'cardinality', label: 'Cardinality', path: '/explore/metrics/cardinality', group: 'explore', shortcut: 'g c', available: true },
  { key: 'dashboards', label: 'Dashboards', path: '/dashboards', group: 'observe', available: false },
  { key: 'alerts', label: 'Alerts', path: '/alerts', group: 'respond', available: false },
  { key: 'slos', label: 'SLOs', path: '/slos', group: 'respond', available: false },
  { key: 'incidents', label: 'Incidents', path: '/incidents', group: 'respond', available: false },
  { key: 'runbooks', label: 'Runbooks', path: '/runbooks', group: 'respond', available: false },
  { key: 'settings', label: 'Settings', path: '/settings', group: 'admin', available: false },
];

export const NAV_GROUPS: Array<{ key: NavArea['group']; label: string }> = [
  { key: 'explore', label: 'Explore' },
  { key: 'observe', label: 'Observe' },
  { key: 'respond', label: 'Respond' },
  { key: 'admin', label: 'Admin' },
];

export function availableAreas(): NavArea[] {
  return NAV_AREAS.filter((a) => a.available);
}

/**
 * Whether an area's link should match its own path only: the metrics workbench must not
 * light up as active on /explore/metrics/cardinality, which is an area of its own.
 */
export function matchesExactly(area: NavArea, areas: NavArea[] = NAV_AREAS): boolean {
  return areas.some((o) => o !== area && o.available && o.path.startsWith(`${area.path}/`));
}
