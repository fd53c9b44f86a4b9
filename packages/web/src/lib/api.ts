import { createSightlineClient } from '@sightline/client';

// Same-origin: the server serves the UI and the API together, and `vite dev` proxies /api.
export const api = createSightlineClient();
