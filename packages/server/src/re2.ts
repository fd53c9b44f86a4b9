// Prometheus regexes (PromQL matchers, relabel_configs) are RE2 (Go regexp), fully anchored. JS RegExp differs in places
// (escapes, character classes, flags, Unicode), so the pattern is translated token by token
// into a JS pattern with the `u` flag, and anything JS cannot express with the same meaning
// is rejected instead of silently matching differently.

export class RegexTranslationError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

// RE2's Perl classes are ASCII-only; JS \s is Unicode-wide, so spell them out.
const PERL_CLASSES: Record<string, string> = {
  d: '0-9', s: '\\t\\n\\f\\r ', w: '0-9A-Za-z_',
};

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

function literal(ch: string, inClass: boolean): string {
  if (JS_SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

function hexEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** Translates an RE2 pattern (unanchored) to JS source and flags. */
export function translateRE2(pattern: string): { source: string; flags: string } {
  let i = 0;
  let flags = '';
  // (?m) at the very start becomes the JS m flag; elsewhere it would change meaning mid-way.
  const lead = /^\(\?m\)/.exec(pattern);
  if (lead) {
    flags = 'm';
    i = lead[0].length;
  }
  let out = '';
  let depth = 0;
  const n = pattern.length;
  // Node 20's RegExp has no inline modifiers, so (?i) and (?s) are applied while translating:
  // letters become [aA], `.` becomes [\s\S] or [^\n]. One state per open group.
  interface GroupFlags { i: boolean; s: boolean }
  const stack: GroupFlags[] = [{ i: false, s: false }];
  const cur = (): GroupFlags => stack[stack.length - 1]!;
  const applyFlags = (spec: string): void => {
    let neg = false;
    for (const f of spec) {
      if (f === '-') { neg = true; continue; }
      if (f === 'i') cur().i = !neg;
      else if (f === 's') cur().s = !neg;
      else if (f === 'U') throw new RegexTranslationError('ungreedy flag (?U) is not supported');
      else if (f === 'm') throw new RegexTranslationError('(?m) is only supported at the start of the expression');
      else throw new RegexTranslationError(`invalid or unsupported Perl syntax: (?${spec}`);
    }
  };
  const foldChar = (ch: string, inClass: boolean): string => {
    const lo = ch.toLowerCase(), up = ch.toUpperCase();
    if (!cur().i || lo === up || [...lo].length !== 1 || [...up].length !== 1) return literal(ch, inClass);
    const other = ch === lo ? up : lo;
    return inClass ? literal(ch, true) + literal(other, true) : `[${literal(ch, true)}${literal(other, true)}]`;
  };

  const readEscape = (inClass: boolean): string => {
    // pattern[i] is the backslash
    const c = pattern[i + 1];
    if (c === undefined) throw new RegexTranslationError('trailing backslash at end of expression');
    i += 2;
    if (c in PERL_CLASSES) return inClass ? PERL_CLASSES[c]! : `[${PERL_CLASSES[c]}]`;
    if (c === 'D' || c === 'S' || c === 'W') {
      const body = PERL_CLASSES[c.toLowerCase()]!;
      if (inClass) throw new RegexTranslationError(`negated class \\${c} inside a character class is not supported`);
      return `[^${body}]`;
    }
    switch (c) {
      case 'a': return '\\x07';
      case 'f': return '\\f';
      case 't': return '\\t';
      case 'n': return '\\n';
      case 'r': return '\\r';
      case 'v': return '\\v';
      case 'b': if (inClass) throw new RegexTranslationError('invalid escape \\b in class'); return '\\b';
      case 'B': if (inClass) throw new RegexTranslationError('invalid escape \\B in class'); return '\\B';
      case 'A': if (inClass) throw new RegexTranslationError('invalid escape'); return '(?<![\\s\\S])';
      case 'z': if (inClass) throw new RegexTranslationError('invalid escape'); return '(?![\\s\\S])';
      case 'x': {
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i);
          if (end < 0) throw new RegexTranslationError('invalid escape sequence \\x{');
          const hex = pattern.slice(i + 1, end);
          if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new RegexTranslationError('invalid escape sequence');
          i = end + 1;
          return hexEscape(parseInt(hex, 16));
        }
        const hex = pattern.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new RegexTranslationError('invalid escape sequence');
        i += 2;
        return hexEscape(parseInt(hex, 16));
      }
      case 'p': case 'P': {
        let name: string;
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i);
          if (end < 0) throw new RegexTranslationError('invalid character class range');
          name = pattern.slice(i + 1, end);
          i = end + 1;
        } else {
          name = pattern[i] ?? '';
          i += 1;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) { neg = !neg; name = name.slice(1); }
        let prop: string;
        if (/^[A-Z][a-z]?$/.test(name)) prop = name; // general category
        else if (name === 'Any') return inClass ? '\\u{0}-\\u{10ffff}' : neg ? '[^\\s\\S]' : '[\\s\\S]';
        else if (/^[A-Z][A-Za-z_]+$/.test(name)) prop = `Script=${name}`;
        else throw new RegexTranslationError(`invalid character class range \\p{${name}}`);
        try { new RegExp(`\\p{${prop}}`, 'u'); } catch { throw new RegexTranslationError(`invalid character class range \\p{${name}}`); }
        return `\\${neg ? 'P' : 'p'}{${prop}}`;
      }
      case 'Q': {
        const end = pattern.indexOf('\\E', i);
        const text = end < 0 ? pattern.slice(i) : pattern.slice(i, end);
        i = end < 0 ? n : end + 2;
        return [...text].map((ch) => foldChar(ch, inClass)).join('');
      }
      default:
        if (c >= '0' && c <= '7') {
          // RE2: \0 and octal escapes \1-\7 only when followed by more octal digits are octal;
          // a lone \1..\9 would be a backreference, which RE2 rejects.
          let j = i - 1;
          let oct = '';
          while (j < n && oct.length < 3 && pattern[j]! >= '0' && pattern[j]! <= '7') oct += pattern[j++];
          if (c !== '0' && oct.length < 2) throw new RegexTranslationError(`invalid escape sequence: \\${c}`);
          i = j;
          return hexEscape(parseInt(oct, 8));
        }
        if (/[0-9A-Za-z]/.test(c)) throw new RegexTranslationError(`invalid escape sequence: \\${c}`);
        // RE2 lets any punctuation be escaped; the u flag only accepts syntax characters.
        return literal(c, inClass);
    }
  };

  const readClass = (): string => {
    // pattern[i] === '['
    i++;
    let neg = false;
    if (pattern[i] === '^') { neg = true; i++; }
    let body = '';
    let first = true;
    while (true) {
      if (i >= n) throw new RegexTranslationError('missing closing ]');
      const c = pattern[i]!;
      if (c === ']' && !first) { i++; break; }
      first = false;
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          let name = pattern.slice(i + 2, end);
          let negPosix = false;
          if (name.startsWith('^')) { negPosix = true; name = name.slice(1); }
          const cls = POSIX_CLASSES[name];
          if (!cls) throw new RegexTranslationError(`invalid character class range [:${name}:]`);
          if (negPosix) throw new RegexTranslationError('negated POSIX class inside a class is not supported');
          body += cls;
          i = end + 2;
          continue;
        }
      }
      if (c === '\\') { body += readEscape(true); continue; }
      // A range a-z: keep the dash as a range operator when it sits between two atoms.
      if (pattern[i + 1] === '-' && pattern[i + 2] !== ']' && i + 2 < n && pattern[i + 2] !== '\\' && pattern[i + 2] !== '[') {
        const hiCh = pattern[i + 2]!;
        body += literal(c, true) + '-' + literal(hiCh, true);
        if (cur().i) body += foldRange(c.codePointAt(0)!, hiCh.codePointAt(0)!);
        i += 3;
        continue;
      }
      body += cur().i ? foldChar(c, true) : literal(c, true);
      i++;
      if (pattern[i] === '-' && pattern[i + 1] !== ']' && i + 1 < n) {
        body += '-';
        i++;
      }
    }
    if (body === '') throw new RegexTranslationError('missing closing ]');
    return `[${neg ? '^' : ''}${body}]`;
  };

  while (i < n) {
    const c = pattern[i]!;
    switch (c) {
      case '\\': out += readEscape(false); break;
      case '[': out += readClass(); break;
      case '(': {
        if (pattern[i + 1] === '?') {
          const rest = pattern.slice(i + 2);
          const fl = /^([imsU-]+)(:|\))/.exec(rest);
          if (fl) {
            if (fl[2] === ')') {
              // (?i) etc.: changes the flags of the rest of the enclosing group.
              applyFlags(fl[1]!);
              i += 2 + fl[0].length;
              break;
            }
            stack.push({ ...cur() });
            applyFlags(fl[1]!);
            out += '(?:';
            i += 2 + fl[0].length;
            depth++;
            break;
          }
          stack.push({ ...cur() });
          if (rest.startsWith(':')) { out += '(?:'; i += 3; }
          else if (rest.startsWith('P<') || rest.startsWith('<')) {
            const start = rest.indexOf('<');
            const end = rest.indexOf('>');
            const name = rest.slice(start + 1, end);
            if (end < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RegexTranslationError('invalid named capture');
            out += `(?<${name}>`;
            i += 2 + end + 1;
          } else {
            throw new RegexTranslationError(`flags or group syntax not supported here: ${pattern.slice(i, i + 6)}`);
          }
        } else { stack.push({ ...cur() }); out += '('; i++; }
        depth++;
        break;
      }
      case ')':
        if (depth === 0) throw new RegexTranslationError('unexpected )');
        depth--; stack.pop(); out += ')'; i++;
        break;
      case '.':
        out += cur().s ? '[\\s\\S]' : '[^\\n]';
        i++;
        break;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (m) {
          if (Number(m[1]) > 1000 || (m[3] && Number(m[3]) > 1000)) throw new RegexTranslationError('invalid repeat count');
          if (m[3] && Number(m[3]) < Number(m[1])) throw new RegexTranslationError('invalid repeat count');
          out += m[0]; i += m[0].length;
        } else { out += '\\{'; i++; }
        break;
      }
      case '}': out += '\\}'; i++; break;
      case ']': out += '\\]'; i++; break;
      case '/': out += '\\/'; i++; break;
      case '^': case '$': case '|': case '*': case '+': case '?':
        out += c; i++;
        break;
      default: {
        const ch = String.fromCodePoint(pattern.codePointAt(i)!);
        out += foldChar(ch, false);
        i += ch.length;
      }
    }
  }
  if (depth !== 0) throw new RegexTranslationError('missing closing )');
  return { source: out, flags };
}

/** Case-folded counterpart of the ASCII-letter part of a class range. */
function foldRange(lo: number, hi: number): string {
  let out = '';
  const part = (a: number, b: number, shift: number) => {
    const from = Math.max(lo, a), to = Math.min(hi, b);
    if (from <= to) out += `\\u{${(from + shift).toString(16)}}-\\u{${(to + shift).toString(16)}}`;
  };
  part(0x61, 0x7a, -32);
  part(0x41, 0x5a, 32);
  return out;
}

const cache = new Map<string, RegExp>();

/** A fully anchored JS RegExp with RE2 semantics for a PromQL matcher value. */
export function compileAnchoredRE2(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const { source, flags } = translateRE2(pattern);
  try {
    // With (?m), ^ and $ become line anchors, so the outer anchors must not use them.
    re = flags.includes('m')
      ? new RegExp(`(?<![\\s\\S])(?:${source})(?![\\s\\S])`, flags + 'u')
      : new RegExp(`^(?:${source})$`, flags + 'u');
  } catch (err) {
    throw new RegexTranslationError((err as Error).message);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}
