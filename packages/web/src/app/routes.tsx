import { Navigate, useLocation, type RouteObject } from 'react-router';
import { Shell } from './shell.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { RouteError } from '../pages/route-error.js';

function HomeRedirect() {
  const { search } = useLocation();
  return <Navigate to={`/services${search}`} replace />;
}

// Every page is its own chunk: the first paint loads the shell and the page it lands on.
export const routes: RouteObject[] = [
  {
    path: '/',
    element: <Shell />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomeRedirect /> },
      { path: 'services', lazy: () => import('../pages/services-page.js').then((m) => ({ Component: m.ServicesPage })) },
      { path: 'services/:service', lazy: () => import('../pages/service-page.js').then((m) => ({ Component: m.ServicePage })) },
      { path: 'traces', lazy: () => import('../pages/trace-search-page.js').then((m) => ({ Component: m.TraceSearchPage })) },
      { path: 'traces/:traceId', lazy: () => import('../pages/trace-page.js').then((m) => ({ Component: m.TracePage })) },
      { path: 'logs', lazy: () => import('../pages/logs-page.js').then((m) => ({ Component: m.LogsPage })) },
      // Not `/metrics`: the server answers that path with its own Prometheus metrics.
      // The workbench chunk carries CodeMirror; no other page loads it.
      { path: 'explore/metrics', lazy: () => import('../pages/metrics-page.js').then((m) => ({ Component: m.MetricsPage })) },
      { path: 'explore/metrics/cardinality', lazy: () => import('../pages/cardinality-page.js').then((m) => ({ Component: m.CardinalityPage })) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
