// Prometheus regexes are RE2, fully anchored. relabel_configs use the same RE2 translation as
// PromQL matchers (src/re2.ts), so a regex means the same in a scrape config as in a query:
// `.` does not match a newline, `(?i)`, POSIX classes and `(?P<name>...)` work, and what JS
// cannot express with RE2's meaning is rejected at config load.
import { compileAnchoredRE2 } from '../re2.js';

export function compileAnchoredRegex(source: string): RegExp {
  return compileAnchoredRE2(source);
}

export function isValidRegex(source: string): boolean {
  try {
    compileAnchoredRegex(source);
    return true;
  } catch {
    return false;
  }
}
