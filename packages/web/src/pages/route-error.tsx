import { useRouteError } from 'react-router';
import { ErrorState } from '../components/states.js';

/** Last line of defence: a render error or a failed chunk load (e.g. after a redeploy). */
export function RouteError() {
  const error = useRouteError();
  return (
    <div className="page" style={{ padding: 24 }}>
      <ErrorState error={error} title="The page failed to load" retry={() => window.location.reload()} />
    </div>
  );
}
