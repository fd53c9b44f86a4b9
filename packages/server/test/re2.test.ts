import { describe, expect, it } from 'vitest';
import { compileAnchoredRE2, RegexTranslationError } from '../src/re2.js';

// [pattern, input, matches] with RE2 semantics, fully anchored like PromQL matchers.
const MATCHES: Array<[string, string, boolean]> = [
  ['foo', 'foo', true],
  ['foo', 'foobar', false],
  ['foo|bar', 'bar', true],
  ['fo+', 'fooo', true],
  ['.*', '', true],
  ['.', '\n', false],
  ['(?s).', '\n', true],
  ['a.c', 'a\rc', true],
  ['(?i)FOO', 'foo', true],
  ['(?i:pro).*', 'PROduction', true],
  ['.*(?i:TION)', 'producTiOn', true],
  ['((?i)pro)duction', 'PROduction', true],
  ['((?i)pro)duction', 'PRODUCTION', false],
  ['(?i)[a-c]+', 'AbC', true],
  ['\\d+', '123', true],
  ['\\d', '٣', false],
  ['\\s', '\u00a0', false],
  ['\\w+', 'ab_1', true],
  ['[[:alpha:]]+', 'abcXYZ', true],
  ['[[:digit:]]', 'a', false],
  ['\\pL+', 'héllo', true],
  ['\\p{Greek}+', 'αβγ', true],
  ['a{2}', 'aa', true],
  ['a{', 'a{', true],
  ['x}', 'x}', true],
  ['[]a]', ']', true],
  ['\\Q.*\\E', '.*', true],
  ['\\Q.*\\E', 'ab', false],
  ['\\-\\!\\#', '-!#', true],
  ['\\x41\\x{263a}', 'A☺', true],
  ['(?P<name>a)b', 'ab', true],
  ['a/b', 'a/b', true],
  ['\\z', '', true],
];

const REJECTED = ['(a', 'a)', '[a', '\\1', '(?=a)', '(?<=a)b', 'a\\', '(?U)a*', 'x{2000}', '\\p{NoSuchScript}'];

describe('RE2 translation', () => {
  it.each(MATCHES)('/%s/ on %j -> %s', (pattern, input, want) => {
    expect(compileAnchoredRE2(pattern).test(input)).toBe(want);
  });

  it.each(REJECTED)('rejects %s', (pattern) => {
    expect(() => compileAnchoredRE2(pattern)).toThrow(RegexTranslationError);
  });
});
