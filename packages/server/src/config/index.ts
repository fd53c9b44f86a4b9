export { configSchema, type SightlineConfig } from './schema.js';
export { loadConfig, envVarNames, ConfigError, CONFIG_DEFAULTS, type LoadConfigOptions } from './load.js';
export { parsePromDuration, formatPromDuration } from './prom-duration.js';
