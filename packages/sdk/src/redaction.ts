/** A value pattern that the redactor masks wherever it appears inside a string. */
export interface RedactionPattern {
  /** Name used in the replacement text, e.g. `email` gives `[REDACTED:email]`. */
  name: string;
  /** Global regular expression matching the sensitive part. */
  pattern: RegExp;
  /** Optional second check on a match (e.g. Luhn for card numbers) to avoid false positives. */
  validate?: (match: string) => boolean;
  /**
   * Cheap pre-test run before the regular expression; strings that fail it are skipped.
   * Keeps redaction off the hot path for the usual log message that contains nothing secret.
   */
  quickTest?: (value: string) => boolean;
  /**
   * A regular expression that matches wherever the pattern could match. When every pattern
   * has one, they are joined into one pre-filter, so a clean string costs one regex test.
   */
  hint?: RegExp;
}

/** Options of {@link createRedactor}; every field is optional. */
export interface RedactionOptions {
  /** Turn redaction off entirely (default: on). */
  enabled?: boolean;
  /** Key names whose values are replaced whole, matched case-insensitively (merged with defaults). */
  keys?: string[];
  /** Replace the default key list instead of extending it. */
  replaceDefaultKeys?: boolean;
  /** Extra value patterns (merged with the built-in ones). */
  patterns?: RedactionPattern[];
  /** Names of built-in patterns to switch off: `email`, `card`, `bearer`, `password`. */
  disablePatterns?: string[];
  /** Replacement for values of redacted keys (default `[REDACTED]`). */
  censor?: string;
}

/** Key names redacted by default; they cover the usual places secrets hide. */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password', 'passwd', 'pwd', 'secret', 'token', 'access_token', 'refresh_token', 'id_token',
  'api_key', 'apikey', 'x-api-key', 'authorization', 'cookie', 'set-cookie', 'client_secret',
  'private_key', 'credit_card', 'card_number', 'cardnumber', 'cvv', 'cvc', 'ssn',
];

/** Luhn checksum, so that order numbers and timestamps are not masked as card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  let count = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    count++;
  }
  return count >= 13 && count <= 19 && sum % 10 === 0;
}

function hasDigitRun(value: string, min: number): boolean {
  let run = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= min) return true;
    } else if (c !== 32 && c !== 45) {
      run = 0;
    }
  }
  return false;
}

/** The built-in value patterns. */
export const BUILTIN_PATTERNS: readonly RedactionPattern[] = [
  {
    name: 'email',
    pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
    quickTest: (v) => v.indexOf('@') !== -1,
    hint: /@/,
  },
  {
    name: 'card',
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    validate: luhnValid,
    quickTest: (v) => hasDigitRun(v, 13),
    hint: /\d[\d -]{11,}\d/,
  },
  {
    name: 'bearer',
    pattern: /\b[Bb]earer\s+[A-Za-z0-9\-._~+/]+=*/g,
    quickTest: (v) => v.indexOf('earer') !== -1,
    hint: /earer/,
  },
  {
    name: 'password',
    // password=..., "password": "...", pwd: ... inside free text such as URLs or SQL
    pattern: /\b(password|passwd|pwd|secret)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi,
    quickTest: (v) => /pass|pwd|secret/i.test(v),
    hint: /pass|pwd|secret/i,
  },
];

/** Masks secrets in values; create one with {@link createRedactor} and reuse it. */
export interface Redactor {
  /** Whether a key's value must be replaced whole. */
  isSensitiveKey(key: string): boolean;
  /** Returns `value` with every sensitive pattern masked (the same string when nothing matched). */
  redactString(value: string): string;
  /** Deep-copies plain objects/arrays, masking sensitive keys and string values. */
  redactValue(value: unknown): unknown;
  /** Replacement text for sensitive keys. */
  readonly censor: string;
  readonly enabled: boolean;
}

/**
 * Builds a redactor from options. Redaction by key name is exact (case-insensitive); value
 * patterns (emails, card numbers with a Luhn check, bearer tokens, passwords in text) apply to
 * every string.
 *
 * @example
 * ```ts
 * const r = createRedactor({ keys: ['iban'], disablePatterns: ['email'] });
 * r.redactValue({ iban: 'DE89...', note: 'paid with 4111 1111 1111 1111' });
 * // { iban: '[REDACTED]', note: 'paid with [REDACTED:card]' }
 * ```
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  const enabled = options.enabled !== false;
  const censor = options.censor ?? '[REDACTED]';
  const keys = new Set<string>();
  for (const k of options.replaceDefaultKeys ? [] : DEFAULT_REDACT_KEYS) keys.add(k.toLowerCase());
  for (const k of options.keys ?? []) keys.add(k.toLowerCase());
  const disabled = new Set(options.disablePatterns ?? []);
  const patterns = [...BUILTIN_PATTERNS.filter((p) => !disabled.has(p.name)), ...(options.patterns ?? [])];
  // Exact key hits are the common case; the lower-cased lookup happens only on a miss.
  const keyCache = new Map<string, boolean>();

  function isSensitiveKey(key: string): boolean {
    if (!enabled) return false;
    let hit = keyCache.get(key);
    if (hit === undefined) {
      hit = keys.has(key.toLowerCase());
      if (keyCache.size < 10_000) keyCache.set(key, hit);
    }
    return hit;
  }

  // One combined pre-filter: most log strings contain nothing sensitive and leave after one test.
  const prefilter = patterns.every((p) => p.hint)
    ? new RegExp(patterns.map((p) => `(?:${p.hint!.source})`).join('|'), patterns.some((p) => p.hint!.flags.includes('i')) ? 'i' : '')
    : undefined;
  // Messages and many field values repeat (templates, routes); remember recent answers.
  const cache = new Map<string, string>();

  function redactString(value: string): string {
    if (!enabled || value.length < 5) return value;
    if (value.length <= 256) {
      const hit = cache.get(value);
      if (hit !== undefined) return hit;
      const out = prefilter && !prefilter.test(value) ? value : applyPatterns(value);
      if (cache.size >= 2048) cache.clear();
      cache.set(value, out);
      return out;
    }
    if (prefilter && !prefilter.test(value)) return value;
    return applyPatterns(value);
  }

  function applyPatterns(value: string): string {
    let out = value;
    for (const p of patterns) {
      if (p.quickTest && !p.quickTest(out)) continue;
      p.pattern.lastIndex = 0;
      out = out.replace(p.pattern, (match: string, ...groups: unknown[]) => {
        if (p.validate && !p.validate(match)) return match;
        if (p.name === 'password' && typeof groups[0] === 'string' && typeof groups[1] === 'string') {
          return `${groups[0]}${groups[1]}[REDACTED]`;
        }
        return `[REDACTED:${p.name}]`;
      });
    }
    return out;
  }

  function redactValue(value: unknown, depth = 0): unknown {
    if (!enabled) return value;
    if (typeof value === 'string') return redactString(value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
    if (value instanceof Date || Buffer.isBuffer(value)) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      out[key] = isSensitiveKey(key) ? censor : redactValue(v, depth + 1);
    }
    return out;
  }

  return { isSensitiveKey, redactString, redactValue: (v) => redactValue(v), censor, enabled };
}
