import type { ReactNode } from 'react';
import { isApiError } from '@sightline/client';
import { IconAlert } from './icons.js';

export function Spinner({ size = 16 }: { size?: number }) {
  return <span className="spinner" style={{ width: size, height: size }} role="progressbar" aria-label="Loading" />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" data-testid="loading">
      <Spinner size={20} />
      <span>{label}</span>
    </div>
  );
}

/** Error with the server's code and message, and a retry when the failure may be transient. */
export function ErrorState({ error, retry, title = 'Something went wrong' }: { error: unknown; retry?: () => void; title?: string }) {
  const code = isApiError(error) ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <IconAlert width={22} height={22} />
      <div>
        <div className="state-title">{title}</div>
        <div className="state-text">{message}</div>
        {code && <code className="state-code">{code}</code>}
      </div>
      {retry && (
        <button className="btn" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <div className="state-title">{title}</div>
      {children && <div className="state-text">{children}</div>}
    </div>
  );
}

/** Thin bar at the top of a panel while a background refetch runs, so data never blanks out. */
export function FetchingBar({ active }: { active: boolean }) {
  return <div className={active ? 'fetching-bar active' : 'fetching-bar'} aria-hidden="true" />;
}
