import type { ReactNode } from 'react';
import { FetchingBar } from './states.js';

export function PageHeader({ title, subtitle, actions, fetching = false }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; fetching?: boolean }) {
  return (
    <div className="page-header">
      <FetchingBar active={fetching} />
      <div className="page-title">
        <h1>{title}</h1>
        {subtitle && <div className="page-subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}
