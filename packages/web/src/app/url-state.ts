import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** Parameters that belong to the whole app and follow the user between pages. */
const GLOBAL_PARAMS = ['from', 'to', 'refresh'];

/**
 * Page state kept in the URL so a copied link reproduces the view. `set` merges changes
 * (null deletes) and pushes a history entry unless `replace` is asked for (typing).
 */
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (changes: Record<string, string | null | undefined>, options: { replace?: boolean } = {}) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === null || v === undefined || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: options.replace },
      );
    },
    [setParams],
  );
  return { params, set };
}

/**
 * Builds a link to another page that carries the time range along, so following
 * service → traces → trace → logs keeps looking at the same window.
 */
export function useRangeLink() {
  const [params] = useSearchParams();
  return useCallback(
    (path: string, extra: Record<string, string | number | undefined | null> = {}) => {
      const next = new URLSearchParams();
      for (const key of GLOBAL_PARAMS) {
        const v = params.get(key);
        if (v) next.set(key, v);
      }
      for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== '') next.set(k, String(v));
      const query = next.toString();
      return query ? `${path}?${query}` : path;
    },
    [params],
  );
}

/** `attr.<key>` style parameters of a URL as a map. */
export function prefixedParams(params: URLSearchParams, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
