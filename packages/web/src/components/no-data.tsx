import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { GettingStarted } from './getting-started.js';
import { EmptyState } from './states.js';

/**
 * Empty result of a page: on a fresh install (server has no data at all) it teaches how to
 * send data; otherwise it says the filters or range matched nothing.
 */
export function NoData({ title, children }: { title: string; children?: ReactNode }) {
  const info = useQuery({ queryKey: ['info'], queryFn: ({ signal }) => api.info({ signal }), staleTime: 10_000 });
  if (info.data && !info.data.hasData) return <GettingStarted info={info.data} />;
  return <EmptyState title={title}>{children}</EmptyState>;
}
