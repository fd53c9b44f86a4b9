// `node --import @sightline/sdk/hook app.js` registers the ESM loader hook that lets the
// OpenTelemetry instrumentations patch ES modules (express, pg, node:http). Without it only
// CommonJS modules and diagnostics-channel based instrumentations (undici/fetch) are patched.
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
