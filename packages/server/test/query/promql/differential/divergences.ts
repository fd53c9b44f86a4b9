// Deliberate divergences from Prometheus 2.42, by query. Sightline follows the newer
// Prometheus (2.55) where 2.42 behaves differently and 2.55 changed it on purpose; each entry
// says why and checks that our answer is what the newer semantics give. Documented in
// docs/prometheus.md ("Differences from Prometheus 2.42").
import type { ApiAnswer } from './compare.js';

export interface Divergence {
  reason: string;
  /** Undefined when `ours` is the documented answer given Prometheus 2.42's `theirs`. */
  check(ours: ApiAnswer, theirs: ApiAnswer): string | undefined;
}

export const DIVERGENCES = new Map<string, Divergence>();
