// `node --import @sightline/sdk/register app.js`: loader hook plus `init()` from the OTEL_*
// environment variables, before any application module loads. Set
// SIGHTLINE_HANDLE_SIGNALS=true to flush and exit on SIGTERM/SIGINT.
import './hook.js';
import { init } from './init.js';

init({ handleSignals: process.env.SIGHTLINE_HANDLE_SIGNALS === 'true' });
