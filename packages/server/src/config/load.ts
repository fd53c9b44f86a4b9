// Builds the effective configuration: defaults <- YAML file <- SIGHTLINE_* env <- CLI flags.
// Errors name the offending key and what is allowed, so start-up failures are actionable.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type SightlineConfig } from './schema.js';

export class ConfigError extends Error {
  readonly code = 'SL_ERR_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;

const DEFAULTS: SightlineConfig = configSchema.parse({});

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snakeUpper(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Every leaf of the defaults with its env var name, e.g. otlp.httpPort -> SIGHTLINE_OTLP_HTTP_PORT. */
export function envVarNames(): Array<{ path: string[]; env: string; sample: unknown }> {
  const out: Array<{ path: string[]; env: string; sample: unknown }> = [];
  const walk = (obj: Plain, path: string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      if (isPlain(v)) walk(v, [...path, k]);
      else out.push({ path: [...path, k], env: 'SIGHTLINE_' + [...path, k].map(snakeUpper).join('_'), sample: v });
    }
  };
  walk(DEFAULTS as unknown as Plain, []);
  return out;
}

function setPath(target: Plain, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlain(cur[key])) cur[key] = {};
    cur = cur[key] as Plain;
  }
  cur[path[path.length - 1]] = value;
}

function coerce(raw: string, sample: unknown, env: string): unknown {
  if (typeof sample === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${env}=${JSON.stringify(raw)}: expected a number`);
    return n;
  }
  if (typeof sample === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${env}=${JSON.stringify(raw)}: expected true or false`);
  }
  return raw;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Plain, v) : v;
  }
  return out;
}

export interface LoadConfigOptions {
  /** Path of a sightline.yaml; absent means defaults + env + flags only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from CLI flags, already shaped like the config. */
  overrides?: Plain;
}

export function loadConfig(opts: LoadConfigOptions = {}): SightlineConfig {
  let fromFile: Plain = {};
  const source = opts.file ?? '(defaults)';
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`config file ${opts.file} is not valid YAML: ${(err as Error).message}`);
    }
    if (parsed != null && !isPlain(parsed)) throw new ConfigError(`config file ${opts.file}: the top level must be a mapping of keys`);
    fromFile = (parsed as Plain | null) ?? {};
  }

  const fromEnv: Plain = {};
  const env = opts.env ?? process.env;
  for (const { path, env: name, sample } of envVarNames()) {
    const raw = env[name];
    if (raw !== undefined) setPath(fromEnv, path, coerce(raw, sample, name));
  }

  const merged = deepMerge(deepMerge(fromFile, fromEnv), opts.overrides ?? {});
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      let msg = issue.message;
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        const prefix = issue.path.length ? issue.path.join('.') + '.' : '';
        return `unknown config key ${keys.map((k) => `'${prefix}${k}'`).join(', ')} (allowed here: ${allowedKeys(issue.path as string[]).join(', ')})`;
      }
      if (issue.code === 'invalid_value') msg = `${msg}`;
      return `config key '${key}': ${msg}`;
    });
    throw new ConfigError(`invalid configuration from ${source}:\n  - ${lines.join('\n  - ')}`);
  }
  return result.data;
}

function allowedKeys(path: string[]): string[] {
  let cur: unknown = DEFAULTS;
  for (const k of path) cur = isPlain(cur) ? cur[k] : undefined;
  return isPlain(cur) ? Object.keys(cur) : [];
}

export { DEFAULTS as CONFIG_DEFAULTS };
