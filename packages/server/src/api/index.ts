export { buildApi, type ApiContext, type BuildApiOptions } from './app.js';
