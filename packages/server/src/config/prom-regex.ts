// Prometheus regexes are RE2, fully anchored. relabel_configs use the same RE2 translation as
// PromQL matchers (src/re2.ts), so a regex means the same in a scrape config as in a query;
// what JavaScript cannot express with RE2's meaning is refused at config load.
import { compileAnchoredRE2 } from '../re2.js';

export function isValidRegex(source: string): boolean {
  try {
    compileAnchoredRE2(source);
    return true;
  } catch {
    return false;
  }
}
