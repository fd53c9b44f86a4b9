import { describe, expect, it } from 'vitest';
import { createRedactor, luhnValid } from '../src/index.js';

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true],
    ['4111 1111 1111 1111', true],
    ['5500-0000-0000-0004', true],
    ['4111111111111112', false],
    ['123456789012', false], // too short
    ['12345678901234567890', false], // too long
  ])('%s -> %s', (digits, ok) => expect(luhnValid(digits)).toBe(ok));
});

describe('createRedactor', () => {
  const r = createRedactor();
  it.each([
    ['mail bob.smith+x@mail.example.org now', 'mail [REDACTED:email] now'],
    ['Authorization: Bearer eyJhbGciOi.J9.abc_-', 'Authorization: [REDACTED:bearer]'],
    ['paid 4111-1111-1111-1111.', 'paid [REDACTED:card].'],
    ['order 4111-1111-1111-1112', 'order 4111-1111-1111-1112'],
    ['{"password":"p4ss","user":"u"}', '{"password":"[REDACTED]","user":"u"}'],
    ['nothing to see', 'nothing to see'],
  ])('redacts %j', (input, output) => expect(r.redactString(input)).toBe(output));

  it('matches keys case-insensitively and supports custom keys and patterns', () => {
    const custom = createRedactor({
      keys: ['Session'],
      patterns: [{ name: 'iban', pattern: /\bDE\d{20}\b/g }],
      disablePatterns: ['email'],
      censor: '***',
    });
    expect(custom.redactValue({ SESSION: 's', PASSWORD: 'p', a: ['DE89370400440532013000', 'x@y.io'] })).toEqual({
      SESSION: '***',
      PASSWORD: '***',
      a: ['[REDACTED:iban]', 'x@y.io'],
    });
  });

  it('can replace the default keys or be disabled', () => {
    expect(createRedactor({ replaceDefaultKeys: true, keys: ['x'] }).redactValue({ password: 'p', x: 1 })).toEqual({ password: 'p', x: '[REDACTED]' });
    const off = createRedactor({ enabled: false });
    expect(off.redactString('a@b.com')).toBe('a@b.com');
    expect(off.isSensitiveKey('password')).toBe(false);
  });
});
