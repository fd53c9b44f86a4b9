import { describe, expect, it } from 'vitest';
import { formatAttributeFilters, formatLogBody, parseAttributeFilters, severityBucket } from '../src/lib/logs.js';

describe('severityBucket', () => {
  it.each([
    [0, 'unspecified'],
    [1, 'trace'],
    [5, 'debug'],
    [9, 'info'],
    [13, 'warn'],
    [17, 'error'],
    [21, 'fatal'],
    [24, 'fatal'],
  ])('%d → %s', (n, name) => expect(severityBucket(n)).toBe(name));
});

describe('formatLogBody', () => {
  it('pretty-prints JSON bodies and JSON text', () => {
    expect(formatLogBody({ a: 1 })).toEqual({ line: '{"a":1}', full: '{\n  "a": 1\n}', isJson: true });
    expect(formatLogBody('{"user":"x"}').full).toBe('{\n  "user": "x"\n}');
  });
  it('keeps plain text and flattens newlines in the one-line form', () => {
    expect(formatLogBody('hello\n  world')).toEqual({ line: 'hello ⏎ world', full: 'hello\n  world', isJson: false });
    expect(formatLogBody('{not json}').isJson).toBe(false);
    expect(formatLogBody(42).line).toBe('42');
  });
});

describe('attribute filters', () => {
  it('parses key=value pairs with quotes', () => {
    expect(parseAttributeFilters('http.route=/api/cart  user="a b" e=')).toEqual({ 'http.route': '/api/cart', user: 'a b', e: '' });
    expect(parseAttributeFilters('')).toEqual({});
    expect(parseAttributeFilters('novalue')).toBeNull();
  });
  it('round-trips', () => {
    const f = { a: 'x', b: 'two words', c: 'q"uote' };
    expect(parseAttributeFilters(formatAttributeFilters(f))).toEqual(f);
  });
});
