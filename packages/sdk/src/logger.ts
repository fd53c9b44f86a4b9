import { context, trace, type Attributes, type Context } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValue, type AnyValueMap } from '@opentelemetry/api-logs';
import { correlationIdFrom } from './context.js';
import { serialiseError } from './error-serialiser.js';
import { FdDestination, type LogDestination } from './log-destination.js';
import { createRedactor, type RedactionOptions, type Redactor } from './redaction.js';

/** Log levels, lowest to highest. Numeric values match pino's so tooling can read both. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Numeric value of each level. */
export const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60,
};

const SEVERITY: Record<LogLevel, SeverityNumber> = {
  trace: SeverityNumber.TRACE, debug: SeverityNumber.DEBUG, info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN, error: SeverityNumber.ERROR, fatal: SeverityNumber.FATAL,
};
const SEVERITY_TEXT: Record<LogLevel, string> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL',
};

/** Structured fields of one log call. An `err` field holding an Error is serialised fully. */
export type LogFields = Record<string, unknown>;

/** Options of {@link createLogger} and `init({ logger })`. Every field is optional. */
export interface LoggerOptions {
  /** Minimum level written (default `info`, or `LOG_LEVEL`/`SIGHTLINE_LOG_LEVEL`). */
  level?: LogLevel;
  /** Service name written in every line (`init()` sets it). */
  serviceName?: string;
  /** Fields bound to every line of this logger. */
  bindings?: LogFields;
  /** Redaction of keys and value patterns; see {@link RedactionOptions}. On by default. */
  redaction?: RedactionOptions | Redactor;
  /** Write JSON lines to stdout (default true) or to a custom destination. */
  stdout?: boolean;
  /** Custom destination for the JSON lines (replaces stdout). */
  destination?: LogDestination;
  /** Also emit each record as an OTLP log record through the global LoggerProvider (default true after `init()`). */
  otlp?: boolean;
  /**
   * Probability of keeping a record, by level. Warn, error and fatal are always kept.
   * Example: `{ debug: 0.01, info: 0.2 }`. Default: keep everything.
   */
  sampling?: Partial<Record<'trace' | 'debug' | 'info', number>>;
  /**
   * Rate limit per message key (the `logKey` field, or else the message text).
   * Past `max` records per `windowMs`, records are suppressed and counted; the next record
   * written for that key carries `suppressed: <count>`.
   */
  rateLimit?: { max: number; windowMs?: number; maxKeys?: number };
  /** Clock in ms (injected for tests). */
  now?: () => number;
  /** Random source in [0,1) (injected for tests). */
  random?: () => number;
}

interface RateState {
  windowStart: number;
  count: number;
  suppressed: number;
}

/** Counters of what the logger dropped on purpose. */
export interface LoggerStats {
  sampledOut: number;
  rateLimited: number;
}

// Everything children share: changing it (init() does) reconfigures every logger at once.
class LoggerCore {
  level = LEVEL_VALUES.info;
  serviceName: string | undefined;
  servicePrefix = '';
  redactor: Redactor = createRedactor();
  destination: LogDestination | undefined;
  otlp = false;
  sampleRates: [number, number, number] = [1, 1, 1];
  sampling = false;
  rateMax = 0;
  rateWindowMs = 60_000;
  rateMaxKeys = 10_000;
  rates = new Map<string, RateState>();
  now: () => number = Date.now;
  random: () => number = Math.random;
  stats: LoggerStats = { sampledOut: 0, rateLimited: 0 };
  otelLogger = logs.getLogger('@sightline/sdk');

  configure(o: LoggerOptions): void {
    if (o.level) this.level = LEVEL_VALUES[o.level] ?? LEVEL_VALUES.info;
    if (o.serviceName !== undefined) {
      this.serviceName = o.serviceName;
      this.servicePrefix = `,"service":${JSON.stringify(o.serviceName)}`;
    }
    if (o.redaction) {
      this.redactor = 'redactString' in o.redaction ? (o.redaction as Redactor) : createRedactor(o.redaction as RedactionOptions);
    }
    if (o.destination) this.destination = o.destination;
    else if (o.stdout === false) this.destination = undefined;
    else if (o.stdout === true || !this.destination) this.destination = sharedStdout();
    if (o.otlp !== undefined) this.otlp = o.otlp;
    if (o.sampling) {
      this.sampleRates = [o.sampling.trace ?? 1, o.sampling.debug ?? 1, o.sampling.info ?? 1];
      this.sampling = this.sampleRates.some((r) => r < 1);
    }
    if (o.rateLimit) {
      this.rateMax = o.rateLimit.max;
      this.rateWindowMs = o.rateLimit.windowMs ?? 60_000;
      this.rateMaxKeys = o.rateLimit.maxKeys ?? 10_000;
    }
    if (o.now) this.now = o.now;
    if (o.random) this.random = o.random;
  }
}

let stdoutDestination: FdDestination | undefined;
function sharedStdout(): FdDestination {
  stdoutDestination ??= new FdDestination(1);
  return stdoutDestination;
}

/**
 * A structured JSON logger. Each line carries time, level, service, message, bound fields,
 * call fields, and — taken from the async context automatically — `trace_id`, `span_id`
 * and `correlation_id`. Secrets are redacted by key and by value pattern.
 *
 * @example
 * ```ts
 * const log = createLogger({ serviceName: 'orders' });
 * log.info('order placed', { orderId: 'o-1', amount: 12.5 });
 * log.child({ component: 'payments' }).error('charge failed', { err });
 * ```
 */
export class Logger {
  /** @internal */
  readonly core: LoggerCore;
  private readonly bindingsJson: string;
  private readonly bindings: LogFields;

  /** @internal use {@link createLogger} */
  constructor(core: LoggerCore, bindings: LogFields, bindingsJson: string) {
    this.core = core;
    this.bindings = bindings;
    this.bindingsJson = bindingsJson;
  }

  /** Returns a logger that adds `bindings` to every line (and shares level, output and redaction). */
  child(bindings: LogFields): Logger {
    const merged = { ...this.bindings, ...bindings };
    let json = this.bindingsJson;
    for (const key of Object.keys(bindings)) json += this.field(key, bindings[key]);
    return new Logger(this.core, merged, json);
  }

  /** The fields bound to this logger. */
  getBindings(): Readonly<LogFields> {
    return this.bindings;
  }

  /** Current minimum level. */
  get level(): LogLevel {
    return levelName(this.core.level);
  }
  set level(level: LogLevel) {
    this.core.level = LEVEL_VALUES[level];
  }

  /** True when a record at `level` would be written (before sampling). */
  isLevelEnabled(level: LogLevel): boolean {
    return LEVEL_VALUES[level] >= this.core.level;
  }

  /** Counts of records dropped by sampling and rate limiting. */
  stats(): Readonly<LoggerStats> {
    return this.core.stats;
  }

  trace(msg: string, fields?: LogFields): void;
  trace(fields: LogFields | Error, msg?: string): void;
  trace(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 10) this.write('trace', 10, a, b);
  }
  debug(msg: string, fields?: LogFields): void;
  debug(fields: LogFields | Error, msg?: string): void;
  debug(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 20) this.write('debug', 20, a, b);
  }
  info(msg: string, fields?: LogFields): void;
  info(fields: LogFields | Error, msg?: string): void;
  info(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 30) this.write('info', 30, a, b);
  }
  warn(msg: string, fields?: LogFields): void;
  warn(fields: LogFields | Error, msg?: string): void;
  warn(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 40) this.write('warn', 40, a, b);
  }
  error(msg: string, fields?: LogFields): void;
  error(fields: LogFields | Error, msg?: string): void;
  error(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 50) this.write('error', 50, a, b);
  }
  fatal(msg: string, fields?: LogFields): void;
  fatal(fields: LogFields | Error, msg?: string): void;
  fatal(a: string | LogFields | Error, b?: string | LogFields): void {
    if (this.core.level <= 60) this.write('fatal', 60, a, b);
  }

  /** Writes a record at a level given at run time. */
  log(level: LogLevel, msg: string, fields?: LogFields): void {
    const value = LEVEL_VALUES[level];
    if (value >= this.core.level) this.write(level, value, msg, fields);
  }

  /**
   * Writes a record whose trace, span and correlation ids come from `ctx` instead of the
   * active context. The request observer uses it for the canonical line, which is written
   * from a response event where the active context is not guaranteed to be the request's.
   * @internal
   */
  logIn(ctx: Context, level: LogLevel, msg: string, fields?: LogFields): void {
    const value = LEVEL_VALUES[level];
    if (value >= this.core.level) this.write(level, value, msg, fields, ctx);
  }

  private write(level: LogLevel, value: number, a: string | LogFields | Error, b?: string | LogFields, explicitCtx?: Context): void {
    const core = this.core;
    let msg: string;
    let fields: LogFields | undefined;
    if (typeof a === 'string') {
      msg = a;
      fields = b as LogFields | undefined;
    } else if (a instanceof Error) {
      msg = typeof b === 'string' ? b : a.message;
      fields = { err: a };
    } else {
      msg = typeof b === 'string' ? b : '';
      fields = a;
    }

    if (core.sampling && value < 40 && core.random() >= core.sampleRates[value / 10 - 1]!) {
      core.stats.sampledOut++;
      return;
    }
    let suppressed = 0;
    if (core.rateMax > 0) {
      const key = fields && typeof fields.logKey === 'string' ? fields.logKey : msg;
      const r = this.rateCheck(key);
      if (r < 0) return;
      suppressed = r;
    }

    const ctx = explicitCtx ?? context.active();
    const spanContext = trace.getSpanContext(ctx);
    const correlationId = correlationIdFrom(ctx);
    const time = core.now();

    if (core.destination) {
      let line = `{"time":${time},"level":"${level}"${core.servicePrefix},"msg":${quote(core.redactor.redactString(msg))}${this.bindingsJson}`;
      if (fields !== undefined) {
        for (const key in fields) {
          if (key === 'logKey') continue;
          line += this.field(key, fields[key]);
        }
      }
      if (suppressed > 0) line += `,"suppressed":${suppressed}`;
      if (spanContext !== undefined) line += `,"trace_id":"${spanContext.traceId}","span_id":"${spanContext.spanId}"`;
      if (correlationId !== undefined) line += `,"correlation_id":"${correlationId}"`;
      core.destination.write(line + '}\n');
    }
    if (core.otlp) this.emitOtlp(level, msg, fields, suppressed, correlationId, time, ctx);
  }

  // Returns -1 when the record must be dropped, else the count suppressed since the last one written.
  private rateCheck(key: string): number {
    const core = this.core;
    const now = core.now();
    let state = core.rates.get(key);
    if (state === undefined) {
      if (core.rates.size >= core.rateMaxKeys) core.rates.clear();
      state = { windowStart: now, count: 0, suppressed: 0 };
      core.rates.set(key, state);
    }
    if (now - state.windowStart >= core.rateWindowMs) {
      state.windowStart = now;
      state.count = 0;
    }
    if (state.count >= core.rateMax) {
      state.suppressed++;
      core.stats.rateLimited++;
      return -1;
    }
    state.count++;
    const s = state.suppressed;
    state.suppressed = 0;
    return s;
  }

  private field(key: string, value: unknown): string {
    const redactor = this.core.redactor;
    if (redactor.isSensitiveKey(key)) return keyPrefix(key) + quote(redactor.censor);
    switch (typeof value) {
      case 'string':
        return keyPrefix(key) + quote(redactor.redactString(value));
      case 'number':
        return keyPrefix(key) + (Number.isFinite(value) ? value : `"${value}"`);
      case 'boolean':
        return keyPrefix(key) + (value ? 'true' : 'false');
      case 'bigint':
        return `${keyPrefix(key)}"${value}"`;
      case 'undefined':
      case 'function':
      case 'symbol':
        return '';
      default:
        if (value === null) return `${keyPrefix(key)}null`;
        if (value instanceof Error) return keyPrefix(key) + safeStringify(redactor.redactValue(serialiseError(value)));
        return keyPrefix(key) + safeStringify(redactor.redactValue(value));
    }
  }

  private emitOtlp(
    level: LogLevel,
    msg: string,
    fields: LogFields | undefined,
    suppressed: number,
    correlationId: string | undefined,
    time: number,
    ctx: ReturnType<typeof context.active>,
  ): void {
    const redactor = this.core.redactor;
    const attributes: AnyValueMap = {};
    const add = (key: string, value: unknown): void => {
      if (key === 'logKey' || value === undefined || typeof value === 'function') return;
      if (redactor.isSensitiveKey(key)) attributes[key] = redactor.censor;
      else if (value instanceof Error) {
        const e = serialiseError(value);
        attributes['exception.type'] = e.type;
        attributes['exception.message'] = redactor.redactString(e.message);
        if (e.stack) attributes['exception.stacktrace'] = e.stack;
        if (e.cause) attributes['exception.cause'] = safeStringify(redactor.redactValue(e.cause));
      } else attributes[key] = toAnyValue(redactor.redactValue(value));
    };
    for (const key of Object.keys(this.bindings)) add(key, this.bindings[key]);
    if (fields) for (const key of Object.keys(fields)) add(key, fields[key]);
    if (suppressed > 0) attributes.suppressed = suppressed;
    if (correlationId !== undefined) attributes['correlation.id'] = correlationId;
    try {
      this.core.otelLogger.emit({
        severityNumber: SEVERITY[level],
        severityText: SEVERITY_TEXT[level],
        body: redactor.redactString(msg),
        attributes,
        timestamp: time,
        context: ctx,
      });
    } catch {
      // The telemetry path never throws into the caller (house rule 3).
    }
  }
}

// Quoted JSON keys are reused across calls; keys are few (field names), values are not cached.
const keyPrefixes = new Map<string, string>();
function keyPrefix(key: string): string {
  let p = keyPrefixes.get(key);
  if (p === undefined) {
    p = `,${JSON.stringify(key)}:`;
    if (keyPrefixes.size < 10_000) keyPrefixes.set(key, p);
  }
  return p;
}

// Short strings without characters that need escaping (the usual case) are quoted directly;
// everything else goes through JSON.stringify. Same trick as pino's asString.
function quote(s: string): string {
  if (s.length > 64) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c > 126) return JSON.stringify(s);
  }
  return `"${s}"`;
}

function toAnyValue(v: unknown): AnyValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(toAnyValue);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out: AnyValueMap = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = toAnyValue(x);
    return out;
  }
  return String(v);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
  } catch {
    return '"[Unserialisable]"';
  }
}

function levelName(value: number): LogLevel {
  for (const [name, v] of Object.entries(LEVEL_VALUES)) if (v === value) return name as LogLevel;
  return 'info';
}

function levelFromEnv(): LogLevel | undefined {
  const raw = (process.env.SIGHTLINE_LOG_LEVEL ?? process.env.LOG_LEVEL)?.toLowerCase();
  return raw && raw in LEVEL_VALUES ? (raw as LogLevel) : undefined;
}

/**
 * Creates an independent logger (its own level, output and redaction).
 * Most services use the shared {@link logger} that `init()` configures instead.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const core = new LoggerCore();
  core.configure({ level: levelFromEnv(), ...options });
  const root = new Logger(core, {}, '');
  return options.bindings ? root.child(options.bindings) : root;
}

/**
 * The shared logger. Usable before `init()` (JSON to stdout); `init()` reconfigures it in
 * place with the service name, redaction and OTLP output, so module-level references stay valid.
 */
export const logger: Logger = createLogger();

/** Reconfigures the shared {@link logger} (and all its children). */
export function configureLogger(options: LoggerOptions): void {
  logger.core.configure(options);
}

/** Flushes the shared stdout buffer synchronously. */
export function flushLogs(): void {
  stdoutDestination?.flushSync();
}

/** Converts log fields to span/metric attributes (primitives only), for reuse by helpers. */
export function fieldsToAttributes(fields: LogFields): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
