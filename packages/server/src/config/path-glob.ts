// Path globs as Prometheus' filepath.Glob understands them (`*`, `?`, `[...]` within a path
// segment, no `**`), for rule_files and file_sd_configs. Node 20 has no fs.glob.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) throw new Error(`unterminated '[' in glob segment ${JSON.stringify(segment)}`);
      let cls = segment.slice(i + 1, close);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1);
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function hasGlobMeta(path: string): boolean {
  return /[*?[]/.test(path);
}

/** Existing files matching the pattern, sorted; a pattern without wildcards returns itself if it exists. */
export function globFiles(pattern: string, cwd = process.cwd()): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const parts = abs.split(sep);
  let current = [parts[0] === '' ? sep : parts[0]];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlobMeta(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = segmentRegex(part);
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const e of entries) if (re.test(e) && !e.startsWith('.')) next.push(join(dir, e));
    }
    current = next;
  }
  return current
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}
